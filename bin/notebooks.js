#!/usr/bin/env node
// Entry point for `npx notebooks`: npm puts the pinned Node 24 (devDependency `node`) first on
// PATH, and Node 24 runs the TypeScript sources directly.
import { runCli } from '../src/cli.ts';

await runCli(process.argv);

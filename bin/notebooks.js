#!/usr/bin/env -S node --max-semi-space-size=8
// Entry point for `npx notebooks`: npm puts the pinned Node 24 (devDependency `node`) first on
// PATH, and Node 24 runs the TypeScript sources directly. The young generation is capped at
// 8 MB per semi-space, as `npm start` does (README: Memory).
import { runCli } from '../src/cli.ts';

await runCli(process.argv);

import { enableCompileCache } from 'node:module';

// Cold start matters (a process manager restarts us; the target is under a second): cache V8's
// compiled code for our modules and dependencies across runs. It must be on before anything
// heavy is imported, hence the dynamic import below.
enableCompileCache();

export async function runCli(argv: string[]): Promise<void> {
  const { runCli: run } = await import('./cli/commands.ts');
  await run(argv);
}

if (import.meta.main) await runCli(process.argv);

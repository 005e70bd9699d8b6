import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  documentationFiles,
  type MarkdownParts,
  markdownCode,
  parseUnit,
  programOf,
  readMarkdown,
  readmeServiceUnit,
  runsSystemNode,
  shellCommands,
} from '../support/readme.ts';

// The system's `node` may be older than 24 and unable to run the TypeScript sources; npm scripts
// and npx put the pinned Node 24 first on PATH. A command the documentation tells a person to
// type (or a unit file to run) must therefore go through them.

// Commands are in blocks marked as shell; blocks without a language show folder trees or output.
const SHELL_BLOCKS = new Set(['sh', 'bash', 'shell', 'console']);
const UNIT_BLOCKS = new Set(['ini', 'systemd']);

interface Command {
  where: string;
  words: string[];
}

/** Every command a Markdown text gives: shell blocks, unit files' ExecStart lines, inline code. */
function commandsOf(parts: MarkdownParts): { typed: Command[]; inline: Command[] } {
  const typed: Command[] = [];
  for (const block of parts.blocks) {
    const where = `${block.file}:${block.line}`;
    if (SHELL_BLOCKS.has(block.lang)) {
      for (const words of shellCommands(block.text)) typed.push({ where, words });
    }
    if (UNIT_BLOCKS.has(block.lang)) {
      for (const section of parseUnit(block.text).values()) {
        for (const key of ['ExecStartPre', 'ExecStart', 'ExecStartPost', 'ExecReload', 'ExecStop']) {
          for (const line of section.get(key) ?? []) {
            for (const words of shellCommands(line.replace(/^[-@+!:]+/, ''))) typed.push({ where, words });
          }
        }
      }
    }
  }
  const inline = parts.spans.flatMap((span) =>
    shellCommands(span.text).map((words) => ({ where: `${span.file}:${span.line}`, words })),
  );
  return { typed, inline };
}

/** Commands that would run the system's Node: `node` or a script in code blocks, `node …` inline. */
function systemNodeCommands(parts: MarkdownParts): string[] {
  const { typed, inline } = commandsOf(parts);
  const program = (command: Command) => programOf(command.words) ?? '';
  return [
    ...typed.filter((command) => runsSystemNode(program(command))),
    // In prose, `node` alone names the program; `node <script>` is a command.
    ...inline.filter((command) => ['node', 'nodejs'].includes(program(command)) && command.words.length > 1),
  ].map((command) => `${command.where}: ${command.words.join(' ')}`);
}

describe('the commands the documentation gives', () => {
  const files = documentationFiles();

  it('are found in README.md and bench/README.md', () => {
    assert.ok(files.includes('README.md') && files.includes('bench/README.md'), files.join(', '));
    const typed = files.flatMap((file) => commandsOf(readMarkdown(file)).typed);
    const programs = new Set(typed.map((command) => programOf(command.words)));
    for (const expected of ['npm', 'npx', 'curl', 'createdb']) {
      assert.ok(programs.has(expected), `${expected} among ${[...programs].join(', ')}`);
    }
  });

  it('never start the system node: every one goes through npm or npx, which run the pinned Node 24', () => {
    assert.deepEqual(
      files.flatMap((file) => systemNodeCommands(readMarkdown(file))),
      [],
    );
  });

  it('would be caught starting node src/… however the documentation writes it', () => {
    const markdown = [
      '## Start',
      'Run `node src/cli.ts serve`, or `npx notebooks serve` (`node:http` is not a command).',
      '```sh',
      'npm ci && node src/cli.ts serve   # after the install',
      'DATABASE_URL=sqlite:x.db node src/cli.ts migrate',
      'curl -s "$API/notebooks/" \\',
      '  -d \'{"type": "doc",',
      '       "content": "node src/cli.ts"}\'',
      'exec /usr/bin/node --max-semi-space-size=8 src/cli.ts serve',
      './bin/notebooks.js serve',
      'node_modules/.bin/node src/cli.ts serve',
      'npm start; npx notebooks migrate',
      '```',
      '```ini',
      '[Service]',
      'ExecStart=-/usr/local/bin/node /srv/notebooks/src/cli.ts serve',
      '```',
    ].join('\n');
    assert.deepEqual(systemNodeCommands(markdownCode(markdown, 'EXAMPLE.md')), [
      'EXAMPLE.md:3: node src/cli.ts serve',
      'EXAMPLE.md:3: DATABASE_URL=sqlite:x.db node src/cli.ts migrate',
      'EXAMPLE.md:3: exec /usr/bin/node --max-semi-space-size=8 src/cli.ts serve',
      'EXAMPLE.md:3: ./bin/notebooks.js serve',
      'EXAMPLE.md:14: /usr/local/bin/node /srv/notebooks/src/cli.ts serve',
      'EXAMPLE.md:2: node src/cli.ts serve',
    ]);
  });

  it("include a systemd unit in README.md's Reliability section that starts the server through npm or npx", () => {
    const unit = readmeServiceUnit();
    const where = `${unit.file}:${unit.line}`;
    const program = unit.execStart[0].split('/').at(-1);
    const command = [program, ...unit.execStart.slice(1)].join(' ');
    assert.ok(['npm start', 'npx notebooks serve'].includes(command), `${where}: ExecStart runs ${command}`);
    assert.equal(unit.killSignal, 'SIGTERM', `${where}: KillSignal`);
    assert.equal(unit.killMode, 'mixed', `${where}: KillMode (the README says why)`);
    assert.ok((unit.timeoutStopMs ?? 0) > 0, `${where}: TimeoutStopSec`);
  });
});

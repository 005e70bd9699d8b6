import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { REPO_ROOT } from './server-process.ts';

/** A fenced code block of a Markdown file, with the `## ` section it sits in. */
export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string (`sh`, `ini`, …), '' when it has none. */
  lang: string;
  section: string;
  text: string;
}

/** An inline code span of a Markdown file's prose. */
export interface InlineCode {
  file: string;
  line: number;
  text: string;
}

export interface MarkdownParts {
  blocks: CodeBlock[];
  spans: InlineCode[];
}

/** The fenced code blocks and the inline code spans of one Markdown text. */
export function markdownCode(markdown: string, file: string): MarkdownParts {
  const blocks: CodeBlock[] = [];
  const spans: InlineCode[] = [];
  const lines = markdown.split('\n');
  let section = '';
  let open: { line: number; fence: string; lang: string; body: string[] } | null = null;
  lines.forEach((text, index) => {
    const fence = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(text);
    if (open !== null) {
      if (fence?.[1].startsWith(open.fence)) {
        blocks.push({ file, line: open.line, lang: open.lang, section, text: open.body.join('\n') });
        open = null;
      } else {
        open.body.push(text);
      }
      return;
    }
    if (fence !== null) {
      open = { line: index + 1, fence: fence[1], lang: fence[2], body: [] };
      return;
    }
    const heading = /^##\s+(.*)$/.exec(text);
    if (heading !== null) section = heading[1].trim();
    for (const span of text.matchAll(/`([^`]+)`/g)) spans.push({ file, line: index + 1, text: span[1] });
  });
  return { blocks, spans };
}

/** The repository's Markdown files (its documentation), relative to the root. */
export function documentationFiles(): string[] {
  const skipped = new Set(['node_modules', '.git', 'data', 'out']);
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !skipped.has(entry.name)) walk(join(dir, entry.name));
      if (entry.isFile() && entry.name.endsWith('.md')) found.push(relative(REPO_ROOT, join(dir, entry.name)));
    }
  };
  walk(REPO_ROOT);
  return found.sort();
}

export function readMarkdown(file: string): MarkdownParts {
  return markdownCode(readFileSync(join(REPO_ROOT, file), 'utf8'), file);
}

/**
 * The simple commands of a shell snippet, each as its words with the quotes removed, split as
 * sh splits them: at newlines, `;`, `&&`, `||` and `|`, with `#` comments and `\` line
 * continuations, and quotes that may span lines. Enough for the commands a README shows.
 */
export function shellCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | null = null;
  const endWord = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      const stop = end === -1 ? script.length : end;
      word = (word ?? '') + script.slice(i + 1, stop);
      i = stop;
    } else if (c === '"') {
      let text = '';
      let j = i + 1;
      for (; j < script.length && script[j] !== '"'; j++) {
        if (script[j] === '\\' && j + 1 < script.length) j++;
        text += script[j];
      }
      word = (word ?? '') + text;
      i = j;
    } else if (c === '\\') {
      if (script[i + 1] !== '\n') word = (word ?? '') + (script[i + 1] ?? '');
      i++;
    } else if (c === '#' && word === null) {
      while (i + 1 < script.length && script[i + 1] !== '\n') i++;
    } else if (c === '\n' || c === ';' || c === '&' || c === '|') {
      endCommand();
    } else if (c === ' ' || c === '\t') {
      endWord();
    } else {
      word = (word ?? '') + c;
    }
  }
  endCommand();
  return commands;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const PREFIXES = new Set(['exec', 'env', 'nohup', 'time', 'command']);

/** The program a simple command runs, past variable assignments and `exec`, `env`, `nohup`…. */
export function programOf(words: string[]): string | undefined {
  return words.find((word) => !ASSIGNMENT.test(word) && !PREFIXES.has(word));
}

/**
 * Whether a program is run by the system's Node: `node` itself (anywhere but a node_modules
 * folder, where the pinned one lives), or a JavaScript or TypeScript file, which its
 * `#!/usr/bin/env node` line hands to whatever `node` the PATH has first.
 */
export function runsSystemNode(program: string): boolean {
  if (/\.(?:[cm]?js|[cm]?ts)$/.test(program)) return true;
  return ['node', 'nodejs'].includes(basename(program)) && !program.includes('node_modules/');
}

/** The settings of a systemd unit file, by section, each key with its values in order. */
export function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const setting = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
    if (setting === null || current === undefined) throw new Error(`not a unit file line: ${raw}`);
    current.set(setting[1], [...(current.get(setting[1]) ?? []), setting[2]]);
  }
  return sections;
}

/** What the test needs to know of a systemd service to stop it as systemd would. */
export interface ServiceUnit {
  file: string;
  line: number;
  /** ExecStart as words, its `-`/`@`/`+`/`!`/`:` prefixes removed. */
  execStart: string[];
  environment: Record<string, string>;
  /** As written (systemd's default KillMode is control-group). */
  killMode: string | undefined;
  killSignal: NodeJS.Signals | undefined;
  timeoutStopMs: number | undefined;
}

/** A systemd time span such as `30`, `30s`, `1min 30s` or `500ms`, in milliseconds. */
export function timeSpanMs(text: string): number {
  const units: Record<string, number> = { ms: 1, '': 1000, s: 1000, sec: 1000, min: 60_000, m: 60_000 };
  let total = 0;
  const parts = text.trim().split(/\s+/);
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(part);
    if (match === null || !(match[2] in units)) throw new Error(`not a systemd time span: ${text}`);
    total += Number(match[1]) * units[match[2]];
  }
  return total;
}

/** The one systemd service unit shown in README.md's Reliability section. */
export function readmeServiceUnit(): ServiceUnit {
  const units = readMarkdown('README.md').blocks.filter(
    (block) => block.section === 'Reliability' && /^\s*\[Service\]\s*$/m.test(block.text),
  );
  if (units.length !== 1) throw new Error(`README.md's Reliability section shows ${units.length} systemd units, not 1`);
  const [unit] = units;
  const service = parseUnit(unit.text).get('Service') ?? new Map<string, string[]>();
  const last = (key: string) => service.get(key)?.at(-1);
  const execStart = service.get('ExecStart') ?? [];
  if (execStart.length !== 1) throw new Error(`the unit has ${execStart.length} ExecStart lines, not 1`);
  const [words] = shellCommands(execStart[0].replace(/^[-@+!:]+/, ''));
  const environment: Record<string, string> = {};
  for (const line of service.get('Environment') ?? []) {
    for (const assignment of shellCommands(line).flat()) {
      const equals = assignment.indexOf('=');
      environment[assignment.slice(0, equals)] = assignment.slice(equals + 1);
    }
  }
  const signal = last('KillSignal');
  const timeout = last('TimeoutStopSec');
  const killSignal = signal === undefined || signal.startsWith('SIG') ? signal : `SIG${signal}`;
  return {
    file: unit.file,
    line: unit.line,
    execStart: words ?? [],
    environment,
    killMode: last('KillMode'),
    killSignal: killSignal as NodeJS.Signals | undefined,
    timeoutStopMs: timeout === undefined ? undefined : timeSpanMs(timeout),
  };
}

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// The layout's rules, checked on the source itself (ARCHITECTURE.md explains them).

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
/** Building blocks every domain may use; they use no domain. */
const SHARED = new Set(['http', 'db', 'json', 'compat', 'cache']);
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

const files = sourceFiles(SRC).map((path) => ({ path: relative(SRC, path), text: readFileSync(path, 'utf8') }));

/** The repository-relative files a source file imports (packages left out). */
function importsOf(file: { path: string; text: string }): string[] {
  return [...file.text.matchAll(IMPORT)]
    .map((match) => match[1] ?? match[2])
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(SRC, resolve(SRC, dirname(file.path), specifier)));
}

/** A file's place in the layout: its top-level folder, or the file itself at the root. */
const unitOf = (path: string) => (path.includes('/') ? path.split('/')[0] : path);

describe('the layout of src/', () => {
  it('has no import cycle between its folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const file of files) {
      const from = unitOf(file.path);
      for (const target of importsOf(file)) {
        const to = unitOf(target);
        if (to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from))?.add(to);
      }
    }
    const cycles = new Set<string>();
    const visit = (unit: string, path: string[]) => {
      for (const next of edges.get(unit) ?? []) {
        const at = path.indexOf(next);
        if (at !== -1) cycles.add([...path.slice(at), next].join(' → '));
        else visit(next, [...path, next]);
      }
    };
    for (const unit of edges.keys()) visit(unit, [unit]);
    assert.deepEqual([...cycles], []);
  });

  it('keeps the shared folders free of domain imports', () => {
    const offending = files.flatMap((file) => {
      if (!SHARED.has(unitOf(file.path))) return [];
      return importsOf(file)
        .filter((target) => target.includes('/') && !SHARED.has(unitOf(target)))
        .map((target) => `${file.path} imports ${target}`);
    });
    assert.deepEqual(offending, []);
  });

  it('imports migrations from their list only, and gives migrations nothing of the runtime', () => {
    const migration = (path: string) => /^db\/migrations\/\d{4}-/.test(path);
    const intoMigrations = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => migration(target) && file.path !== 'db/migrations/migration-list.ts')
        .map((target) => `${file.path} imports ${target}`),
    );
    assert.deepEqual(intoMigrations, []);
    const fromMigrations = files.flatMap((file) =>
      migration(file.path)
        ? importsOf(file)
            .filter((target) => target !== 'db/dialect.ts' && target !== 'db/migrations/migration-steps.ts')
            .map((target) => `${file.path} imports ${target}`)
        : [],
    );
    assert.deepEqual(fromMigrations, []);
  });

  it('branches on the engine only in the engine modules', () => {
    const engineModule = (path: string) =>
      /^db\/(sqlite|postgres)-dialect\.ts$/.test(path) ||
      path.startsWith('notebooks/storage/') ||
      path.startsWith('db/migrations/');
    const branching = files
      .filter((file) => !engineModule(file.path) && /engine\s*[!=]==/.test(file.text))
      .map((file) => file.path);
    assert.deepEqual(branching, []);
  });
});

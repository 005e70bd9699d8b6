import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Db } from '../db/database.ts';
import { type ExportOptions, type ExportSummary, exportDatabase } from './backup-exporter.ts';

/** Writes lines to a stream, waiting whenever its buffer is full. */
function streamSink(stream: Writable, count: (bytes: number) => void) {
  return async (text: string) => {
    count(Buffer.byteLength(text));
    if (!stream.write(text)) await once(stream, 'drain');
  };
}

/**
 * Exports to `out`, or to standard output when it is undefined. A file is written beside its
 * final name and renamed once complete and synced, so that `out` never holds a partial export.
 */
export async function exportToFile(
  db: Db,
  out: string | undefined,
  options: ExportOptions = {},
): Promise<ExportSummary & { out: string | null; bytes: number }> {
  let bytes = 0;
  if (out === undefined) {
    const summary = await exportDatabase(
      db,
      streamSink(process.stdout, (n) => (bytes += n)),
      options,
    );
    return { ...summary, out: null, bytes };
  }
  const partial = `${out}.partial`;
  const stream = createWriteStream(partial);
  try {
    await once(stream, 'open');
    const summary = await exportDatabase(
      db,
      streamSink(stream, (n) => (bytes += n)),
      options,
    );
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(resolve);
    });
    // On disk before it takes its name: a crash leaves the partial file, never a short export.
    const handle = await open(partial, 'r');
    await handle.sync();
    await handle.close();
    await rename(partial, out);
    return { ...summary, out, bytes };
  } catch (error) {
    stream.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

/**
 * The lines of a file, or of standard input for "-", one at a time. Lines end at "\n" alone:
 * readline would also end them at U+2028 and U+2029, which JSON leaves unescaped in strings.
 */
export async function* fileLines(path: string): AsyncGenerator<string> {
  const input = path === '-' ? process.stdin.setEncoding('utf8') : createReadStream(path, { encoding: 'utf8' });
  let rest = '';
  for await (const chunk of input as AsyncIterable<string>) {
    rest += chunk;
    let start = 0;
    for (let end = rest.indexOf('\n'); end !== -1; end = rest.indexOf('\n', start)) {
      yield rest.slice(start, end);
      start = end + 1;
    }
    rest = rest.slice(start);
  }
  if (rest !== '') yield rest;
}

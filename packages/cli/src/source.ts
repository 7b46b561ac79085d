import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isDataLedgerError, parseJson } from '@dataledger/core';
import { cliError } from './errors.ts';
import type { CliIo } from './io.ts';

/** A byte source opened from a file name (or "-" for stdin). */
export interface OpenedSource {
  /** The bytes, in order. */
  chunks: AsyncIterable<Uint8Array | string>;
  /** Total size in bytes when known (regular files), for progress. */
  totalBytes: number | undefined;
  /** What to call it in messages. */
  name: string;
}

/**
 * Opens a file for streaming, or stdin for "-". The file is opened before anything is read,
 * so a missing or unreadable file is a usage error, not an invalid bundle.
 * @param file - path (relative to `io.cwd`) or "-"
 * @param io - where stdin and the working directory come from
 * @returns the opened source
 * @throws DataLedgerError `CLI_FILE_UNREADABLE`
 */
export async function openSource(file: string, io: CliIo): Promise<OpenedSource> {
  if (file === '-') {
    if (io.stdin === undefined) throw cliError('CLI_FILE_UNREADABLE', 'no standard input to read');
    return { chunks: io.stdin, totalBytes: undefined, name: 'stdin' };
  }
  const path = resolve(io.cwd, file);
  let handle;
  try {
    handle = await open(path, 'r');
    const info = await handle.stat();
    if (!info.isFile()) throw new Error('not a regular file');
    return { chunks: handle.createReadStream(), totalBytes: info.size, name: path };
  } catch (cause) {
    await handle?.close();
    throw cliError('CLI_FILE_UNREADABLE', `cannot read ${path}: ${(cause as Error).message}`, cause);
  }
}

/**
 * Reads a whole source as UTF-8 text, refusing more than `maxBytes`.
 * @param file - path or "-"
 * @param io - streams and working directory
 * @param maxBytes - size cap (default 16 MiB)
 * @returns the text
 * @throws DataLedgerError `CLI_FILE_UNREADABLE`
 */
export async function readText(file: string, io: CliIo, maxBytes: number = 16 * 1024 * 1024): Promise<string> {
  const src = await openSource(file, io);
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of src.chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    total += buf.length;
    if (total > maxBytes) throw cliError('CLI_FILE_UNREADABLE', `${src.name} is larger than ${maxBytes} bytes`);
    parts.push(buf);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Reads and parses a JSON file (certificates, status lists: untrusted input) with core's
 * `parseJson`: immune to the V8 member-name bug (nodejs/node#63785), duplicate member names
 * refused (I-JSON, RFC 7493 §2.3).
 * @param file - path or "-"
 * @param io - streams and working directory
 * @returns the parsed value
 * @throws DataLedgerError `CLI_FILE_UNREADABLE` or `CLI_JSON_INVALID`
 */
export async function readJson(file: string, io: CliIo): Promise<unknown> {
  const text = await readText(file, io);
  try {
    return parseJson(text, { maxBytes: Infinity });
  } catch (cause) {
    if (!isDataLedgerError(cause)) throw cause;
    throw cliError('CLI_JSON_INVALID', `${file} is not valid JSON: ${cause.message}`, cause);
  }
}

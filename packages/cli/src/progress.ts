import { SingleBar } from 'cli-progress';
import type { CliIo } from './io.ts';
import type { OpenedSource } from './source.ts';

/** Sources at least this large get a progress bar (on a TTY only). */
export const PROGRESS_MIN_BYTES: number = 1024 * 1024;

/** A source whose bytes are counted as they are read, with a bar drawn on a TTY. */
export interface ProgressSource {
  /** The source's chunks, passed through unchanged. */
  chunks: AsyncGenerator<Uint8Array | string>;
  /** Call once per record seen (shown beside the bar). */
  record(): void;
  /** Records counted so far. */
  readonly records: number;
  /** Removes the bar (call in `finally`). */
  stop(): void;
}

/**
 * Wraps a source so a long replay shows its progress on stderr: a bar by bytes read, only
 * when stderr is a terminal and the size is known and large (pipes and logs stay clean).
 * @param source - the opened source
 * @param io - where the bar is drawn
 * @param label - the verb shown before the bar (`verifying`, `auditing`)
 * @param countLines - count records as the lines read (for a consumer that reports none)
 * @returns the counted source
 */
export function withProgress(source: OpenedSource, io: CliIo, label: string, countLines: boolean = false): ProgressSource {
  const total = source.totalBytes;
  const bar =
    io.stderr.isTTY === true && total !== undefined && total >= PROGRESS_MIN_BYTES
      ? new SingleBar({
          stream: io.stderr as NodeJS.WritableStream,
          format: `${label} [{bar}] {percentage}% | {records} records | {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        })
      : undefined;
  let records = 0;
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array | string> {
    for await (const chunk of source.chunks) {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (countLines && bar !== undefined) records += countNewlines(chunk);
      bar?.update(bytes, { records });
      yield chunk;
    }
  }
  bar?.start(total ?? 0, 0, { records: 0 });
  return {
    chunks: counted(),
    record: () => {
      records += 1;
    },
    get records(): number {
      return records;
    },
    stop: () => bar?.stop(),
  };
}

function countNewlines(chunk: Uint8Array | string): number {
  let n = 0;
  if (typeof chunk === 'string') {
    for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) n++;
  } else {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n;
}

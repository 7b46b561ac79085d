import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/index.ts';
import { serveCommand } from '../src/commands/serve.ts';
import { tempDir } from './helpers.ts';

/**
 * `npm start` (serve) logs readable lines for a person at a terminal and JSON lines
 * otherwise (a pipe or a file: a log collector). On a pipe through the real bin, see
 * serve.test.ts; here the command runs in-process with a terminal-like stdout.
 */
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

async function serveOnce(isTTY: boolean, data: string): Promise<string> {
  let out = '';
  const stop = new AbortController();
  let listening!: () => void;
  const ready = new Promise<void>((r) => (listening = r));
  const io: CliIo = {
    stdout: {
      write: (s: string) => {
        out += s;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m !== null) listening();
        return true;
      },
      isTTY,
    },
    stderr: { write: () => true },
    env: { NO_COLOR: '1' },
    cwd: dir,
    stopSignal: stop.signal,
  };
  const done = serveCommand({ port: 0, host: '127.0.0.1', data, logLevel: 'info' }, io);
  await ready;
  const url = /listening on (http:\/\/\S+)/.exec(out)![1]!;
  expect((await fetch(`${url}/health`)).status).toBe(200);
  stop.abort('SIGTERM');
  expect(await done).toBe(0);
  return out;
}

describe('serve log lines', () => {
  it('on a terminal: one readable line per event (time, level, message), no JSON', async () => {
    const out = await serveOnce(true, join(dir, 'tty'));
    const logLines = out.split('\n').filter((l) => l.startsWith('['));
    expect(logLines.length).toBeGreaterThan(1);
    expect(logLines.some((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+/.test(l))).toBe(true);
    expect(logLines.some((l) => /INFO: request completed/.test(l))).toBe(true);
    expect(out.split('\n').some((l) => l.startsWith('{'))).toBe(false);
  }, 30_000);

  it('elsewhere: one JSON object per line', async () => {
    const out = await serveOnce(false, join(dir, 'pipe'));
    const json = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(json.some((j) => j.msg.startsWith('Server listening at'))).toBe(true);
    expect(json.every((j) => typeof j.level === 'number')).toBe(true);
  }, 30_000);
});

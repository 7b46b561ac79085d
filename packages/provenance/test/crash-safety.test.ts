/**
 * Crash safety: a child process appends to a LevelDB log and is killed with SIGKILL at
 * random moments, many times. After each kill the log reopens, verifies end to end, and
 * holds every append that was acknowledged before the kill.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { keyPairFromSeed, toBase64 } from '@dataledger/core';
import { Log, openLevelStore, verifyBundle } from '../src/index.ts';
import { tempDir } from './support/fixtures.ts';

const WRITER = fileURLToPath(new URL('./support/crash-writer.ts', import.meta.url));
const ORIGIN = 'crash.example/ledger';
const LOG_KEY = keyPairFromSeed(new Uint8Array(32).fill(200));
const ROUNDS = 14;

const dir = tempDir('dl-crash-');
afterAll(() => dir.remove());

interface Ack {
  index: number;
  leafHash: string;
}

/** Runs the writer until `killAfterMs` after its first ack (or before any), then SIGKILLs it. */
function runAndKill(seed: number, killAfterMs: number, killEarly: boolean): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir.path, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let buffered = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    if (killEarly) timer = setTimeout(kill, killAfterMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^ack (\d+) (\S+)$/.exec(line);
        if (m !== null) {
          acks.push({ index: Number(m[1]), leafHash: m[2]! });
          if (timer === undefined) timer = setTimeout(kill, killAfterMs);
        }
        nl = buffered.indexOf('\n');
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${String(code)}: ${stderr}`));
      else resolve(acks);
    });
    // A writer that never acknowledges would hang the test: bound it.
    setTimeout(kill, 15_000).unref();
  });
}

describe('SIGKILL during appends to a LevelDB log', () => {
  it('reopens, verifies, and keeps every acknowledged append, round after round', { timeout: 60_000 }, async () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22);
    let rng = 12345;
    const rand = (): number => {
      rng = (rng * 1103515245 + 12345) % 2 ** 31;
      return rng / 2 ** 31;
    };
    const acked = new Map<number, string>();
    let maxAcked = -1;
    for (let round = 0; round < ROUNDS; round++) {
      const early = round % 5 === 4; // sometimes kill during start-up or the first batch
      const acks = await runAndKill(round + 1, early ? 150 + Math.floor(rand() * 200) : Math.floor(rand() * 250), early);
      for (const a of acks) {
        acked.set(a.index, a.leafHash);
        maxAcked = Math.max(maxAcked, a.index);
      }
      const log = await Log.open(await openLevelStore(dir.path), { origin: ORIGIN, logKey: LOG_KEY });
      expect(log.size).toBeGreaterThanOrEqual(maxAcked + 1);
      for (const a of acks) expect(toBase64(await log.leafHashAt(a.index))).toBe(a.leafHash);
      const report = await verifyBundle(log.exportBundle(), { trustedLogKeys: [log.verifierKey] });
      expect(report).toMatchObject({ valid: true, size: log.size });
      await log.close();
    }
    // Every ack of every round is still there at the end.
    const log = await Log.open(await openLevelStore(dir.path), { origin: ORIGIN, logKey: LOG_KEY });
    for (const [index, hash] of acked) expect(toBase64(await log.leafHashAt(index))).toBe(hash);
    expect(maxAcked).toBeGreaterThan(ROUNDS);
    await log.close();
  });
});

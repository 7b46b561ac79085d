/**
 * node-seal 7 needs WebAssembly `exnref`; Node 22.0–22.18 enable it only with
 * `--experimental-wasm-exnref`, and the `dataledger` bin must supply that flag itself (README,
 * "Install"). Node 24 can switch the feature off with `--no-experimental-wasm-exnref`, which
 * reproduces an older Node 22 here: plain node-seal fails to load, and the bin must still work,
 * with the exit status of the command it ran.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runNode, tempDir } from './helpers.ts';

const OFF = '--no-experimental-wasm-exnref';

/** Whether `OFF` really switches exnref off on this Node (Node 24 yes; Node 22.19+ ignore it). */
const canSwitchOff = ((): boolean => {
  const probe = 'process.exit(WebAssembly.validate(new Uint8Array([0,97,115,109,1,0,0,0,1,5,1,96,0,1,105])) ? 1 : 0)';
  return spawnSync(process.execPath, [OFF, '-e', probe]).status === 0;
})();

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

describe.skipIf(!canSwitchOff)('the dataledger bin on a Node without WebAssembly exnref', () => {
  it('node-seal itself does not load there (the premise)', async () => {
    const r = await runNode([OFF, '--input-type=module', '-e', "const { default: init } = await import('node-seal'); await init();"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/exnref/);
  });

  it('runs a command that uses node-seal (demo: an encrypted statistics job) by supplying the flag itself', async () => {
    const r = await runNode([OFF, BIN, 'demo', '--data', join(dir, 'demo'), '--json'], { timeoutMs: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { statistics: { contributors: number } | null };
    expect(out.statistics?.contributors).toBeGreaterThanOrEqual(1);
  }, 150_000);

  it('ends with the exit status of the command (2: unreadable input)', async () => {
    const r = await runNode([OFF, BIN, 'verify', join(dir, 'missing.jsonl')]);
    expect(r.status).toBe(2);
  });
});

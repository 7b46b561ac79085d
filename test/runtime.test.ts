/**
 * The suite runs on the Node releases `engines` names (README, "Install"): CI runs it on the
 * pinned Node 24 (the `node` dev dependency) and again on the newest Node 22 LTS. `engines`
 * says only what is tested, so whatever runs the suite must satisfy it.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../', import.meta.url);
const manifest = async (path: string): Promise<{ engines?: { node?: string }; workspaces?: string[] }> =>
  JSON.parse(await readFile(new URL(path, ROOT), 'utf8')) as { engines?: { node?: string }; workspaces?: string[] };

type Version = [number, number, number];
const parse = (v: string): Version => {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(v.trim());
  if (m === null) throw new Error(`not a version: ${v}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
};

/** node-semver's caret ranges (`^22.19.0`: ≥ 22.19.0 and < 23.0.0) joined by `||`, the only form `engines` uses here. */
function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((part) => {
    const caret = /^\s*\^(\S+)\s*$/.exec(part);
    if (caret === null) throw new Error(`engines: expected caret ranges joined by ||, got ${range}`);
    const min = parse(caret[1]!);
    if (v[0] !== min[0] || min[0] === 0) return false;
    return v[1] > min[1] || (v[1] === min[1] && v[2] >= min[2]);
  });
}

describe('runtime', () => {
  it('runs on a Node release the engines range names (22 LTS ≥ 22.19 or 24: node-seal 7 needs WebAssembly exnref)', async () => {
    const range = (await manifest('package.json')).engines?.node;
    expect(range).toBeDefined();
    expect(satisfies(process.versions.node, range!)).toBe(true);
    expect(satisfies('22.18.0', range!)).toBe(false);
    expect(satisfies('20.19.0', range!)).toBe(false);
  });

  it('every package declares the same engines range as the repository', async () => {
    const root = await manifest('package.json');
    for (const w of root.workspaces ?? []) expect((await manifest(`${w}/package.json`)).engines?.node, w).toBe(root.engines?.node);
  });

  it('runs on the Node major CI asked for (EXPECTED_NODE_MAJOR), when it asks', () => {
    const expected = process.env['EXPECTED_NODE_MAJOR'];
    if (expected === undefined) return;
    expect(process.versions.node.split('.')[0]).toBe(expected);
  });
});

describe('in-repo development', () => {
  it('tests import each workspace package from its source (vitest aliases), not from dist/', async () => {
    const root = await manifest('package.json');
    for (const w of root.workspaces ?? []) {
      const { name, exports } = JSON.parse(await readFile(new URL(`${w}/package.json`, ROOT), 'utf8')) as { name: string; exports?: Record<string, unknown> };
      // The explorer is a built page (static assets), not a module: nothing to import.
      if (exports?.['.'] === undefined) continue;
      const byName = (await import(/* @vite-ignore */ name)) as Record<string, unknown>;
      const bySource = (await import(/* @vite-ignore */ new URL(`${w}/src/index.ts`, ROOT).href)) as Record<string, unknown>;
      const first = Object.keys(bySource).find((k) => typeof bySource[k] === 'function');
      expect(first, w).toBeDefined();
      expect(byName[first!], `${name} resolves to ${w}/src`).toBe(bySource[first!]);
    }
  });
});

/**
 * The explorer's size budget (issue 12: "small enough to load fast on a government office
 * PC"). The README states the gzip size of the first load and of everything; this test fails
 * when either doubles. The sizes are measured here from the built files (gzip level 9), not
 * taken from the build's own report.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist/`;

function stated(label: string): number {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const m = new RegExp(`${label}: \\*\\*(\\d+(?:\\.\\d+)?) KiB\\*\\* gzip`).exec(readme);
  if (m === null) throw new Error(`README.md states no "${label}: **N KiB** gzip"`);
  return Number(m[1]) * 1024;
}

const gz = (name: string): number => gzipSync(readFileSync(`${dist}${name}`), { level: 9 }).length;

beforeAll(() => {
  if (!existsSync(`${dist}index.html`)) execFileSync(process.execPath, [`${root}build.ts`], { stdio: 'ignore' });
});

describe('explorer size budget', () => {
  it('the first load (page, script and what it imports statically, style sheet, icon) stays under twice the stated size', () => {
    const app = readFileSync(`${dist}app.js`, 'utf8');
    const statics = [...app.matchAll(/from\s*"\.\/(chunk-[A-Za-z0-9]+\.js)"/g)].map((m) => m[1] as string);
    const first = ['index.html', 'app.js', 'app.css', 'icon.svg', ...new Set(statics)].reduce((n, f) => n + gz(f), 0);
    expect(first).toBeLessThanOrEqual(2 * stated('First load'));
  });

  it('all assets together stay under twice the stated size', () => {
    const all = readdirSync(dist)
      .filter((f) => f !== 'sizes.json')
      .reduce((n, f) => n + gz(f), 0);
    expect(all).toBeLessThanOrEqual(2 * stated('All assets'));
  });
});

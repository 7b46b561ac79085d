/**
 * Rebuilding the explorer while something reads its `dist/` (a service that `npm start` starts,
 * which builds first; another test file serving the page) never shows a missing or empty file:
 * the build stages its output beside `dist/` and moves it in file by file, and removes only the
 * files the new build did not make.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist/`;
const build = `${root}build.ts`;

describe('explorer build', () => {
  it('keeps every file of dist/ readable while a rebuild runs', async () => {
    if (!existsSync(`${dist}index.html`)) execFileSync(process.execPath, [build], { stdio: 'ignore' });
    const names = readdirSync(dist).sort();
    const child = spawn(process.execPath, [build], { stdio: 'ignore' });
    let running = true;
    const exited = new Promise<number | null>((resolve) => {
      child.on('exit', (code) => {
        running = false;
        resolve(code);
      });
    });
    const problems: string[] = [];
    let rounds = 0;
    while (running) {
      for (const f of names) {
        try {
          if (readFileSync(`${dist}${f}`).length === 0) problems.push(`${f}: empty`);
        } catch (e) {
          problems.push(`${f}: ${(e as { code?: string }).code ?? String(e)}`);
        }
      }
      rounds++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await exited).toBe(0);
    expect(problems).toEqual([]);
    // The reads overlapped the build (it takes seconds; a round, well under a millisecond).
    expect(rounds).toBeGreaterThan(10);
    // Same sources, same files (the chunk names are content hashes), and no staging left over.
    expect(readdirSync(dist).sort()).toEqual(names);
    expect(readdirSync(root).filter((f) => f.startsWith('.dist-'))).toEqual([]);
  });
});

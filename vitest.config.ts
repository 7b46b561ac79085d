import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = new URL('./', import.meta.url);
const read = (path: string): { name: string; workspaces?: string[] } =>
  JSON.parse(readFileSync(new URL(path, root), 'utf8')) as { name: string; workspaces?: string[] };

export default defineConfig({
  resolve: {
    // Tests import every workspace package (`@dataledger/*`) from source, so a test sees an edit
    // without a build. Child processes (the CLI bin, server children, workers) run what users
    // run: the compiled `dist/` that the package exports, which the global setup brings up to date.
    alias: (read('package.json').workspaces ?? []).map((dir) => ({
      find: read(`${dir}/package.json`).name,
      replacement: fileURLToPath(new URL(`${dir}/src/index.ts`, root)),
    })),
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time: vitest's default (one fewer than the cores) runs one file at a
    // time on a two-core machine, while most of the slow files wait on child processes (servers,
    // the CLI, PostgreSQL, Chromium) rather than on their own thread.
    maxWorkers: 2,
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const PACKAGES = ['core', 'provenance', 'certificates', 'aggregation', 'service', 'cli'];

export default defineConfig({
  resolve: {
    // Tests import `@dataledger/*` from source, so a test sees an edit without a build. Child
    // processes (the CLI bin, server children) run what users run: the compiled `dist/`, which
    // the global setup brings up to date first.
    alias: PACKAGES.map((name) => ({
      find: `@dataledger/${name}`,
      replacement: fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url)),
    })),
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

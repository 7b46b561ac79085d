/**
 * Vitest global setup: brings every package's `dist/` up to date (`tsc -b`, incremental), so
 * tests that spawn the compiled `dataledger` bin or import a package from a child process run
 * the code under test, not a stale build.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Runs `tsc -b` at the repository root; a type error fails the run before any test. */
export default function setup(): void {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  execFileSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: 'inherit' });
}

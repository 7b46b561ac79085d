/**
 * Runs the real `dataledger` bin as a child process: the compiled `dist/bin.js` that the
 * package's `bin` names (what users run; the vitest global setup builds it), on the same Node
 * that runs the tests. And temp-dir helpers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN: string = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
export const REPO_ROOT: string = fileURLToPath(new URL('../../../', import.meta.url));

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/**
 * `serve` reads DATABASE_URL (an operator setting); CI sets it for the PostgreSQL tests, so the
 * children get it only when a test passes it on purpose.
 */
const NO_OPERATOR_DATABASE: Record<string, undefined> = { DATABASE_URL: undefined };

/** Runs `dataledger <args>` to completion. */
export function runBin(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runNode([BIN, ...args], options);
}

/** Runs `node <args>` (the test's own Node) to completion. */
export function runNode(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...NO_OPERATOR_DATABASE, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Starts `dataledger <args>` and leaves it running. */
export function startBin(args: string[], options: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...NO_OPERATOR_DATABASE, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a child's output and resolves once `pattern` matches it. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<{ match: RegExpMatchArray; output: () => string }> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${out}`)), timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString('utf8');
      const match = out.match(pattern);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ match, output: () => out });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before ${pattern}; output:\n${out}`));
    });
  });
}

/** Resolves with the exit code/signal of a child. */
export function waitForExit(child: ChildProcess, timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for exit')), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Kills (SIGKILL) every child still running and waits for each to exit: a test's afterAll. */
export async function killAll(children: Iterable<ChildProcess>): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await waitForExit(child).catch(() => {});
    }
  }
}

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'dataledger-cli-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

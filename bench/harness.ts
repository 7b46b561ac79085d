/**
 * Shared benchmark harness: every figure is measured beside its anchor in the same
 * run and reported as a ratio, so results compare across machines.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

/** One row of `bench/results.json`. */
export interface BenchRow {
  suite: string;
  name: string;
  /** Operations (or units, see `unitsPerOp`) per second of the measured figure. */
  hz: number;
  anchor: string;
  anchorHz: number;
  /** hz / anchorHz. */
  ratio: number;
  note?: string;
}

/** A figure and its anchor, measured in one tinybench run. */
export interface PairSpec {
  name: string;
  fn: () => unknown;
  anchor: string;
  anchorFn: () => unknown;
  /** Units of work one call does (records in a batch, values in a vector); hz is per unit. Default 1. */
  unitsPerOp?: number;
  /** Units of work one anchor call does. Default: unitsPerOp. */
  anchorUnitsPerOp?: number;
  /** Minimum milliseconds per task. Default 1000. */
  time?: number;
  /** Minimum iterations per task. Default 10. */
  iterations?: number;
  note?: string;
}

/** Operations per second of a completed task: 1000 / mean period. */
function hzOf(bench: Bench, name: string): number {
  const task = bench.getTask(name);
  const r = task?.result;
  if (r === undefined || r.state !== 'completed') {
    const err = r !== undefined && r.state === 'errored' ? r.error : undefined;
    throw new Error(`bench task ${name} did not complete`, { cause: err });
  }
  return 1000 / r.period;
}

/**
 * Measures `fn` and `anchorFn` in one tinybench run and returns the row.
 * @param suite - the suite name (one per package)
 */
export async function measurePair(suite: string, spec: PairSpec): Promise<BenchRow> {
  const bench = new Bench({ time: spec.time ?? 1000, iterations: spec.iterations ?? 10, warmup: true });
  const a = `${spec.name}`;
  const b = `anchor: ${spec.anchor}`;
  bench.add(a, spec.fn);
  bench.add(b, spec.anchorFn);
  await bench.run();
  const units = spec.unitsPerOp ?? 1;
  const hz = hzOf(bench, a) * units;
  const anchorHz = hzOf(bench, b) * (spec.anchorUnitsPerOp ?? units);
  return row(suite, spec.name, hz, spec.anchor, anchorHz, spec.note);
}

/** A row from figures measured by hand (one-shot end-to-end runs). */
export function row(suite: string, name: string, hz: number, anchor: string, anchorHz: number, note?: string): BenchRow {
  const out: BenchRow = { suite, name, hz, anchor, anchorHz, ratio: anchorHz > 0 ? hz / anchorHz : 0 };
  if (note !== undefined) out.note = note;
  return out;
}

/** Wall-clock seconds of one async call. */
export async function timeOnce(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * Where fixtures are kept between runs: `BENCH_CACHE_DIR`, default `bench/.cache` (ignored by
 * git). Delete it to rebuild everything.
 */
export function cacheDir(): string {
  const dir = process.env['BENCH_CACHE_DIR'] ?? join(dirname(fileURLToPath(import.meta.url)), '.cache');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A fixture directory built once and reused: `build` fills a fresh directory, which is
 * published under `name` only once `build` has finished, so an interrupted build is never
 * mistaken for a complete fixture (it is started again next time).
 * @param name - the fixture's name; change it when the fixture's format changes
 * @param build - fills the given directory
 * @returns the fixture's directory
 */
export async function cachedFixture(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  const path = join(cacheDir(), name);
  if (existsSync(path)) return path;
  const partial = `${path}.partial`;
  rmSync(partial, { recursive: true, force: true });
  await build(partial);
  renameSync(partial, path);
  return path;
}

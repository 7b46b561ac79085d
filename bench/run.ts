/**
 * `npm run bench [suite…]`: runs every `bench/<suite>.bench.ts`, prints one table and
 * writes `bench/results.json` as `[{ suite, name, hz, anchor, anchorHz, ratio, note? }]`.
 * Benchmarks are never a CI gate. Sizes, the fixture cache and the time budget: bench/README.md.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchRow } from './harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace('.bench.ts', '')))
  .sort();

// The whole run should fit in BENCH_BUDGET_SECONDS (default 600: ten minutes on two cores,
// fixtures built); each suite's time is reported so the one that grew is easy to find.
const budget = Number(process.env['BENCH_BUDGET_SECONDS'] ?? 600);
const started = process.hrtime.bigint();
const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;
const timings: { suite: string; seconds: number }[] = [];
const rows: BenchRow[] = [];
for (const f of files) {
  const suite = f.replace('.bench.ts', '');
  process.stderr.write(`bench: ${suite}…\n`);
  const t0 = process.hrtime.bigint();
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { run: () => Promise<BenchRow[]> };
  const got = await mod.run();
  rows.push(...got);
  timings.push({ suite, seconds: seconds(t0) });
  process.stderr.write(`bench: ${suite} done in ${seconds(t0).toFixed(0)} s\n`);
}
const total = seconds(started);

const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3));
console.log(`Node ${process.versions.node} · ${new Date().toISOString()}`);
console.table(
  rows.map((r) => ({
    suite: r.suite,
    figure: r.name,
    'ops/s': fmt(r.hz),
    anchor: r.anchor,
    'anchor ops/s': fmt(r.anchorHz),
    ratio: r.ratio.toFixed(3),
    ...(r.note === undefined ? {} : { note: r.note }),
  })),
);
// A partial run (`npm run bench core`) replaces only the suites it ran.
const resultsPath = join(here, 'results.json');
const ran = new Set(rows.map((r) => r.suite));
const kept: BenchRow[] =
  wanted.length > 0 && existsSync(resultsPath) ? (JSON.parse(readFileSync(resultsPath, 'utf8')) as BenchRow[]).filter((r) => !ran.has(r.suite)) : [];
const all = [...kept, ...rows].sort((a, b) => (a.suite < b.suite ? -1 : a.suite > b.suite ? 1 : 0));
writeFileSync(resultsPath, `${JSON.stringify(all, null, 2)}\n`);
console.log(`wrote ${join('bench', 'results.json')} (${rows.length} rows from this run, ${all.length} in all)`);
console.log(`time: ${timings.map((t) => `${t.suite} ${t.seconds.toFixed(0)} s`).join(', ')}; total ${total.toFixed(0)} s (budget ${budget} s)`);
if (total > budget) {
  process.stderr.write(`bench: over budget (${total.toFixed(0)} s > ${budget} s): see bench/README.md for the size variables\n`);
}

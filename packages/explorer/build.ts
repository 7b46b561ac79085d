/**
 * Builds the explorer into `dist/`: `index.html`, `app.js` (an ES module, minified), the
 * chunk the statistics view loads on demand (Chart.js), `app.css`, `icon.svg`, and `sizes.json` (bytes and
 * gzip bytes of each, for the size budget test). core, provenance and certificates are bundled from source; their Node-only
 * imports are replaced by the browser modules in `src/shims/` (Web Crypto randomness, noble
 * hashes and curves, fflate), so the page runs the very verification code the library runs.
 *
 * Usage: `node build.ts` (from any directory). Prints the gzip size of each asset.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
// Built aside, then moved into `dist/` file by file (each rename replaces atomically), so a
// service or a test reading `dist/` while a build runs (`npm start` builds first) never finds
// it empty or half-written; files of the previous build that this one did not make (old
// content-hashed chunks) are removed last.
const dist = here('./dist/');
const stage = here(`./.dist-${process.pid}/`);
const shim = (name: string): string => here(`./src/shims/${name}`);

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

await build({
  entryPoints: [here('./src/main.ts')],
  outdir: stage,
  entryNames: 'app',
  chunkNames: 'chunk-[hash]',
  // Chart.js is loaded only by the statistics view.
  splitting: true,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
  alias: {
    'node:crypto': shim('crypto.ts'),
    'node:zlib': shim('zlib.ts'),
    'node:os': shim('node-only.ts'),
    'node:worker_threads': shim('node-only.ts'),
    'node:module': shim('node-only.ts'),
    '@sinclair/typebox/compiler': shim('typebox-compiler.ts'),
    level: shim('level.ts'),
    'memory-level': shim('level.ts'),
  },
  // core and provenance use Node's global Buffer; give them the browser one.
  inject: [shim('buffer-global.ts')],
  define: { 'process.env.NODE_ENV': '"production"' },
});

copyFileSync(here('./src/index.html'), `${stage}index.html`);
copyFileSync(here('./src/app.css'), `${stage}app.css`);
copyFileSync(here('./src/icon.svg'), `${stage}icon.svg`);

const sizes: Record<string, { bytes: number; gzip: number }> = {};
for (const f of readdirSync(stage).sort()) {
  const body = readFileSync(`${stage}${f}`);
  sizes[f] = { bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
}
writeFileSync(`${stage}sizes.json`, `${JSON.stringify(sizes, null, 2)}\n`);

mkdirSync(dist, { recursive: true });
const built = readdirSync(stage);
for (const f of built) renameSync(`${stage}${f}`, `${dist}${f}`);
for (const f of readdirSync(dist)) if (!built.includes(f)) rmSync(`${dist}${f}`, { recursive: true, force: true });
rmSync(stage, { recursive: true, force: true });
for (const [f, s] of Object.entries(sizes)) console.log(`explorer: ${f} ${(s.bytes / 1024).toFixed(1)} KiB, gzip ${(s.gzip / 1024).toFixed(1)} KiB`);

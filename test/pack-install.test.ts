/**
 * Acceptance: the packages as users get them. Every workspace is `npm pack`ed (its `prepack`
 * builds it), the tarballs are installed into an empty project outside the repository, and that
 * project — with nothing of the repository on its module path — uses them the way the README's
 * "Install" section promises: compiled ESM through `exports`, `.d.ts` types that a strict `nodenext`
 * TypeScript project accepts without `skipLibCheck`, and the `dataledger` bin.
 *
 * Everything runs on the Node that runs this suite (`process.execPath`, and first on PATH for
 * `#!/usr/bin/env node` bins), so CI checks it on each Node version it runs the suite on.
 * The slowest test of the suite: it packs and installs once, in `beforeAll`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const rootManifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
const WORKSPACES: string[] = rootManifest.workspaces;
const versionOf = async (pkg: string): Promise<string> =>
  (JSON.parse(await readFile(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The child environment: the test's Node first on PATH (bins and lifecycle scripts run on it),
 * and none of the `npm_*` variables of an enclosing `npm test`, which would point the nested
 * npm at this repository's configuration.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  env['PATH'] = `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`;
  env['NO_COLOR'] = '1';
  return env;
}

function run(command: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** npm itself: the CLI of the enclosing `npm test` when there is one (run on this Node), else `npm` on PATH. */
function npm(args: string[], cwd: string): Promise<Run> {
  const cli = process.env['npm_execpath'];
  return cli !== undefined && basename(cli) === 'npm-cli.js' ? run(process.execPath, [cli, ...args], cwd) : run('npm', args, cwd);
}

const ok = (r: Run, what: string): Run => {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  return r;
};

interface PackedFile {
  path: string;
}
interface Packed {
  name: string;
  filename: string;
  files: PackedFile[];
}

let work: string;
let app: string;
let packed: Packed[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dataledger-pack-'));
  const tarballs = join(work, 'tarballs');
  app = join(work, 'app');
  await mkdir(tarballs);
  await mkdir(app);

  const pack = ok(await npm(['pack', '--workspaces', '--pack-destination', tarballs, '--json'], ROOT), 'npm pack');
  // Lifecycle output (the prepack build) may precede the JSON report on stdout.
  packed = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[/m))) as Packed[];

  await writeFile(join(app, 'package.json'), `${JSON.stringify({ name: 'dataledger-consumer', private: true, type: 'module' }, null, 2)}\n`);
  ok(
    await npm(
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        ...packed.map((p) => join(tarballs, p.filename)),
        // A TypeScript consumer on Node: the compiler and Node's types, as the repository uses them.
        `typescript@${await versionOf('typescript')}`,
        `@types/node@${(await versionOf('@types/node')).split('.')[0]}`,
      ],
      app,
    ),
    'npm install',
  );
}, 900_000);

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('npm pack → npm install in an empty project', () => {
  it('packs every workspace with compiled code, types, README, LICENSE and no sources', async () => {
    const names = await Promise.all(WORKSPACES.map(async (w) => (JSON.parse(await readFile(join(ROOT, w, 'package.json'), 'utf8')) as { name: string }).name));
    expect(packed.map((p) => p.name).sort()).toEqual([...names].sort());
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      // The explorer ships the built page (static assets), every other package a library.
      const built = p.name === '@dataledger/explorer' ? ['dist/index.html', 'dist/app.js'] : ['dist/index.js', 'dist/index.d.ts'];
      expect(files, p.name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', ...built]));
      expect(
        files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(f)),
        p.name,
      ).toEqual([]);
      expect(
        files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
        p.name,
      ).toEqual([]);
      expect(
        files.filter((f) => f.includes('tsbuildinfo')),
        p.name,
      ).toEqual([]);
    }
    expect(packed.find((p) => p.name === '@dataledger/cli')!.files.map((f) => f.path)).toContain('dist/bin.js');
  });

  it('installs manifests that name compiled files only, a repository folder and an engines range', async () => {
    for (const w of WORKSPACES) {
      const name = (JSON.parse(await readFile(join(ROOT, w, 'package.json'), 'utf8')) as { name: string }).name;
      const text = await readFile(join(app, 'node_modules', name, 'package.json'), 'utf8');
      expect(text, name).not.toMatch(/\.\/src\//);
      const manifest = JSON.parse(text) as {
        exports: Record<string, unknown>;
        repository: { directory: string };
        engines: { node: string };
        bin?: Record<string, string>;
      };
      if (name === '@dataledger/explorer') expect(manifest.exports['./dist/*'], name).toBe('./dist/*');
      else expect(manifest.exports['.'], name).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
      expect(manifest.repository.directory).toBe(w);
      expect(manifest.engines.node).toMatch(/22/);
      if (manifest.bin !== undefined) expect(Object.values(manifest.bin)).toEqual(['./dist/bin.js']);
    }
    expect(await realpath(join(app, 'node_modules', '.bin', 'dataledger'))).toBe(
      await realpath(join(app, 'node_modules', '@dataledger', 'cli', 'dist', 'bin.js')),
    );
  });

  it('works from plain JavaScript: a Log and its inclusion proof, a certificate, an encrypted sum', async () => {
    await copyFile(fileURLToPath(new URL('./support/pack-smoke.mjs', import.meta.url)), join(app, 'pack-smoke.mjs'));
    const vectors = [
      [1, 2, 3],
      [10, 20, 30],
      [-5, 100, 7],
    ];
    const data = join(work, 'data');
    await mkdir(data);
    const r = ok(await run(process.execPath, ['pack-smoke.mjs', data, JSON.stringify(vectors)], app, 180_000), 'pack-smoke.mjs');
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      ed25519: string;
      log: { size: number; indexes: number[]; proofLength: number; included: boolean; forgedIncluded: boolean };
      certificate: { type: string[]; cryptosuite: string; verified: boolean; failed: string[]; alteredVerified: boolean; untrustedLogVerified: boolean };
      aggregation: { count: number; sum: string[] };
    };
    // sodium-native's prebuilt addon loads from an ordinary install (linux-x64 here).
    expect(report.ed25519).toEqual(process.platform === 'linux' && process.arch === 'x64' ? 'sodium' : expect.any(String));
    // Five appends get indexes 0..4; RFC 9162 §2.1.3: the audit path of leaf 2 in a tree of 5
    // is [leaf 3, MTH(0..1), leaf 4] — three hashes; a changed hash no longer verifies.
    expect(report.log).toEqual({ size: 5, indexes: [0, 1, 2, 3, 4], proofLength: 3, included: true, forgedIncluded: false });
    // The certificates README: a VC 2.0 DataAssetCertificate secured with eddsa-jcs-2022,
    // verifiable offline with the log key; an altered subject or an unknown log is refused.
    expect(report.certificate).toEqual({
      type: ['VerifiableCredential', 'DataAssetCertificate'],
      cryptosuite: 'eddsa-jcs-2022',
      verified: true,
      failed: [],
      alteredVerified: false,
      untrustedLogVerified: false,
    });
    // BFV sums are exact: the decrypted total is the plaintext sum, slot by slot.
    const sum = vectors[0]!.map((_, i) => String(vectors.reduce((acc, v) => acc + v[i]!, 0)));
    expect(report.aggregation).toEqual({ count: 3, sum });
  }, 240_000);

  it('runs `npx dataledger --help` and `--version`', async () => {
    const help = ok(await npm(['exec', '--', 'dataledger', '--help'], app), 'npx dataledger --help');
    expect(help.stdout).toMatch(/^Usage: dataledger/m);
    for (const command of ['serve', 'keygen', 'demo', 'export', 'verify', 'audit']) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    const version = ok(await npm(['exec', '--', 'dataledger', '--version'], app), 'npx dataledger --version');
    const cli = JSON.parse(await readFile(join(ROOT, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(cli.version);
  }, 120_000);

  it('type-checks a strict nodenext TypeScript file importing every package, without skipLibCheck', async () => {
    // `tsc --init`'s strict defaults, minus `skipLibCheck`, with Node's types (a Node project).
    const tsconfig = {
      compilerOptions: {
        module: 'nodenext',
        target: 'esnext',
        types: ['node'],
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        verbatimModuleSyntax: true,
        isolatedModules: true,
        noUncheckedSideEffectImports: true,
        moduleDetection: 'force',
        noEmit: true,
      },
      files: ['consumer.ts'],
    };
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    // Every library package by name (the explorer is a page, not a module), then a few uses
    // that need real types.
    const names = packed.map((p) => p.name).filter((n) => n !== '@dataledger/explorer');
    await writeFile(
      join(app, 'consumer.ts'),
      [
        ...names.map((name, i) => `import * as package${i} from '${name}';`),
        "import * as core from '@dataledger/core';",
        "import * as provenance from '@dataledger/provenance';",
        "import type { LedgerRecord } from '@dataledger/provenance';",
        "import type { AggregationJob } from '@dataledger/aggregation';",
        '',
        `export const packages = [${names.map((_, i) => `package${i}`).join(', ')}];`,
        "export const job: AggregationJob = { id: 'j', scheme: 'bfv', length: 1, maxAbsValue: 10, maxContributors: 3, minContributors: 1 };",
        'export const index = (r: LedgerRecord): number => r.index;',
        'export const root: Uint8Array = provenance.merkleRoot([core.sha256(core.utf8Encode("a"))]);',
        // The declarations are real types, not `any`: a wrong call is an error.
        '// @ts-expect-error verifyInclusion takes one object (provenance README)',
        'provenance.verifyInclusion(root, 0);',
        '',
      ].join('\n'),
    );
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    // One run: diagnostics, then (`--listFiles`) every file the program checked.
    const r = await run(process.execPath, [tsc, '-p', '.', '--listFiles'], app, 180_000);
    const lines = r.stdout.split('\n').filter((l) => l.length > 0);
    expect(lines.filter((l) => !l.startsWith('/')).concat(r.stderr === '' ? [] : [r.stderr])).toEqual([]);
    expect(r.status).toBe(0);
    // …and it checked the installed declarations, from dist/, not any source.
    const ours = lines.filter((f) => f.includes('/node_modules/@dataledger/'));
    expect(new Set(ours.map((f) => /\/node_modules\/@dataledger\/([a-z-]+)\//.exec(f)?.[1])).size).toBe(names.length);
    expect(ours.filter((f) => !/\/node_modules\/@dataledger\/[a-z-]+\/dist\/[\s\S]+\.d\.ts$/.test(f))).toEqual([]);
  }, 240_000);
});

/**
 * The web explorer: certificate verification in the page (Debian's Chromium, playwright-core)
 * beside the same `verifyCertificate` in Node, on one certificate issued by a real service on
 * 127.0.0.1 with its two status lists. Figures, per verification:
 * 1. the first verification after the page has loaded, its warm-up included (what a reader
 *    waits for; goal < 100 ms);
 * 2. the median of the following ones (warm).
 * Both are the page's own measurement of the library call (`#timing[data-ms]`); the status lists
 * are fetched once, before the first click, so the network is not counted. The anchor is
 * `verifyCertificate` in Node on the same inputs (core's default backend: libsodium where it loads).
 *
 * Needs /usr/bin/chromium; without it the suite reports nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { ed25519Backend } from '@dataledger/core';
import { verifyCertificate, type JsonObject } from '@dataledger/certificates';
import { grantRoles, registeredAsset, startServer } from '../test/support/http-ledger.ts';
import { row, type BenchRow } from './harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const EXPLORER = fileURLToPath(new URL('../packages/explorer/', import.meta.url));
const RUNS = 15;

/** Runs the suite. */
export async function run(): Promise<BenchRow[]> {
  if (!existsSync(CHROMIUM)) {
    process.stderr.write(`bench explorer: skipped, ${CHROMIUM} is missing\n`);
    return [];
  }
  execFileSync(process.execPath, [`${EXPLORER}build.ts`], { stdio: 'ignore' });
  const s = await startServer();
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const roles = await grantRoles(s);
    const rn = await registeredAsset(s, roles);
    const { certificate } = await s
      .client(roles.registry)
      .issueCertificate({ registrationNumber: rn, validFrom: '2026-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' });
    const cs = certificate.credentialStatus as { statusListCredential: string }[];
    const lists: JsonObject[] = [];
    for (const e of cs) lists.push((await (await fetch(e.statusListCredential)).json()) as JsonObject);

    const page = await browser.newPage();
    await page.goto(`${s.base}/#/verify`);
    // Loaded: the first view shown and the page's own warm-up done (src/warmup.ts).
    await page.waitForFunction(() => document.body.dataset.warm === 'true');
    await page.fill('#cert-input', JSON.stringify(certificate));
    await page.fill('#lists-input', JSON.stringify(lists));
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await page.click('#verify-button');
      await page.waitForSelector('[data-verdict="verified"]');
      times.push(Number(await page.getAttribute('#timing', 'data-ms')));
    }
    const first = times[0] as number;
    const warm = times.slice(1).sort((a, b) => a - b)[Math.floor((RUNS - 1) / 2)] as number;

    const bench = new Bench({ time: 1000, iterations: 20, warmup: true });
    bench.add('node', () => {
      if (!verifyCertificate(certificate, { trustedLogKeys: [s.service.logVerifierKey], statusList: lists }).verified) throw new Error('not verified');
    });
    await bench.run();
    const nodeHz = 1000 / (bench.getTask('node')!.result as { period: number }).period;
    const anchor = `verifyCertificate in Node (${ed25519Backend.name})`;
    return [
      row('explorer', 'verifyCertificate in Chromium, first after load', 1000 / first, anchor, nodeHz, `${first.toFixed(1)} ms (goal < 100 ms)`),
      row('explorer', 'verifyCertificate in Chromium, warm (median)', 1000 / warm, anchor, nodeHz, `${warm.toFixed(1)} ms`),
    ];
  } finally {
    await browser.close();
    await s.destroy();
  }
}

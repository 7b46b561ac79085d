/**
 * The web explorer in a real browser (issue 12): Debian's Chromium driven by playwright-core
 * against a real service on 127.0.0.1 (LevelDB in a temp dir), with a small ledger written
 * through the client library. Expectations come from the contract: a certificate issued by
 * the registry verifies, a changed one fails its Data Integrity proof (VC-DI-EdDSA §3.3:
 * CERT_PROOF_INVALID), a revoked one fails its status (Bitstring Status List §3.2:
 * CERT_STATUS_REVOKED), a key the reader did not pin is not trusted (CERT_CHECKPOINT_UNTRUSTED);
 * a certificate of a concealed asset shows the members its holder discloses and refuses a
 * changed disclosure (SD-JWT, RFC 9901 §4.2: DISCLOSURE_FOREIGN); a record's RFC 9162 inclusion
 * proof verifies; the charts count what was written; the page
 * logs no error and has no serious accessibility violation (axe-core). Screenshots of each
 * view go to test/artifacts/explorer/ (not committed).
 *
 * Skipped, with a message, only when /usr/bin/chromium is missing (.ci/run installs it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generateKeyPair } from '@dataledger/core';
import { cosignCheckpoint, cosignerVerifierKey, verifierKey } from '@dataledger/provenance';
import type { DataAssetCertificate, JsonObject } from '@dataledger/certificates';
import {
  assetPayload,
  grantRoles,
  licencePayload,
  newActor,
  newRegistrationNumber,
  registeredAsset,
  startServer,
  type Actor,
  type RoleName,
  type Server,
} from './support/http-ledger.ts';

const WITNESS = generateKeyPair();
const WITNESS_VKEY = cosignerVerifierKey('witness.example/w1', WITNESS.publicKey);

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ARTIFACTS = fileURLToPath(new URL('./artifacts/explorer/', import.meta.url));
const EXPLORER = fileURLToPath(new URL('../packages/explorer/', import.meta.url));
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`explorer browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let s: Server;
let roles: Record<RoleName, Actor>;
let browser: Browser;
let certificate: DataAssetCertificate;
let revoked: DataAssetCertificate;
let rn1: string;
let rn2: string;
const problems: string[] = [];

async function newPage(locale = 'en-US', timezoneId = 'Europe/London'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale, timezoneId, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return { context, page };
}

async function open(page: Page, hash: string, base: string = s.base): Promise<void> {
  const ready = await page.evaluate(() => document.body?.dataset.ready ?? '').catch(() => '');
  const here = page.url().startsWith(base);
  if (here && (await page.evaluate(() => location.hash)) === hash && ready !== '') return;
  if (here) {
    await page.evaluate((h) => (location.hash = h), hash);
  } else {
    await page.goto(`${base}/${hash}`);
  }
  await page.waitForFunction((r) => document.body.dataset.ready !== undefined && document.body.dataset.ready !== r, ready);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** axe-core violations of impact serious or critical (WCAG 2 A/AA rules). */
async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: not an inline script, so the page's CSP stays on.
  await page.evaluate(axeSource);
  const result = (await page.evaluate(() =>
    (globalThis as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<unknown> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }),
  )) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

interface PageVerdict {
  verdict: string;
  checks: Record<string, { ok: string; code: string }>;
  status: string;
  /** Disclosed members shown: path → the value as the page writes it. */
  disclosed: Record<string, string>;
  /** The count of members the page says stay concealed ('' when it says none). */
  concealed: string;
}

async function verifyInPage(page: Page, cert: unknown, disclosures = '', base: string = s.base): Promise<PageVerdict> {
  await open(page, '#/verify', base);
  await page.fill('#cert-input', JSON.stringify(cert, null, 2));
  await page.fill('#disclosures-input', disclosures);
  await page.click('#verify-button');
  await page.waitForSelector('[data-verdict]');
  return page.evaluate(() => {
    const checks: Record<string, { ok: string; code: string }> = {};
    for (const tr of document.querySelectorAll<HTMLElement>('tr[data-check]')) {
      checks[tr.dataset.check as string] = { ok: tr.dataset.ok as string, code: tr.querySelector('code')?.textContent ?? '' };
    }
    const disclosed: Record<string, string> = {};
    for (const tr of document.querySelectorAll<HTMLElement>('tr[data-disclosed]'))
      disclosed[tr.dataset.disclosed as string] = tr.querySelector('td')?.textContent ?? '';
    return {
      verdict: document.querySelector<HTMLElement>('[data-verdict]')?.dataset.verdict ?? '',
      status: document.querySelector<HTMLElement>('[data-status]')?.dataset.status ?? '',
      checks,
      disclosed,
      concealed: document.querySelector<HTMLElement>('[data-concealed]')?.dataset.concealed ?? '',
    };
  });
}

/** The member name a disclosure discloses (RFC 9901 §4.2.1: base64url of [salt, name, value]). */
const disclosedName = (d: string): unknown => (JSON.parse(Buffer.from(d, 'base64url').toString('utf8')) as unknown[])[1];

describe.skipIf(!haveChromium)('the explorer in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(`${EXPLORER}dist/index.html`)) execFileSync(process.execPath, [`${EXPLORER}build.ts`], { stdio: 'ignore' });
    mkdirSync(ARTIFACTS, { recursive: true });
    // The log keeps cosignatures of its named witnesses only (serve --witness-key).
    s = await startServer(undefined, { witnessKeys: [WITNESS_VKEY] });
    roles = await grantRoles(s);
    // Two assets from two departments and of two classifications, valued, licensed,
    // transferred, frozen; two certificates, one of them revoked.
    rn1 = await registeredAsset(s, roles);
    rn2 = newRegistrationNumber();
    await s.client(roles.registry).submit(
      'asset.registered',
      assetPayload(rn2, roles.holder, {
        classification: 'important',
        source: { department: 'Provincial Transport Department', authorisationBasis: 'Open catalogue 2026 No. 7' },
      }) as never,
    );
    await s.client(roles.reviewer).submit('asset.reviewed', { registrationNumber: rn2, outcome: 'approved', opinion: 'compliant' });
    await s.client(roles.appraiser).submit('asset.valued', { registrationNumber: rn1, valuation: { amount: '130000.00', currency: 'CNY', method: 'market' } });
    certificate = (
      await s.client(roles.registry).issueCertificate({ registrationNumber: rn1, validFrom: '2026-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' })
    ).certificate;
    await s.client(roles.holder).submit('licence.granted', licencePayload('LIC-A', rn1, roles.exchange) as never);
    await s.client(roles.holder).submit('licence.granted', licencePayload('LIC-B', rn2, roles.exchange, { purpose: 'traffic-planning' }) as never);
    revoked = (
      await s.client(roles.registry).issueCertificate({ registrationNumber: rn2, validFrom: '2026-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' })
    ).certificate;
    await s.client(roles.registry).submit('certificate.revoked', { certificateId: revoked.id as string, reason: 'issued in error' });
    await s.client(roles.holder).submit('asset.transferred', { registrationNumber: rn1, to: { id: newActor().did, foreign: false }, keepLicences: true });
    await s.client(roles.regulator).submit('asset.frozen', { registrationNumber: rn2, reason: 'audit' });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await s?.destroy();
  });

  it('serves the page under a CSP without inline scripts, and pins the server key on the first visit, marked as such', async () => {
    const res = await fetch(`${s.base}/`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const { context, page } = await newPage();
    await open(page, '#/verify');
    expect(await page.inputValue('#trusted-key')).toBe(s.service.logVerifierKey);
    expect(await page.getAttribute('[data-key-source]', 'data-key-source')).toBe('server');
    await shot(page, 'verify-empty-en');
    // a certificate chosen as a file lands in the form
    const file = JSON.stringify(certificate);
    await page.setInputFiles('#cert-file', { name: 'certificate.json', mimeType: 'application/json', buffer: Buffer.from(file) });
    await page.waitForFunction((f) => (document.querySelector('#cert-input') as HTMLTextAreaElement).value === f, file);
    await context.close();
  });

  it('verifies a certificate issued by the registry, in the browser, pasted or fetched by its id', async () => {
    const { context, page } = await newPage();
    await open(page, '#/verify');
    await page.fill('#cert-id', certificate.id as string);
    await page.click('#fetch-cert');
    await page.waitForFunction(() => (document.querySelector('#cert-input') as HTMLTextAreaElement).value !== '');
    expect(JSON.parse(await page.inputValue('#cert-input'))).toEqual(certificate);
    await page.click('#verify-button');
    await page.waitForSelector('[data-verdict]');
    expect(await page.getAttribute('[data-verdict]', 'data-verdict')).toBe('verified');
    const r = await verifyInPage(page, certificate);
    expect(r.verdict).toBe('verified');
    expect(r.status).toBe('active');
    expect(Object.keys(r.checks).sort()).toEqual(['checkpoint', 'format', 'inclusion', 'issuer', 'proof', 'record', 'status', 'validity']);
    expect(Object.values(r.checks).every((c) => c.ok === 'true')).toBe(true);
    const ms = Number(await page.getAttribute('#timing', 'data-ms'));
    expect(ms).toBeGreaterThan(0);
    await shot(page, 'verify-valid-en');
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it('refuses a tampered certificate (proof), a revoked one (status), and one under a key the reader did not pin', async () => {
    const { context, page } = await newPage();
    const tampered = structuredClone(certificate) as unknown as { credentialSubject: JsonObject };
    tampered.credentialSubject.rowCount = 999_999;
    const t = await verifyInPage(page, tampered);
    expect(t.verdict).toBe('not-verified');
    expect(t.checks.proof).toEqual({ ok: 'false', code: 'CERT_PROOF_INVALID' });
    await shot(page, 'verify-tampered-en');
    expect(await seriousViolations(page)).toEqual([]);

    const page2 = await context.newPage();
    const r = await verifyInPage(page2, revoked);
    expect(r.verdict).toBe('not-verified');
    expect(r.status).toBe('revoked');
    expect(r.checks.status).toEqual({ ok: 'false', code: 'CERT_STATUS_REVOKED' });
    expect(r.checks.proof?.ok).toBe('true');
    await shot(page2, 'verify-revoked-en');

    // Pin another log's key: the same certificate no longer verifies, and the pin is remembered.
    const other = verifierKey('another.example/log', generateKeyPair().publicKey);
    await page2.fill('#trusted-key', other);
    await page2.click('#pin-key');
    await page2.waitForSelector('[data-key-source="user"]', { state: 'attached' });
    await page2.reload();
    await page2.waitForSelector('[data-key-source="user"]', { state: 'attached' });
    expect(await page2.inputValue('#trusted-key')).toBe(other);
    const u = await verifyInPage(page2, certificate);
    expect(u.verdict).toBe('not-verified');
    expect(u.checks.checkpoint).toEqual({ ok: 'false', code: 'CERT_CHECKPOINT_UNTRUSTED' });
    await context.close();
  });

  it('shows the members a holder discloses with a certificate of a concealed asset, and refuses a changed disclosure', async () => {
    // The client conceals the holder name and the valuation (the default disclosure policy) and
    // hands their disclosures back with the receipt; the certificate states the log's digests.
    // A ledger of its own: the other views count the main ledger's assets.
    const s2 = await startServer();
    const roles2 = await grantRoles(s2);
    const rn = newRegistrationNumber();
    const registered = await s2.client(roles2.registry).submit('asset.registered', assetPayload(rn, roles2.holder) as never);
    await s2.client(roles2.reviewer).submit('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: 'compliant' });
    const concealedCert = (
      await s2.client(roles2.registry).issueCertificate({ registrationNumber: rn, validFrom: '2026-01-01T00:00:00Z', validUntil: '2030-01-01T00:00:00Z' })
    ).certificate;
    const subject = concealedCert.credentialSubject as JsonObject;
    expect(subject.valuation).toBeUndefined();
    expect(subject._sd).toHaveLength(1);
    const valuation = registered.disclosures.find((d) => disclosedName(d) === 'valuation') as string;
    expect(valuation).toBeDefined();

    const { context, page } = await newPage();
    const none = await verifyInPage(page, concealedCert, '', s2.base);
    expect(none.verdict).toBe('verified');
    expect(none.checks.disclosures).toBeUndefined();
    expect(none.disclosed).toEqual({});
    expect(none.concealed).toBe('2');

    // The holder hands over the valuation only (the disclosures file format: # comments allowed).
    const shown = await verifyInPage(page, concealedCert, `# the valuation only\n${valuation}\n`, s2.base);
    expect(shown.verdict).toBe('verified');
    expect(shown.checks.disclosures).toEqual({ ok: 'true', code: '' });
    expect(shown.disclosed).toEqual({ valuation: '125000.50 CNY (cost)' });
    expect(shown.concealed).toBe('1');
    await shot(page, 'verify-disclosed-en');
    expect(await seriousViolations(page)).toEqual([]);

    // One character of the value changed: its digest is not the one the issuer signed.
    const text = Buffer.from(valuation, 'base64url').toString('utf8');
    const changed = Buffer.from(text.replace('125000.50', '125000.51'), 'utf8').toString('base64url');
    expect(changed).not.toBe(valuation);
    const bad = await verifyInPage(page, concealedCert, changed, s2.base);
    expect(bad.verdict).toBe('not-verified');
    expect(bad.checks.disclosures).toEqual({ ok: 'false', code: 'DISCLOSURE_FOREIGN' });
    expect(bad.checks.proof).toEqual({ ok: 'true', code: '' });
    expect(bad.disclosed).toEqual({});
    await shot(page, 'verify-disclosure-changed-en');
    await context.close();

    // In Chinese: the member and the check in the reader's language.
    const zh = await newPage('zh-CN', 'Asia/Shanghai');
    const z = await verifyInPage(zh.page, concealedCert, valuation, s2.base);
    expect(z.verdict).toBe('verified');
    expect(await zh.page.textContent('tr[data-disclosed="valuation"] th')).toBe('估值');
    expect(await zh.page.textContent('tr[data-check="disclosures"] th')).toBe('披露');
    await shot(zh.page, 'verify-disclosed-zh');
    await zh.context.close();
    await s2.destroy();
  });

  it('shows the checkpoint, the entries with actors by role, a record with its proof verified, and the consistency since the last visit', async () => {
    // The named witness cosigns the current checkpoint (C2SP tlog-cosignature).
    const witness = WITNESS;
    const wkey = WITNESS_VKEY;
    const note = await (await fetch(`${s.base}/v1/log/checkpoint`)).text();
    await s.client().addCosignature(cosignCheckpoint(note, { name: 'witness.example/w1', secretKey: witness.secretKey }), wkey);
    const { context, page } = await newPage();
    await open(page, '#/log');
    expect(await page.textContent('#tree-size')).toBe(String(s.service.size));
    expect(await page.getAttribute('[data-witness="witness.example/w1"]', 'data-verified')).toBe('true');
    expect(await page.getAttribute('[data-ledger-verified]', 'data-ledger-verified')).toBe('true');
    expect(await page.getAttribute('[data-consistency]', 'data-consistency')).toBe('first');
    // newest first: the freeze is the first row, by the regulator
    const first = page.locator('table.entries tbody tr').first();
    expect(await first.getAttribute('data-index')).toBe(String(s.service.size - 1));
    expect(await first.textContent()).toMatch(/frozen.*regulator/);
    await shot(page, 'log-en');
    expect(await seriousViolations(page)).toEqual([]);

    const issued = JSON.parse(JSON.stringify(certificate.evidence)) as { purpose: string; leafIndex: number }[];
    const index = issued.find((e) => e.purpose === 'certificate.issued')?.leafIndex as number;
    await open(page, `#/record/${index}`);
    expect(await page.getAttribute('[data-proof]', 'data-proof')).toBe('verified');
    expect(await page.getAttribute('[data-signature]', 'data-signature')).toBe('true');
    await shot(page, 'record-en');
    expect(await seriousViolations(page)).toEqual([]);

    // The log grows; the next visit proves the old checkpoint is a prefix (RFC 9162 §2.1.4).
    await s.client(roles.regulator).submit('asset.unfrozen', { registrationNumber: rn2, reason: 'audit closed' });
    await open(page, '#/log');
    expect(await page.getAttribute('[data-consistency]', 'data-consistency')).toBe('consistent');
    await context.close();
  });

  it("shows an asset's history as a timeline linked to its records", async () => {
    const { context, page } = await newPage();
    await open(page, '#/log');
    await page.fill('#asset-rn', rn1);
    const ready = await page.evaluate(() => document.body.dataset.ready);
    await page.click('form.search button');
    await page.waitForFunction((r) => document.body.dataset.ready !== r && document.body.dataset.view === 'asset', ready);
    const types = await page.locator('ol.timeline li').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.type));
    expect(types).toEqual(['asset.registered', 'asset.reviewed', 'asset.valued', 'certificate.issued', 'licence.granted', 'asset.transferred']);
    const hrefs = await page.locator('ol.timeline li a').evaluateAll((els) => els.map((e) => e.getAttribute('href')));
    expect(hrefs.every((h) => /^#\/record\/\d+$/.test(h ?? ''))).toBe(true);
    await shot(page, 'asset-en');
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it('draws the statistics and downloads them as JSON and CSV', async () => {
    const { context, page } = await newPage();
    await open(page, '#/stats');
    await page.waitForFunction(() => document.querySelectorAll('canvas').length === 4);
    // Non-empty canvases: some pixels drawn on each.
    const painted = await page.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((c) => {
        const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
        return n;
      }),
    );
    expect(painted.every((n) => n > 100)).toBe(true);
    await shot(page, 'stats-en');
    expect(await seriousViolations(page)).toEqual([]);

    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    const report = JSON.parse(readFileSync((await json.path()) as string, 'utf8')) as Record<string, unknown>;
    // Every count of this small ledger is below k = 5 (certificates README "Desensitisation"):
    // suppressed (null), never shown as 0; a true zero stays 0.
    expect(report.minCell).toBe(5);
    expect(report.assetsByClassification).toEqual({ general: null, important: null, core: 0 });
    expect(report.assetsByDepartment).toEqual({ 'Provincial Energy Bureau': null, 'Provincial Transport Department': null });
    expect(report.licencesByPurpose).toEqual({ 'credit-assessment': null, 'traffic-planning': null });
    const month = new Date().toISOString().slice(0, 7);
    expect(report.circulationByMonth).toEqual([{ month, transfers: null, licences: null }]);
    expect(report.suppressed).toContain('assets.byDepartment.Provincial Transport Department');
    expect(await page.locator('#chart-department').evaluate((c) => c.closest('figure')?.querySelector('td')?.textContent)).toBe('<5');
    expect(await page.textContent('#stats-suppression')).toContain('<5');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    const lines = readFileSync((await csv.path()) as string, 'utf8').split('\r\n');
    expect(lines[0]).toBe('section,key,value,value2');
    expect(lines).toContain('assetsByDepartment,Provincial Transport Department,<5');
    expect(lines).toContain(`circulationByMonth,${month},<5,<5`);
    await context.close();
  });

  it('speaks Chinese to a Chinese browser and switches to English, with dates in local time', async () => {
    const { context, page } = await newPage('zh-CN', 'Asia/Shanghai');
    await open(page, '#/log');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    // Record times are UTC (DESIGN: ISO 8601 "Z"); the reader in Shanghai sees UTC+8.
    const time = page.locator('table.entries time').first();
    const utc = new Date((await time.getAttribute('datetime')) as string);
    const local = new Date(utc.getTime() + 8 * 3600_000).toISOString().slice(11, 19);
    expect(await time.textContent()).toContain(local);
    expect(await page.textContent('header nav')).toContain('验证证书');
    expect(await page.textContent('table.entries thead')).toContain('操作者');
    await shot(page, 'log-zh');
    expect(await seriousViolations(page)).toEqual([]);
    await open(page, `#/asset/${encodeURIComponent(rn2)}`);
    await shot(page, 'asset-zh');
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    expect(await page.textContent('header nav')).toContain('Verify a certificate');
    // the choice is remembered
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready !== undefined);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await context.close();
  });

  it('logged no error or warning in any page', () => {
    expect(problems).toEqual([]);
  });
});

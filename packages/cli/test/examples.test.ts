import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runNode } from './helpers.ts';

/** Smoke tests of the runnable examples in examples/: each runs to completion and says what it proved. */
const run = (name: string) => runNode([join(REPO_ROOT, 'examples', name)], { timeoutMs: 60_000 });

describe.concurrent('examples', () => {
  it('exchange-flow: register → review → value → certify → license → the exchange verifies offline', async () => {
    const r = await run('exchange-flow.ts');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/registered DL-G-2026-0001 at index \d+/);
    expect(r.stdout).toContain('reviewed (approved) and valued');
    expect(r.stdout).toMatch(/certificate urn:uuid:\S+ issued/);
    expect(r.stdout).toMatch(/licence LIC-DL-G-2026-0001-1 granted/);
    expect(r.stdout).toContain('ledger service stopped');
    for (const check of ['format', 'proof', 'validity', 'checkpoint', 'record', 'inclusion', 'issuer', 'status']) {
      expect(r.stdout).toMatch(new RegExp(`ok +${check}`));
    }
    expect(r.stdout).toContain('exchange: certificate verified offline: true');
    expect(r.stdout).toMatch(/altered certificate verified: false \(.*CERT_PROOF_INVALID/);
  });

  it('regulator-replay: export, verify, audit, statistics; an edited bundle is caught', async () => {
    const r = await run('regulator-replay.ts');
    expect(r.status, r.stderr).toBe(0);
    const size = Number(/ledger of (\d+) records/.exec(r.stdout)?.[1]);
    expect(size).toBeGreaterThan(50);
    expect(r.stdout).toContain(`verify: valid=true size=${size}`);
    // Without the disclosures some rules cannot be checked; with the regulator's, every one is.
    expect(r.stdout).toMatch(/audit without disclosures: valid=true complete=false rules not checked=[1-9]/);
    expect(r.stdout).toContain(`audit: valid=true complete=true records=${size} violations=0`);
    expect(r.stdout).toMatch(/by classification:\n +general +6\n +important +6\n +core +6/);
    expect(r.stdout).toContain('service statistics agree: true');
    expect(r.stdout).toMatch(/edited bundle: valid=false code=BUNDLE_SIGNATURE_INVALID firstBadIndex=\d+/);
  });

  it('encrypted-statistics: five holders, result withheld below the minimum, exact decrypted sum', async () => {
    const r = await run('encrypted-statistics.ts');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.match(/contribution logged at index \d+/g)).toHaveLength(5);
    expect(r.stdout).toContain('result before 5 holders: refused (HTTP_RESULT_NOT_READY)');
    expect(r.stdout).toMatch(/decrypted total of 5 holders: (\d+, ){11}\d+/);
    expect(r.stdout).toContain('equals the plaintext sum: true');
    expect(r.stdout).toMatch(/release recorded at index \d+/);
  });
});

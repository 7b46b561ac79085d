/**
 * Confidential members (DESIGN.md "Disclosure policy"; RFC 9901 §4.2 disclosures), each figure
 * beside its anchor in the same run:
 * 1. signed writes with digests: the client's `concealPayload` + signing, then the in-process
 *    `LedgerService.submit` (`checkConcealed`, strict `revealPayload`, every rule on the revealed
 *    payload, the disclosures put in the LevelDB vault in the group commit) into a LevelDB log,
 *    vs the same payloads under a policy that makes every member public (the same `concealPayload`
 *    call, a no-op there, signing and `submit`): goal ≥ 0.8. The records are one asset's life
 *    repeated: `asset.registered` (4 confidential members), `asset.reviewed` (1),
 *    `asset.valued` (1), `licence.granted` (2), in pre-chained batches of 100, one in flight;
 *    rounds alternate which side goes first; each side's median round is reported.
 * 2. replay with disclosures: `auditBundle` of the concealed log's bundle with the disclosure
 *    map (every rule checked, `complete`) vs without (the rules that need a hidden member are
 *    reported as unchecked and skipped): the cost of checking what disclosures make checkable.
 * Environment: BENCH_DISCLOSURE_RECORDS (records written per side and round, default 2,000;
 * five rounds).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { didKeyFromPublicKey, keyPairFromSeed, type KeyPair } from '@dataledger/core';
import { buildChain, buildRecord, type ChainDraft, type RecordPayload } from '@dataledger/provenance';
import {
  auditBundle,
  CONFIDENTIAL_MEMBERS,
  concealPayload,
  DEFAULT_DISCLOSURE_POLICY,
  disclosureMap,
  disclosurePolicy,
  type DisclosurePolicy,
  type RecordType,
} from '@dataledger/certificates';
import { openService, type DataDirService } from '@dataledger/service';
import { row, timeOnce, type BenchRow } from './harness.ts';
import { assetPayload } from '../test/support/fixtures.ts';

const SUITE = 'disclosures';
const RECORDS = Number(process.env.BENCH_DISCLOSURE_RECORDS ?? 2000);
const ROUNDS = 5;
/** Replays of the bundle per side. */
const REPLAYS = 5;
const BATCH = 100;
/** Records of one asset's life (see the file comment). */
const PER_ASSET = 4;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

const kp = (n: number): KeyPair => keyPairFromSeed(new Uint8Array(32).fill(n));
const registry = kp(2);
const reviewer = kp(3);
const appraiser = kp(4);
const holder = kp(5);
const licensee = kp(6);
const did = (k: KeyPair): string => didKeyFromPublicKey(k.publicKey);

/** Every confidential member made public: the anchor's policy. */
const PUBLIC_POLICY: DisclosurePolicy = disclosurePolicy({
  public: Object.entries(CONFIDENTIAL_MEMBERS).flatMap(([type, paths]) => paths.map((p) => `${type}:${p}`)),
});

interface Draft {
  type: RecordType;
  payload: Record<string, unknown>;
  signer: KeyPair;
}

/** One asset's life: registered, reviewed, valued, licensed (fixed values; the rn makes it unique). */
function assetLife(rn: string): Draft[] {
  return [
    {
      type: 'asset.registered',
      signer: registry,
      // The one asset fixture, with the confidential members (holder name, valuation, description) set.
      payload: assetPayload(
        rn,
        { did: did(holder) },
        {
          holder: { id: did(holder), foreign: false, name: 'Provincial Grid Data Co.' },
          rowCount: 52_000,
          valuation: { amount: '1250000.00', currency: 'CNY', method: 'cost' },
          description: 'Hourly electricity consumption by district, 2020-2025',
        },
      ),
    },
    { type: 'asset.reviewed', signer: reviewer, payload: { registrationNumber: rn, outcome: 'approved', opinion: 'Lawful basis verified; no personal data' } },
    { type: 'asset.valued', signer: appraiser, payload: { registrationNumber: rn, valuation: { amount: '1300000.00', currency: 'CNY', method: 'income' } } },
    {
      type: 'licence.granted',
      signer: holder,
      payload: {
        licenceId: `LIC-${rn}`,
        registrationNumber: rn,
        licensee: { id: did(licensee), foreign: false, name: 'City Commercial Bank' },
        purpose: 'credit-assessment',
        scope: ['read', 'analyse'],
        term: { from: '2026-01-01T00:00:00Z', until: '2029-12-31T00:00:00Z' },
        sublicensable: false,
        fee: { amount: '80000.00', currency: 'CNY' },
      },
    },
  ];
}

interface Side {
  readonly name: string;
  readonly dir: string;
  readonly service: DataDirService;
  readonly policy: DisclosurePolicy;
  /** Every disclosure written (the writer keeps them: the replay's map). */
  readonly disclosures: string[];
  /** Wall-clock seconds of each counted round. */
  rounds: number[];
  seconds: number;
  /** CPU seconds of this process (every thread) over the same rounds. */
  cpu: number;
  records: number;
}

async function openSide(name: string, policy: DisclosurePolicy): Promise<Side> {
  const dir = mkdtempSync(join(tmpdir(), `dataledger-bench-${name}-`));
  const service = await openService({ dataDir: join(dir, 'data'), disclosurePolicy: policy });
  const rootKey = { secretKey: service.rootAuthority.secretKey as Uint8Array };
  const roles: [KeyPair, string][] = [
    [registry, 'registry'],
    [reviewer, 'reviewer'],
    [appraiser, 'appraiser'],
    [holder, 'holder'],
  ];
  for (const [k, role] of roles) await service.submit([buildRecord(service.log.head(), { type: 'role.granted', payload: { subject: did(k), role } }, rootKey)]);
  return { name, dir, service, policy, disclosures: [], rounds: [], seconds: 0, cpu: 0, records: 0 };
}

/** What the client does for a batch, then the service: conceal, sign (pre-chained), submit. */
async function writeBatch(side: Side, drafts: readonly Draft[]): Promise<void> {
  const disclosures: string[] = [];
  const chain: ChainDraft[] = drafts.map((d) => {
    const c = concealPayload(d.type, d.payload, side.policy);
    disclosures.push(...c.disclosures);
    return { type: d.type, payload: c.payload as RecordPayload, signer: d.signer };
  });
  const records = buildChain(side.service.log.head(), chain);
  await side.service.submit(records, disclosures);
  side.disclosures.push(...disclosures);
}

async function writeRound(side: Side, round: number): Promise<void> {
  const assets = Math.ceil(RECORDS / PER_ASSET);
  const drafts = Array.from({ length: assets }, (_, i) => assetLife(`RN-B${round}-${i}`)).flat();
  const batches: Draft[][] = [];
  for (let i = 0; i < drafts.length; i += BATCH) batches.push(drafts.slice(i, i + BATCH));
  const cpu0 = process.cpuUsage();
  const seconds = await timeOnce(async () => {
    for (const b of batches) await writeBatch(side, b);
  });
  side.rounds.push(seconds);
  side.seconds += seconds;
  side.cpu += cpuSeconds(process.cpuUsage(cpu0));
  side.records += drafts.length;
}

export async function run(): Promise<BenchRow[]> {
  const concealed = await openSide('concealed', DEFAULT_DISCLOSURE_POLICY);
  const clear = await openSide('clear', PUBLIC_POLICY);
  try {
    // A warm-up round each (JIT, LevelDB caches), not counted.
    await writeRound(concealed, 0);
    await writeRound(clear, 0);
    for (const s of [concealed, clear]) {
      s.rounds = [];
      s.seconds = 0;
      s.cpu = 0;
      s.records = 0;
    }
    for (let r = 1; r <= ROUNDS; r++) {
      const order = r % 2 === 1 ? [concealed, clear] : [clear, concealed];
      for (const s of order) await writeRound(s, r);
    }
    const perMember = concealed.disclosures.length / concealed.service.size;
    // The median round of each side: a round is short, and a busy machine slows whichever
    // side happens to run when it is busy.
    const perRound = concealed.records / ROUNDS;
    const writes = row(
      SUITE,
      'signed writes with digests: conceal + sign + checks + vault put (records/s)',
      perRound / median(concealed.rounds),
      'the same payloads, every member public: sign + checks (records/s)',
      perRound / median(clear.rounds),
      `goal ≥ 0.8; in-process LedgerService on a LevelDB log and vault, batches of ${BATCH}, one in flight; ` +
        `asset registered, reviewed, valued, licensed (${perMember.toFixed(2)} disclosures per record); median of ${ROUNDS} alternating rounds of ${perRound} records ` +
        `(all rounds: ratio ${(clear.seconds / concealed.seconds).toFixed(3)}); ` +
        `CPU time per record ${((1000 * concealed.cpu) / concealed.records).toFixed(2)} ms vs ${((1000 * clear.cpu) / clear.records).toFixed(2)} ms ` +
        `(CPU ratio ${(clear.cpu / clear.records / (concealed.cpu / concealed.records)).toFixed(3)})`,
    );
    if (clear.disclosures.length !== 0) throw new Error('the public policy concealed something');

    // The replay: the concealed log's bundle, with and without its disclosures.
    const lines: string[] = [];
    for await (const l of concealed.service.log.exportBundle()) lines.push(l);
    const map = disclosureMap(concealed.disclosures);
    const keys = [concealed.service.logVerifierKey];
    const withMap = await auditBundle(lines, { trustedLogKeys: keys, disclosures: map });
    const without = await auditBundle(lines, { trustedLogKeys: keys });
    if (!withMap.valid || !withMap.complete || withMap.disclosures.used !== map.size) {
      throw new Error(`replay with disclosures: valid ${withMap.valid}, complete ${withMap.complete}, used ${withMap.disclosures.used} of ${map.size}`);
    }
    if (!without.valid || without.complete) throw new Error(`replay without disclosures: valid ${without.valid}, complete ${without.complete}`);
    // Alternating runs, the median of each side: one replay is short, and a busy machine
    // slows whichever happens to run when it is busy.
    const timesWith: number[] = [];
    const timesWithout: number[] = [];
    let cpuWith = 0;
    let cpuWithout = 0;
    const replayWith = async (): Promise<void> => {
      const c = process.cpuUsage();
      timesWith.push(await timeOnce(() => auditBundle(lines, { trustedLogKeys: keys, disclosures: map })));
      cpuWith += cpuSeconds(process.cpuUsage(c));
    };
    const replayWithout = async (): Promise<void> => {
      const c = process.cpuUsage();
      timesWithout.push(await timeOnce(() => auditBundle(lines, { trustedLogKeys: keys })));
      cpuWithout += cpuSeconds(process.cpuUsage(c));
    };
    for (let r = 0; r < REPLAYS; r++) {
      if (r % 2 === 0) await replayWith();
      await replayWithout();
      if (r % 2 === 1) await replayWith();
    }
    const tWith = median(timesWith);
    const tWithout = median(timesWithout);
    const n = lines.length - 2;
    const replay = row(
      SUITE,
      'replay with disclosures: auditBundle, every rule checked (records/s)',
      n / tWith,
      'auditBundle of the same bundle without disclosures, rules on hidden members unchecked (records/s)',
      n / tWithout,
      `${n} records, ${map.size} disclosures; median of ${REPLAYS} alternating runs; without them ${without.unchecked.length} rule(s) reported unchecked; ` +
        `CPU ratio ${(cpuWithout / cpuWith).toFixed(3)} (all runs)`,
    );
    return [writes, replay];
  } finally {
    for (const s of [concealed, clear]) {
      await s.service.close();
      rmSync(s.dir, { recursive: true, force: true });
    }
  }
}

/**
 * Random valid lifecycles: each intent (a random integer triple) proposes a record derived
 * from the current state; the registry decides. Only accepted records are kept, so the
 * result is a valid ledger exercising every record type.
 *
 * Most records with confidential members are concealed as a client does under the default
 * policy (DESIGN.md "Confidential members": SD-JWT digests, RFC 9901 §4.2), their disclosures
 * kept beside the log as the server's vault keeps them; `disclosure.erased` records erase some
 * of them, and the vault then forgets them.
 */
import { Log, buildRecord, memoryStore, type LedgerRecord } from '@dataledger/provenance';
import {
  applyRecord,
  certificateSubject,
  concealPayload,
  disclosureMap,
  emptyRegistryState,
  isRecordType,
  payloadDigests,
  subjectHash,
  type OpenedDisclosure,
  type RegistryState,
} from '../src/index.ts';
import {
  actor,
  appraiser,
  assetPayload,
  bank,
  exchange,
  foreignCo,
  hex,
  holderA,
  holderB,
  licencePayload,
  regulator,
  registry,
  reviewer,
  root,
  subject1,
  type Actor,
} from './fixtures.ts';

export const logKey: Actor = actor(200);
const ACTORS = [root, registry, reviewer, appraiser, regulator, exchange, holderA, holderB, bank, foreignCo, subject1];
const byDid = new Map(ACTORS.map((a) => [a.did, a]));
const PARTIES = [holderA, holderB, bank, foreignCo];

export type Intent = [number, number, number];

interface Proposal {
  by: Actor;
  type: string;
  payload: Record<string, unknown>;
  /** Conceal the confidential members (default policy) before signing. */
  conceal?: boolean;
}

/** What a proposer knows beyond the state: the member path each logged digest hides. */
export interface ProposeContext {
  readonly members: ReadonlyMap<string, string>;
}

function pick<T>(xs: readonly T[], n: number): T | undefined {
  return xs.length === 0 ? undefined : xs[n % xs.length];
}

/** Proposes the record an intent stands for, in `state`; three in four are concealed. */
export function propose(state: RegistryState, intent: Intent, ctx: ProposeContext = { members: new Map() }): Proposal | null | undefined {
  const p = proposeClear(state, intent, ctx);
  if (p) p.conceal = ((intent[1] ^ intent[2]) & 3) !== 0;
  return p;
}

function proposeClear(state: RegistryState, [k, a, b]: Intent, ctx: ProposeContext): Proposal | null | undefined {
  const assets = [...state.assets.values()];
  const live = assets.filter((x) => !x.cancelled);
  const pending = live.filter((x) => x.review === 'pending');
  const certifiable = live.filter((x) => x.review === 'approved' && !x.frozen);
  const circulable = certifiable.filter((x) => x.classification !== 'core');
  const identified = live.filter((x) => x.subjectIdentified);
  const licences = [...state.licences.values()];
  const activeLicences = licences.filter((l) => l.status === 'active');
  const certs = [...state.certificates.values()].filter((c) => c.status !== 'revoked');
  const jobs = [...state.aggregations.values()];
  const n = state.size;
  // Most intents target records that can pass; a few are left to chance.
  const asset = pick(
    k % 16 === 2
      ? pending.length > 0
        ? pending
        : live
      : k % 16 === 4 || k % 16 === 5
        ? circulable.length > 0
          ? circulable
          : live
        : k % 16 === 11
          ? certifiable.length > 0
            ? certifiable
            : live
          : k % 16 === 10
            ? identified.length > 0
              ? identified
              : live
            : b % 7 === 0
              ? assets
              : live,
    a,
  );
  switch (k % 16) {
    case 0:
    case 1: {
      const holder = pick(PARTIES.slice(0, 3), b) as Actor;
      const identified = b % 5 === 0;
      return {
        by: registry,
        type: 'asset.registered',
        payload: assetPayload(`A-${n}`, holder, {
          classification: (['general', 'general', 'important', 'core'] as const)[a % 4],
          subjectIdentified: identified,
          subjects: identified ? [subject1.did] : [],
          rowCount: a * 10 + b,
          ...(a % 3 === 0 ? { description: `About A-${n}` } : {}),
        }) as unknown as Record<string, unknown>,
      };
    }
    case 2:
      return (
        asset && {
          by: reviewer,
          type: 'asset.reviewed',
          payload: { registrationNumber: asset.registrationNumber, outcome: b % 6 === 0 ? 'rejected' : 'approved', opinion: 'review' },
        }
      );
    case 3:
      return (
        asset && {
          by: appraiser,
          type: 'asset.valued',
          payload: { registrationNumber: asset.registrationNumber, valuation: { amount: `${a}.${b % 100}`, currency: 'CNY', method: 'income' } },
        }
      );
    case 4: {
      if (!asset) return null;
      const to = pick(
        PARTIES.filter((x) => x.did !== asset.holder.id),
        b,
      ) as Actor;
      return {
        by: byDid.get(asset.holder.id) ?? holderA,
        type: 'asset.transferred',
        payload: {
          registrationNumber: asset.registrationNumber,
          to: { id: to.did, foreign: to === foreignCo, ...(b % 3 === 0 ? { name: `Party ${n}` } : {}) },
          price: { amount: `${b}00`, currency: 'CNY' },
        },
      };
    }
    case 5: {
      if (!asset) return null;
      const parent =
        b % 3 === 0
          ? pick(
              activeLicences.filter((l) => l.sublicensable),
              a,
            )
          : undefined;
      const to = pick(
        PARTIES.filter((x) => x.did !== (parent?.licensee.id ?? asset.holder.id)),
        b,
      ) as Actor;
      const p = licencePayload(`L-${n}`, parent?.registrationNumber ?? asset.registrationNumber, to, {
        licensee: { id: to.did, foreign: to === foreignCo, ...(b % 4 === 1 ? { name: `Licensee ${n}` } : {}) },
        sublicensable: a % 2 === 0,
        ...(a % 3 === 0 ? { fee: { amount: `${a}.50`, currency: 'CNY' } } : {}),
        ...(parent === undefined ? {} : { parentLicenceId: parent.licenceId, scope: ['read'], purpose: parent.purpose }),
      });
      const by = parent === undefined ? byDid.get(asset.holder.id) : byDid.get(parent.licensee.id);
      return { by: by ?? holderA, type: 'licence.granted', payload: p as unknown as Record<string, unknown> };
    }
    case 6: {
      const l = pick(b % 5 === 0 ? licences : activeLicences, a);
      return (
        l && { by: b % 2 === 0 ? regulator : (byDid.get(l.licensor) ?? holderA), type: 'licence.revoked', payload: { licenceId: l.licenceId, reason: 'r' } }
      );
    }
    case 7: {
      const frozen = live.filter((x) => x.frozen);
      const target = b % 2 === 0 && frozen.length > 0 ? pick(frozen, a) : asset;
      return (
        target && {
          by: regulator,
          type: target.frozen ? 'asset.unfrozen' : 'asset.frozen',
          payload: { registrationNumber: target.registrationNumber, reason: 'r' },
        }
      );
    }
    case 8:
      if (b % 4 === 1 || b % 4 === 2) return erasure(state, a, b, ctx);
      return asset && b % 4 === 0 ? { by: regulator, type: 'asset.cancelled', payload: { registrationNumber: asset.registrationNumber, reason: 'r' } } : null;
    case 9:
      return (
        asset && {
          by: regulator,
          type: 'crossborder.approved',
          payload: { registrationNumber: asset.registrationNumber, party: foreignCo.did, purpose: 'research' },
        }
      );
    case 10: {
      if (!asset) return null;
      const consents = [...state.consents.values()].filter((c) => !c.revoked);
      if (b % 3 === 0 && consents.length > 0)
        return { by: subject1, type: 'consent.revoked', payload: { consentId: (pick(consents, a) as { consentId: string }).consentId } };
      const to = pick(PARTIES, b) as Actor;
      return {
        by: subject1,
        type: 'consent.granted',
        payload: {
          consentId: `C-${n}`,
          registrationNumber: asset.registrationNumber,
          licensee: to.did,
          purpose: b % 2 === 0 ? 'credit-assessment' : 'transfer',
          ...(a % 2 === 0 ? { person: { name: '张三', idNumber: '11010519491231002X', ...(a % 4 === 0 ? { phone: '13800138000' } : {}) } } : {}),
        },
      };
    }
    case 11: {
      if (!asset) return null;
      return {
        by: registry,
        type: 'certificate.issued',
        payload: {
          certificateId: `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
          registrationNumber: asset.registrationNumber,
          statusListIndex: n,
          revocationList: 'https://registry.example/status/revocation',
          suspensionList: 'https://registry.example/status/suspension',
          validFrom: '2026-01-01T00:00:00Z',
          validUntil: '2027-01-01T00:00:00Z',
          subjectHash: subjectHash(certificateSubject(asset)),
        },
      };
    }
    case 12: {
      const c = pick(certs, a);
      if (!c) return null;
      const type =
        c.status === 'suspended'
          ? b % 2 === 0
            ? 'certificate.reinstated'
            : 'certificate.revoked'
          : b % 2 === 0
            ? 'certificate.suspended'
            : 'certificate.revoked';
      return { by: b % 3 === 0 ? registry : regulator, type, payload: { certificateId: c.certificateId, reason: 'r' } };
    }
    case 13: {
      const open = jobs.filter((j) => !j.released);
      if (open.length === 0 || b % 4 === 0)
        return { by: exchange, type: 'aggregation.opened', payload: { jobId: `J-${n}`, jobHash: hex(n), minContributors: 1 + (a % 2) } };
      const j = pick(open, a) as (typeof open)[number];
      if (j.contributors.length >= j.minContributors && b % 2 === 0)
        return { by: exchange, type: 'aggregation.released', payload: { jobId: j.jobId, resultHash: hex(n), contributors: j.contributors.length } };
      return {
        by:
          pick(
            [holderA, holderB, bank].filter((x) => !j.contributors.includes(x.did)),
            b,
          ) ?? holderA,
        type: 'aggregation.contributed',
        payload: { jobId: j.jobId, contributionHash: hex(n), count: a },
      };
    }
    case 14:
      return (
        asset && {
          by: registry,
          type: 'asset.changed',
          payload: {
            registrationNumber: asset.registrationNumber,
            changes: [{ name: `N${n}` }, { classification: 'general' }, { description: `Changed ${n}` }, { subjects: [subject1.did] }][b % 4],
          },
        }
      );
    case 15:
      return {
        by: root,
        type: b % 4 !== 0 ? 'role.granted' : 'role.revoked',
        payload: { subject: (pick([holderA, holderB, bank, foreignCo], a) as Actor).did, role: 'holder' },
      };
  }
  return null;
}

/**
 * A `disclosure.erased` of some digests of a record that carries them: by the regulator, or
 * (one time in three) by subject1 of its own consent.
 */
function erasure(state: RegistryState, a: number, b: number, ctx: ProposeContext): Proposal | null {
  const open = [...state.sealedRecords.entries()]
    .map(([i, r]) => ({ index: Number(i), type: r.type, actor: r.actor, digests: r.digests.filter((d) => !state.erasedDigests.has(d)) }))
    .filter((r) => r.digests.length > 0);
  const own = open.filter((r) => r.type === 'consent.granted' && r.actor === subject1.did);
  const bySubject = b % 3 === 0 && own.length > 0;
  const target = pick(bySubject ? own : open, a);
  if (target === undefined) return null;
  // At least one digest; the others by the bits of b.
  const digests = target.digests.filter((_, i) => i === 0 || ((b >> i) & 1) === 1);
  return {
    by: bySubject ? subject1 : regulator,
    type: 'disclosure.erased',
    payload: { index: target.index, erased: digests.map((d) => ({ digest: d, member: ctx.members.get(d) ?? 'unknown' })), reason: 'the subject asked' },
  };
}

/** The genesis and role records every lifecycle starts with. */
export function preamble(): Proposal[] {
  const roles: [Actor, string][] = [
    [registry, 'registry'],
    [reviewer, 'reviewer'],
    [appraiser, 'appraiser'],
    [regulator, 'regulator'],
    [exchange, 'exchange'],
    [holderA, 'holder'],
    [holderB, 'holder'],
    [bank, 'holder'],
  ];
  return [
    { by: root, type: 'ledger.genesis', payload: { rootAuthority: root.did, ledgerName: 'generated' } },
    ...roles.map(([who, role]) => ({ by: root, type: 'role.granted', payload: { subject: who.did, role } })),
  ];
}

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** Refusal counts by `type:code` (for tuning the generator). */
export const refusals: Record<string, number> = {};

/** A lifecycle run live. */
export interface LiveLifecycle {
  log: Log;
  records: LedgerRecord[];
  state: RegistryState;
  refused: number;
  /** Every disclosure of every accepted record, erased ones included, by digest. */
  disclosures: Map<string, OpenedDisclosure>;
  /** What a vault holds at the end: the disclosures less the erased ones. */
  vault: Map<string, OpenedDisclosure>;
}

/**
 * Runs intents live against a real Log and the registry, as the server's write path does
 * (every disclosure given, no rule left unchecked); returns the log, records and live state.
 */
export async function liveLifecycle(intents: readonly Intent[]): Promise<LiveLifecycle> {
  const log = await Log.open(memoryStore(), { origin: 'registry.example/generated', logKey });
  let state = emptyRegistryState();
  const records: LedgerRecord[] = [];
  const disclosures = new Map<string, OpenedDisclosure>();
  const members = new Map<string, string>();
  let refused = 0;
  const tryAdd = async (p: Proposal): Promise<void> => {
    let payload = p.payload;
    let fresh: OpenedDisclosure[] = [];
    if (p.conceal === true && isRecordType(p.type)) {
      const c = concealPayload(p.type, p.payload);
      payload = c.payload;
      fresh = [...disclosureMap(c.disclosures).values()];
    }
    for (const d of fresh) disclosures.set(d.digest, d);
    const r = buildRecord(log.head(), { type: p.type, payload: payload as never, time: new Date(T0 + log.size * 3_600_000).toISOString() }, p.by);
    let next: RegistryState;
    try {
      next = applyRecord(state, r, { disclosures });
    } catch (e) {
      for (const d of fresh) disclosures.delete(d.digest);
      refused++;
      refusals[`${p.type}:${(e as { code?: string }).code}`] = (refusals[`${p.type}:${(e as { code?: string }).code}`] ?? 0) + 1;
      return;
    }
    await log.append(r);
    records.push(r);
    state = next;
    for (const { at, digest } of payloadDigests(payload)) {
      const d = disclosures.get(digest);
      if (d !== undefined) members.set(digest, at === '' ? d.name : `${at}.${d.name}`);
    }
  };
  for (const p of preamble()) await tryAdd(p);
  for (const i of intents) {
    const p = propose(state, i, { members });
    if (p) await tryAdd(p);
  }
  const vault = new Map([...disclosures].filter(([d]) => !state.erasedDigests.has(d)));
  return { log, records, state, refused, disclosures, vault };
}

/** Collects an async iterable of lines. */
export async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of lines) out.push(l);
  return out;
}

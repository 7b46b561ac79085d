/**
 * Every bad input is refused with its code, without a crash or a WASM abort, and leaves
 * the running total unchanged (same count, same sum hash, and the decrypted sum is still
 * the sum of the good contributions).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Aggregator,
  type AggregationJob,
  type Contribution,
  contributionTarget,
  decryptAggregate,
  encryptContribution,
  signContribution,
} from '../src/index.ts';
import { expectCode, holder, keysFor } from './support.ts';

const job: AggregationJob = { id: 'bad-input', scheme: 'bfv', length: 4, maxAbsValue: 1000n, maxContributors: 20, minContributors: 1 };
const otherParams: AggregationJob = { id: 'bad-input', scheme: 'bfv', length: 4, maxAbsValue: 2n ** 40n, maxContributors: 20, minContributors: 1 };
const ckksJob: AggregationJob = { id: 'bad-input-ckks', scheme: 'ckks', length: 4, maxAbsValue: 1000n, maxContributors: 20, minContributors: 1 };

const bytesOf = (c: Contribution, i = 0): Uint8Array => new Uint8Array(Buffer.from(c.ciphertexts[i] as string, 'base64'));

let keys: { publicKey: Uint8Array; secretKey: Uint8Array };
let good: Contribution[];
const goodValues = [
  [1n, 2n, 3n, 4n],
  [10n, -20n, 30n, -40n],
];

beforeAll(async () => {
  keys = await keysFor(job);
  good = [];
  for (const v of goodValues) good.push(await encryptContribution(job, keys.publicKey, v, holder()));
});

/** An aggregator holding the two good contributions, and a checker that its total did not move. */
async function loaded(threads = 0): Promise<{ agg: Aggregator; unchanged: () => Promise<void> }> {
  const agg = await Aggregator.create(job, keys.publicKey, { threads });
  for (const c of good) await agg.add(c);
  const before = await agg.result();
  return {
    agg,
    unchanged: async () => {
      const now = await agg.result();
      expect(now.count).toBe(before.count);
      expect(now.sumHash).toBe(before.sumHash);
      expect(now.contributions).toEqual(before.contributions);
    },
  };
}

/** Signs arbitrary ciphertext bytes as a fresh (attacker) holder: the signature is valid. */
function signedBytes(bytes: Uint8Array[], target = contributionTarget(job, keys.publicKey)): Contribution {
  return signContribution(target, bytes, holder());
}

describe('aggregator refuses bad contributions, total unchanged', () => {
  it('garbage bytes, garbage text, truncated, oversized, header lies', async () => {
    const { agg, unchanged } = await loaded();
    const ct = bytesOf(good[0] as Contribution);
    const random = new Uint8Array(ct.length);
    for (let i = 0; i < random.length; i += 65536) crypto.getRandomValues(random.subarray(i, i + 65536));
    await expectCode(agg.add(signedBytes([random])), 'AGG_CIPHERTEXT_MALFORMED');
    await expectCode(agg.add(signedBytes([new Uint8Array(10)])), 'AGG_CIPHERTEXT_MALFORMED');
    await expectCode(agg.add(signedBytes([ct.subarray(0, ct.length - 1)])), 'AGG_CIPHERTEXT_MALFORMED');
    await expectCode(agg.add(signedBytes([ct.subarray(0, 200)])), 'AGG_CIPHERTEXT_MALFORMED');
    const bigger = new Uint8Array(ct.length + 3);
    bigger.set(ct);
    await expectCode(agg.add(signedBytes([bigger])), 'AGG_CIPHERTEXT_TOO_LARGE');
    await expectCode(agg.add({ ...signedBytes([ct]), ciphertexts: ['A'.repeat(2_000_000)] }), 'AGG_CIPHERTEXT_TOO_LARGE');
    // Non-base64 text (signed by its holder): decodes to the wrong length.
    const text = await encryptContribution(job, keys.publicKey, [0n, 0n, 0n, 0n], holder());
    await expectCode(agg.add({ ...text, ciphertexts: [`%%%%${(text.ciphertexts[0] as string).slice(4)}`] }), 'AGG_CIPHERTEXT_MALFORMED');
    // A header claiming a huge size, a huge polynomial count: refused before SEAL sees them.
    const lying = new Uint8Array(ct);
    new DataView(lying.buffer).setBigUint64(8, 2n ** 62n, true);
    await expectCode(agg.add(signedBytes([lying])), 'AGG_CIPHERTEXT_MALFORMED');
    const huge = new Uint8Array(ct);
    new DataView(huge.buffer).setBigUint64(49, 2n ** 40n, true);
    await expectCode(agg.add(signedBytes([huge])), 'AGG_PARAMS_MISMATCH');
    const count = new Uint8Array(ct);
    new DataView(count.buffer).setBigUint64(105, 2n ** 50n, true);
    await expectCode(agg.add(signedBytes([count])), 'AGG_CIPHERTEXT_MALFORMED');
    await unchanged();
    await agg.close();
  });

  it('layout-valid but not loadable: coefficient out of range, transparent ciphertext', async () => {
    const { agg, unchanged } = await loaded();
    const ct = bytesOf(good[0] as Contribution);
    const outOfRange = new Uint8Array(ct);
    new DataView(outOfRange.buffer).setBigUint64(113 + 8 * 17, 2n ** 63n, true);
    await expectCode(agg.add(signedBytes([outOfRange])), 'AGG_CIPHERTEXT_MALFORMED');
    const transparent = new Uint8Array(ct);
    transparent.fill(0, 113 + (transparent.length - 113) / 2);
    await expectCode(agg.add(signedBytes([transparent])), 'AGG_CIPHERTEXT_MALFORMED');
    await unchanged();
    await agg.close();
  });

  it('ciphertexts for other parameters: another plain modulus, another scheme', async () => {
    const { agg, unchanged } = await loaded();
    const otherKeys = await keysFor({ ...otherParams, id: 'bad-input-other' });
    const other = await encryptContribution({ ...otherParams, id: 'bad-input-other' }, otherKeys.publicKey, [1n, 2n, 3n, 4n], holder());
    expect(bytesOf(other).length).toBe(bytesOf(good[0] as Contribution).length);
    await expectCode(agg.add(signedBytes([bytesOf(other)])), 'AGG_PARAMS_MISMATCH');
    const ckksKeys = await keysFor(ckksJob);
    const ckks = await encryptContribution(ckksJob, ckksKeys.publicKey, [1, 2, 3, 4], holder());
    await expectCode(agg.add(signedBytes([bytesOf(ckks)])), 'AGG_PARAMS_MISMATCH');
    await unchanged();
    await agg.close();
  });

  it('forged, missing or mismatched signatures; swapped ciphertexts', async () => {
    const { agg, unchanged } = await loaded();
    const fresh = await encryptContribution(job, keys.publicKey, [5n, 5n, 5n, 5n], holder());
    const { sig: _sig, ...unsigned } = fresh;
    await expectCode(agg.add(unsigned), 'AGG_SIGNATURE_INVALID');
    await expectCode(agg.add({ ...fresh, sig: '' }), 'AGG_SIGNATURE_INVALID');
    const flipped = (fresh.sig[0] === 'A' ? 'B' : 'A') + fresh.sig.slice(1);
    await expectCode(agg.add({ ...fresh, sig: flipped }), 'AGG_SIGNATURE_INVALID');
    // Claiming another holder's identity.
    await expectCode(agg.add({ ...fresh, holder: (good[0] as Contribution).holder }), 'AGG_SIGNATURE_INVALID');
    // Tampering with the signed hash.
    await expectCode(agg.add({ ...fresh, ciphertextHash: (good[0] as Contribution).ciphertextHash }), 'AGG_SIGNATURE_INVALID');
    // Valid signature, but the ciphertexts replaced by another valid ciphertext.
    const other = await encryptContribution(job, keys.publicKey, [900n, 900n, 900n, 900n], holder());
    await expectCode(agg.add({ ...fresh, ciphertexts: other.ciphertexts }), 'AGG_CIPHERTEXT_HASH_MISMATCH');
    await unchanged();
    // The untouched contribution is still accepted afterwards.
    await agg.add(fresh);
    expect(agg.count).toBe(3);
    await agg.close();
  });

  it('replays, a holder contributing twice, a ciphertext copied under another holder, capacity', async () => {
    const { agg } = await loaded();
    await expectCode(agg.add(good[0]), 'AGG_REPLAY');
    await expectCode(agg.add(structuredClone(good[1])), 'AGG_REPLAY');
    const h = holder();
    const first = await encryptContribution(job, keys.publicKey, [1n, 1n, 1n, 1n], h);
    await agg.add(first);
    const before = await agg.result();
    const second = await encryptContribution(job, keys.publicKey, [1n, 1n, 1n, 1n], h);
    await expectCode(agg.add(second), 'AGG_DUPLICATE_HOLDER');
    expect((await agg.result()).sumHash).toBe(before.sumHash);
    await agg.close();

    // A verbatim copy of someone's ciphertext under a new holder: refused with the tripwire on.
    const strict = await Aggregator.create(job, keys.publicKey);
    for (const c of good) await strict.add(c);
    const strictBefore = await strict.result();
    await expectCode(strict.add(signedBytes([bytesOf(good[0] as Contribution)])), 'AGG_DUPLICATE_CIPHERTEXT');
    expect((await strict.result()).sumHash).toBe(strictBefore.sumHash);
    await strict.close();
    // With the tripwire off it is folded like any contribution (as a re-randomized copy would be).
    const lax = await Aggregator.create(job, keys.publicKey, { rejectCopiedCiphertexts: false });
    await lax.add(good[0]);
    await lax.add(signedBytes([bytesOf(good[0] as Contribution)]));
    expect(lax.count).toBe(2);
    await lax.close();

    const small: AggregationJob = { ...job, id: 'bad-input-cap', maxContributors: 2 };
    const smallKeys = await keysFor(small);
    const capped = await Aggregator.create(small, smallKeys.publicKey);
    for (let i = 0; i < 2; i++) await capped.add(await encryptContribution(small, smallKeys.publicKey, [1n, 1n, 1n, 1n], holder()));
    const full = await capped.result();
    await expectCode(capped.add(await encryptContribution(small, smallKeys.publicKey, [1n, 1n, 1n, 1n], holder())), 'AGG_CAPACITY_EXCEEDED');
    expect((await capped.result()).sumHash).toBe(full.sumHash);
    await capped.close();
  });

  it('job id, job parameters or public key mismatch; malformed envelopes', async () => {
    const { agg, unchanged } = await loaded();
    const otherJob = { ...job, id: 'another-job' };
    const wrongJob = await encryptContribution(otherJob, keys.publicKey, [1n, 1n, 1n, 1n], holder());
    await expectCode(agg.add(wrongJob), 'AGG_JOB_MISMATCH');
    // Same id, other bounds: the job hash differs.
    const sameIdKeys = await keysFor({ ...otherParams, id: 'bad-input-sameid' });
    const sameId = signContribution({ ...contributionTarget(otherParams, sameIdKeys.publicKey), jobId: job.id }, [bytesOf(good[0] as Contribution)], holder());
    await expectCode(agg.add(sameId), 'AGG_JOB_MISMATCH');
    const otherKey = await keysFor({ ...job, id: 'bad-input' + '-key2' });
    const wrongKey = signContribution(contributionTarget(job, otherKey.publicKey), [bytesOf(good[0] as Contribution)], holder());
    await expectCode(agg.add(wrongKey), 'AGG_KEY_MISMATCH');
    const ok = good[0] as Contribution;
    for (const bad of [
      null,
      42,
      'x',
      [],
      {},
      { ...ok, v: 2 },
      { ...ok, extra: 1 },
      { ...ok, ciphertexts: [] },
      { ...ok, ciphertexts: [1] },
      { ...ok, holder: 'did:web:x' },
      { ...ok, ciphertextHash: 'zz' },
    ]) {
      await expectCode(agg.add(bad), 'AGG_CONTRIBUTION_MALFORMED');
    }
    await unchanged();
    // And the total still decrypts to the sum of the good contributions.
    const release = await decryptAggregate(job, keys.secretKey, await agg.result());
    expect(release.sum).toEqual([11n, -18n, 33n, -36n]);
    await agg.close();
  });

  it('header mutations of a signed ciphertext are always refused (fast-check)', async () => {
    const { agg, unchanged } = await loaded();
    const ct = bytesOf(good[0] as Contribution);
    const codes = new Set(['AGG_CIPHERTEXT_MALFORMED', 'AGG_PARAMS_MISMATCH', 'AGG_CIPHERTEXT_TOO_LARGE']);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 112 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const m = new Uint8Array(ct);
        m[at] = (m[at] as number) ^ xor;
        const err = await agg.add(signedBytes([m])).then(
          () => null,
          (e: { code?: string }) => e.code ?? 'none',
        );
        expect(err !== null && codes.has(err)).toBe(true);
      }),
      { numRuns: 60 },
    );
    await unchanged();
    await agg.close();
  });

  it('worker threads refuse the same inputs with the same codes, total unchanged', async () => {
    const { agg, unchanged } = await loaded(2);
    const ct = bytesOf(good[0] as Contribution);
    const fresh = await encryptContribution(job, keys.publicKey, [5n, 5n, 5n, 5n], holder());
    const other = await encryptContribution(job, keys.publicKey, [900n, 900n, 900n, 900n], holder());
    await expectCode(agg.add({ ...fresh, ciphertexts: other.ciphertexts }), 'AGG_CIPHERTEXT_HASH_MISMATCH');
    await expectCode(agg.add(signedBytes([ct.subarray(0, ct.length - 8)])), 'AGG_CIPHERTEXT_MALFORMED');
    const outOfRange = new Uint8Array(ct);
    new DataView(outOfRange.buffer).setBigUint64(113, 2n ** 63n, true);
    await expectCode(agg.add(signedBytes([outOfRange])), 'AGG_CIPHERTEXT_MALFORMED');
    await expectCode(agg.add(good[0]), 'AGG_REPLAY');
    await unchanged();
    // Submitted in one turn, a bad contribution travels in the same batch as good ones and
    // is refused alone.
    const g1 = await encryptContribution(job, keys.publicKey, [1n, 0n, 0n, 0n], holder());
    const g2 = await encryptContribution(job, keys.publicKey, [0n, 1n, 0n, 0n], holder());
    const settled = await Promise.allSettled([agg.add(g1), agg.add(signedBytes([outOfRange.subarray(0, 100)])), agg.add(g2)]);
    expect(settled.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((settled[1] as PromiseRejectedResult).reason as { code: string }).code).toBe('AGG_CIPHERTEXT_MALFORMED');
    // The holder whose first attempt failed may submit its real contribution.
    await agg.add(fresh);
    const release = await decryptAggregate(job, keys.secretKey, await agg.result());
    expect(release.sum).toEqual([17n, -12n, 38n, -31n]);
    await agg.close();
  });

  // On worker threads the signature is verified by the worker; the codes and their precedence
  // must stay those of the calling thread, and an unverified envelope must not hold a place.
  it.each([0, 2])('signature before replay state before ciphertexts, a forgery in flight blocks nobody (%i worker threads)', async (threads) => {
    const { agg, unchanged } = await loaded(threads);
    const flip = (sig: string): string => (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    const g0 = good[0] as Contribution;
    const g1 = good[1] as Contribution;
    const fresh = await encryptContribution(job, keys.publicKey, [5n, 5n, 5n, 5n], holder());
    const other = await encryptContribution(job, keys.publicKey, [900n, 900n, 900n, 900n], holder());
    await expectCode(agg.add({ ...fresh, sig: flip(fresh.sig) }), 'AGG_SIGNATURE_INVALID');
    // A folded holder claimed with a bad signature, a replay with its signature broken: the signature is reported.
    await expectCode(agg.add({ ...fresh, holder: g0.holder }), 'AGG_SIGNATURE_INVALID');
    await expectCode(agg.add({ ...g0, sig: flip(g0.sig) }), 'AGG_SIGNATURE_INVALID');
    // A replay (valid signature) whose ciphertexts were swapped: the replay is reported, not the hash.
    await expectCode(agg.add({ ...g1, ciphertexts: fresh.ciphertexts }), 'AGG_REPLAY');
    await unchanged();
    // In one turn: a forgery naming fresh's holder, then fresh itself. Only the forgery is refused.
    const settled = await Promise.allSettled([agg.add({ ...other, holder: fresh.holder }), agg.add(fresh)]);
    expect(settled.map((x) => x.status)).toEqual(['rejected', 'fulfilled']);
    expect(((settled[0] as PromiseRejectedResult).reason as { code: string }).code).toBe('AGG_SIGNATURE_INVALID');
    // In one turn: one holder twice. The first is folded, the second refused.
    const h = holder();
    const twice = [await encryptContribution(job, keys.publicKey, [1n, 0n, 0n, 0n], h), await encryptContribution(job, keys.publicKey, [1n, 0n, 0n, 0n], h)];
    const again = await Promise.allSettled(twice.map((c) => agg.add(c)));
    expect(again.map((x) => x.status)).toEqual(['fulfilled', 'rejected']);
    expect(((again[1] as PromiseRejectedResult).reason as { code: string }).code).toBe('AGG_DUPLICATE_HOLDER');
    expect(agg.count).toBe(4);
    const release = await decryptAggregate(job, keys.secretKey, await agg.result());
    expect(release.sum).toEqual([17n, -13n, 38n, -31n]);
    await agg.close();
  });
});

describe('encryption refuses bad values', () => {
  it('out of ±maxAbsValue, wrong length, non-integers for BFV', async () => {
    const h = holder();
    await expectCode(encryptContribution(job, keys.publicKey, [1001n, 0n, 0n, 0n], h), 'AGG_VALUE_OUT_OF_RANGE');
    await expectCode(encryptContribution(job, keys.publicKey, [0n, 0n, 0n, -1001n], h), 'AGG_VALUE_OUT_OF_RANGE');
    await expectCode(encryptContribution(job, keys.publicKey, [0.5, 0n, 0n, 0n], h), 'AGG_VALUE_OUT_OF_RANGE');
    await expectCode(encryptContribution(job, keys.publicKey, [Number.NaN, 0n, 0n, 0n], h), 'AGG_VALUE_OUT_OF_RANGE');
    await expectCode(encryptContribution(job, keys.publicKey, [0n, 0n, 0n], h), 'AGG_LENGTH_MISMATCH');
    await expectCode(encryptContribution(job, keys.publicKey, [0n, 0n, 0n, 0n, 0n], h), 'AGG_LENGTH_MISMATCH');
    await expectCode(encryptContribution(job, new Uint8Array(100), [0n, 0n, 0n, 0n], h), 'AGG_KEY_INVALID');
    await expectCode(encryptContribution(job, keys.secretKey, [0n, 0n, 0n, 0n], h), 'AGG_KEY_INVALID');
    await expectCode(Aggregator.create(job, new Uint8Array(5)), 'AGG_KEY_INVALID');
  });
});

describe('SEAL failures stay coded', () => {
  it('a WebAssembly exception or abort inside a SEAL call becomes a coded error', async () => {
    const { guardSeal } = await import('../src/seal.ts');
    const wasmError = new (globalThis as unknown as { WebAssembly: { RuntimeError: new (m: string) => Error } }).WebAssembly.RuntimeError('Aborted()');
    await expectCode(
      () =>
        guardSeal('AGG_SEAL_FAILURE', 'x', () => {
          throw wasmError;
        }),
      'AGG_SEAL_FAILURE',
    );
    await expectCode(
      () =>
        guardSeal('AGG_CIPHERTEXT_MALFORMED', 'x', () => {
          throw new Error('std::invalid_argument');
        }),
      'AGG_CIPHERTEXT_MALFORMED',
    );
    // Coded errors pass through unchanged.
    await expectCode(
      () =>
        guardSeal('AGG_SEAL_FAILURE', 'x', () => {
          throw Object.assign(new Error('inner'), { name: 'DataLedgerError', code: 'AGG_PARAMS_MISMATCH' });
        }),
      'AGG_PARAMS_MISMATCH',
    );
  });
});

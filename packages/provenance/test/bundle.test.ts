/**
 * JSON Lines bundles: export, streaming replay (verifyBundle) and import. Each kind of bad
 * bundle — truncated, reordered, edited, garbage, foreign checkpoint — gets its code.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize, generateKeyPair, isDataLedgerError } from '@dataledger/core';
import {
  buildRecord,
  cosignCheckpoint,
  cosignerVerifierKey,
  Log,
  memoryStore,
  merkleRoot,
  recordLeafHash,
  signCheckpoint,
  verifierKey,
  verifyBundle,
  workerVerifier,
  type BundleReport,
  type LedgerRecord,
} from '../src/index.ts';
import { BUNDLE_FORMAT } from '../src/bundle.ts';
import { signNote } from '../src/checkpoint.ts';
import { chain, key, logKey, ORIGIN, snapshot, tempDir } from './support/fixtures.ts';

const N = 50;
let log: Log;
let lines: string[]; // each without its trailing newline
const dir = tempDir();
afterAll(() => dir.remove());

beforeAll(async () => {
  log = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
  await log.appendBatch(chain(log.head(), N));
  lines = [];
  for await (const l of log.exportBundle()) {
    expect(l.endsWith('\n')).toBe(true);
    lines.push(l.slice(0, -1));
  }
});

const text = (ls: string[]): string[] => ls.map((l) => `${l}\n`);
const verify = (ls: string[], trustedLogKeys?: string[]): Promise<BundleReport> =>
  verifyBundle(text(ls), trustedLogKeys === undefined ? {} : { trustedLogKeys });
const rec = (i: number): LedgerRecord => JSON.parse(lines[i + 1]!) as LedgerRecord;
const withRecord = (i: number, r: unknown): string[] => lines.map((l, j) => (j === i + 1 ? canonicalize(r) : l));

describe('bundle export', () => {
  it('is a header, one canonical record per line, and the checkpoint note as a JSON string', async () => {
    expect(lines).toHaveLength(N + 2);
    expect(JSON.parse(lines[0]!)).toEqual({ format: BUNDLE_FORMAT, origin: ORIGIN, logKey: log.verifierKey });
    for (let i = 0; i < N; i++) {
      expect(rec(i).index).toBe(i);
      // Each record line is exactly the record's RFC 8785 form (the leaf data).
      expect(lines[i + 1]).toBe(canonicalize(rec(i)));
    }
    expect(JSON.parse(lines[N + 1]!)).toBe(await log.checkpoint());
  });
});

describe('verifyBundle', () => {
  it('accepts the exported bundle from text lines, arbitrary byte chunks and a file stream', async () => {
    const seen: number[] = [];
    const r = await verifyBundle(log.exportBundle(), {
      trustedLogKeys: [log.verifierKey],
      onRecord: (record, index, leafHash) => {
        expect(record.index).toBe(index);
        expect(leafHash).toEqual(recordLeafHash(record));
        seen.push(index);
      },
    });
    expect(r).toMatchObject({ valid: true, size: N, firstBadIndex: null, code: null, logKey: log.verifierKey, trusted: true });
    expect(r.checkpoint).toEqual({ origin: ORIGIN, size: N, rootHash: log.head().rootHash });
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => i));

    const all = Buffer.from(text(lines).join(''), 'utf8');
    for (const size of [1, 7, 4096]) {
      const chunks: Uint8Array[] = [];
      for (let o = 0; o < all.length; o += size) chunks.push(new Uint8Array(all.subarray(o, o + size)));
      expect((await verifyBundle(chunks)).valid).toBe(true);
    }
    const file = join(dir.path, 'bundle.jsonl');
    writeFileSync(file, all);
    const fromFile = await verifyBundle(createReadStream(file, { highWaterMark: 1000 }), { trustedLogKeys: [log.verifierKey] });
    expect(fromFile.valid).toBe(true);
    // No trailing newline on the last line is fine too.
    expect((await verifyBundle([all.toString('utf8').slice(0, -1)])).valid).toBe(true);
  });

  it('without trusted keys, names the header key it used; a forgery is caught by trusted keys', async () => {
    // A forger re-signs everything with their own actor and log keys: self-consistent.
    const forgerLog = await Log.open(memoryStore(), { origin: ORIGIN, logKey: key(66) });
    await forgerLog.appendBatch(chain(forgerLog.head(), 5, [key(67)]));
    const forged: string[] = [];
    for await (const l of forgerLog.exportBundle()) forged.push(l);
    const self = await verifyBundle(forged);
    expect(self).toMatchObject({ valid: true, logKey: forgerLog.verifierKey, trusted: false });
    expect(self.logKey).not.toBe(log.verifierKey);
    const checked = await verifyBundle(forged, { trustedLogKeys: [log.verifierKey] });
    expect(checked).toMatchObject({ valid: false, code: 'BUNDLE_CHECKPOINT_UNTRUSTED', logKey: null });
    // Header claims the real key, checkpoint signed by the forger: untrusted either way.
    const lying = [JSON.stringify({ format: BUNDLE_FORMAT, origin: ORIGIN, logKey: log.verifierKey }), ...forged.slice(1).map((l) => l.trim())];
    expect((await verify(lying)).code).toBe('BUNDLE_CHECKPOINT_UNTRUSTED');
    await forgerLog.close();
  });

  it('foreign checkpoint: another log’s checkpoint in place of ours', async () => {
    const other = await Log.open(memoryStore(), { origin: 'other.example/log', logKey: key(77) });
    await other.appendBatch(chain(other.head(), N));
    const foreign = [...lines.slice(0, -1), JSON.stringify(await other.checkpoint())];
    expect(await verify(foreign)).toMatchObject({ valid: false, code: 'BUNDLE_CHECKPOINT_UNTRUSTED', firstBadIndex: null });
    expect((await verify(foreign, [log.verifierKey, other.verifierKey])).code).toBe('BUNDLE_ORIGIN_MISMATCH');
    // Signed by our key, but for a different origin.
    const sameKeyOtherOrigin = signCheckpoint({ origin: 'x.example/y', size: N, rootHash: log.head().rootHash }, { name: ORIGIN, secretKey: logKey.secretKey });
    expect((await verify([...lines.slice(0, -1), JSON.stringify(sameKeyOtherOrigin)])).code).toBe('BUNDLE_ORIGIN_MISMATCH');
    // A checkpoint that is not a signed note at all.
    expect((await verify([...lines.slice(0, -1), JSON.stringify('not a note')])).code).toBe('BUNDLE_CHECKPOINT_INVALID');
    await other.close();
  });

  it('truncated bundles: BUNDLE_TRUNCATED at the first missing index, or BUNDLE_MALFORMED mid-line', async () => {
    expect(await verify(lines.slice(0, -1))).toMatchObject({ valid: false, code: 'BUNDLE_TRUNCATED', firstBadIndex: N, size: N });
    expect(await verify([...lines.slice(0, 41), lines[N + 1]!])).toMatchObject({ code: 'BUNDLE_TRUNCATED', firstBadIndex: 40, size: 40 });
    expect(await verify(lines.slice(0, 1))).toMatchObject({ code: 'BUNDLE_TRUNCATED', firstBadIndex: 0 });
    expect(await verify([])).toMatchObject({ code: 'BUNDLE_TRUNCATED' });
    const all = text(lines).join('');
    const cut = all.indexOf(lines[30]!) + 100;
    expect(await verifyBundle([all.slice(0, cut)])).toMatchObject({ code: 'BUNDLE_MALFORMED', firstBadIndex: 29 });
  });

  it('extra records beyond the checkpoint: BUNDLE_SIZE_MISMATCH', async () => {
    const early = signCheckpoint({ origin: ORIGIN, size: 40, rootHash: await log.rootHashAt(40) }, { name: ORIGIN, secretKey: logKey.secretKey });
    expect(await verify([...lines.slice(0, -1), JSON.stringify(early)])).toMatchObject({ code: 'BUNDLE_SIZE_MISMATCH', firstBadIndex: 40 });
  });

  it('reordered records: BUNDLE_INDEX_MISMATCH at the first out-of-place line', async () => {
    const swapped = [...lines];
    [swapped[11], swapped[12]] = [swapped[12]!, swapped[11]!];
    expect(await verify(swapped)).toMatchObject({ code: 'BUNDLE_INDEX_MISMATCH', firstBadIndex: 10, size: 10 });
    const dropped = lines.filter((_, j) => j !== 21);
    expect(await verify(dropped)).toMatchObject({ code: 'BUNDLE_INDEX_MISMATCH', firstBadIndex: 20 });
    const duplicated = [...lines.slice(0, 22), lines[21]!, ...lines.slice(22)];
    expect(await verify(duplicated)).toMatchObject({ code: 'BUNDLE_INDEX_MISMATCH', firstBadIndex: 21 });
    // A repeated header is not a record; a repeated checkpoint is data after the checkpoint.
    expect(await verify([lines[0]!, ...lines])).toMatchObject({ valid: false, code: 'BUNDLE_RECORD_MALFORMED', firstBadIndex: 0 });
    expect(await verify([...lines, lines[N + 1]!])).toMatchObject({ valid: false, code: 'BUNDLE_MALFORMED', firstBadIndex: N });
    // The checkpoint moved before the last record.
    const early = [...lines.slice(0, N), lines[N + 1]!, lines[N]!];
    expect(await verify(early)).toMatchObject({ valid: false, code: 'BUNDLE_MALFORMED', firstBadIndex: N - 1 });
  });

  it('edited records: signature, chain, time and root are each caught', async () => {
    const r20 = rec(20);
    expect(await verify(withRecord(20, { ...r20, payload: { n: 20, note: 'edited' } }))).toMatchObject({
      code: 'BUNDLE_SIGNATURE_INVALID',
      firstBadIndex: 20,
    });
    expect(await verify(withRecord(20, { ...r20, type: 'other.type' }))).toMatchObject({ code: 'BUNDLE_SIGNATURE_INVALID', firstBadIndex: 20 });
    // Re-signed by the actor with different content: the next record's prev breaks.
    const resigned = buildRecord({ size: 20, lastLeafHash: recordLeafHash(rec(19)) }, { type: r20.type, payload: { forged: true }, time: r20.time }, key(3));
    expect(await verify(withRecord(20, resigned))).toMatchObject({ code: 'BUNDLE_CHAIN_BROKEN', firstBadIndex: 21 });
    // Everything after re-signed too (all actor keys stolen): only the checkpoint root catches it.
    const rewritten = [...lines.slice(0, 21), canonicalize(resigned)];
    for (const r of chain({ size: 21, lastLeafHash: recordLeafHash(resigned) }, N - 21)) rewritten.push(canonicalize(r));
    rewritten.push(lines[N + 1]!);
    expect(await verify(rewritten)).toMatchObject({ code: 'BUNDLE_ROOT_MISMATCH', firstBadIndex: null, size: N });
    // A record whose time goes backwards.
    const back = buildRecord({ size: 20, lastLeafHash: recordLeafHash(rec(19)) }, { type: 'x', payload: {}, time: '2000-01-01T00:00:00.000Z' }, key(1));
    expect(await verify(withRecord(20, back))).toMatchObject({ code: 'BUNDLE_TIME_ORDER', firstBadIndex: 20 });
    // Shape and size faults.
    expect(await verify(withRecord(5, { ...rec(5), extra: 1 }))).toMatchObject({ code: 'BUNDLE_RECORD_MALFORMED', firstBadIndex: 5 });
    const big = buildRecord({ size: 5, lastLeafHash: recordLeafHash(rec(4)) }, { type: 'x', payload: { b: 'x'.repeat(70_000) }, time: rec(5).time }, key(1));
    expect(await verify(withRecord(5, big))).toMatchObject({ code: 'BUNDLE_PAYLOAD_TOO_LARGE', firstBadIndex: 5 });
  });

  it('garbage: BUNDLE_MALFORMED / BUNDLE_HEADER_INVALID / BUNDLE_LINE_TOO_LONG', async () => {
    expect(await verify(['garbage', ...lines.slice(1)])).toMatchObject({ code: 'BUNDLE_HEADER_INVALID' });
    expect(await verify([JSON.stringify({ format: 'other/v9', origin: ORIGIN, logKey: log.verifierKey }), ...lines.slice(1)])).toMatchObject({
      code: 'BUNDLE_HEADER_INVALID',
    });
    expect(await verify([JSON.stringify({ format: BUNDLE_FORMAT, origin: ORIGIN, logKey: 'nope' }), ...lines.slice(1)])).toMatchObject({
      code: 'BUNDLE_HEADER_INVALID',
    });
    expect(await verify([...lines.slice(0, 8), '{"not":"closed', ...lines.slice(8)])).toMatchObject({ code: 'BUNDLE_MALFORMED', firstBadIndex: 7 });
    expect(await verify([...lines.slice(0, 8), '', ...lines.slice(8)])).toMatchObject({ code: 'BUNDLE_MALFORMED', firstBadIndex: 7 });
    expect(await verify([...lines.slice(0, 8), '[1,2]', ...lines.slice(8)])).toMatchObject({ code: 'BUNDLE_RECORD_MALFORMED', firstBadIndex: 7 });
    expect(await verify([...lines, lines[5]!])).toMatchObject({ code: 'BUNDLE_MALFORMED', firstBadIndex: N });
    // Deeply nested payloads are refused by the JSON reader's depth bound, not a stack overflow.
    const deep = lines[8]!.replace('"payload":{', `"payload":{"deep":${'['.repeat(100_000)}${']'.repeat(100_000)},`);
    expect(await verify([...lines.slice(0, 8), deep, ...lines.slice(9)])).toMatchObject({ code: 'BUNDLE_MALFORMED', firstBadIndex: 7 });
    const bytes = [Buffer.from(text(lines.slice(0, 3)).join('')), Buffer.from([0xff, 0xfe, 0x00, 0x0a])];
    expect(await verifyBundle(bytes)).toMatchObject({ code: 'BUNDLE_MALFORMED', firstBadIndex: null });
    const random = Buffer.alloc(10_000);
    for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) & 0xff;
    expect((await verifyBundle([random])).valid).toBe(false);
    expect(await verifyBundle(text(lines), { maxLineBytes: 200 })).toMatchObject({ code: 'BUNDLE_LINE_TOO_LONG' });
    // A stream that never sends a newline is refused without buffering it all.
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 1000; i++) yield new Uint8Array(64 * 1024).fill(0x41);
    }
    expect(await verifyBundle(endless())).toMatchObject({ code: 'BUNDLE_LINE_TOO_LONG' });
    expect(await verifyBundle(Readable.from([Buffer.from('{}\n')]))).toMatchObject({ code: 'BUNDLE_HEADER_INVALID' });
  });

  it('any single-bit change anywhere in the bundle is rejected', async () => {
    const small = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
    await small.appendBatch(chain(small.head(), 6));
    const parts: string[] = [];
    for await (const l of small.exportBundle()) parts.push(l);
    const all = Buffer.from(parts.join(''), 'utf8');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: all.length * 8 - 1 }), async (bit) => {
        const b = Buffer.from(all);
        b[bit >> 3]! ^= 1 << (bit & 7);
        const r = await verifyBundle([b], { trustedLogKeys: [small.verifierKey] });
        expect(r.valid).toBe(false);
        expect(r.code).toMatch(/^BUNDLE_/);
      }),
      { numRuns: 300, seed: 7 },
    );
    await small.close();
  });

  it('checks every actor signature even where chain, root and the log signature all agree', async () => {
    // A dishonest operator logs a record whose signature is not its actor's, chains the rest
    // onto it and signs a checkpoint over the whole: only the signature check can catch it.
    // bad = -1 is the control: the same construction with every signature honest is valid.
    for (const bad of [-1, 0, 17, N - 1]) {
      const records: LedgerRecord[] = [];
      let head: { size: number; lastLeafHash: Uint8Array | null } = { size: 0, lastLeafHash: null };
      for (let i = 0; i < N; i++) {
        let r = chain(head, 1)[0]!;
        if (i === bad) r = { ...r, sig: chain(head, 1, [key(99)])[0]!.sig }; // well-formed, wrong key
        records.push(r);
        head = { size: i + 1, lastLeafHash: recordLeafHash(r) };
      }
      const root = merkleRoot(records.map(recordLeafHash));
      const note = signCheckpoint({ origin: ORIGIN, size: N, rootHash: root }, { name: ORIGIN, secretKey: logKey.secretKey });
      const bundle = [lines[0]!, ...records.map((r) => canonicalize(r)), JSON.stringify(note)];
      const want =
        bad < 0 ? { valid: true, code: null, firstBadIndex: null, size: N } : { valid: false, code: 'BUNDLE_SIGNATURE_INVALID', firstBadIndex: bad, size: bad };
      expect(await verify(bundle, [log.verifierKey])).toMatchObject(want);
      expect(await verify(bundle)).toMatchObject(want);
      const pool = workerVerifier({ threads: 2 });
      try {
        expect(await verifyBundle(text(bundle), { verifier: pool })).toMatchObject(want);
      } finally {
        await pool.close();
      }
    }
  });

  it('a checkpoint with extra signatures by unknown keys and witnesses still verifies', async () => {
    const note = JSON.parse(lines[N + 1]!) as string;
    const witness = key(120);
    let extra = cosignCheckpoint(note, { name: 'witness.example/w1', secretKey: witness.secretKey, timestamp: 1_700_000_000 });
    // Another Ed25519 signer under the log's own name (another key: same name, other key ID),
    // and one under an odd but valid name.
    for (const name of [ORIGIN, 'w\uFEFF2']) {
      extra += signNote(note.slice(0, note.indexOf('\n\n') + 1), { name, secretKey: key(121).secretKey }).split('\n\n')[1]!;
    }
    expect(extra.split('\n').filter((l) => l.startsWith('\u2014 '))).toHaveLength(4);
    const bundle = [...lines.slice(0, -1), JSON.stringify(extra)];
    expect(await verify(bundle, [log.verifierKey])).toMatchObject({ valid: true, logKey: log.verifierKey, trusted: true, size: N });
    expect(await verify(bundle)).toMatchObject({ valid: true, logKey: log.verifierKey, trusted: false, size: N });
    // Trusting only the other signer under the log's name works too, and names that key.
    const otherKey = verifierKey(ORIGIN, key(121).publicKey);
    expect(await verify(bundle, [otherKey])).toMatchObject({ valid: true, logKey: otherKey });
    // A witness (cosignature, 0x04) key is not a log key: refused as configuration.
    const wKey = cosignerVerifierKey('witness.example/w1', witness.publicKey);
    const err = await verify(bundle, [wKey]).catch((e: unknown) => e);
    expect(isDataLedgerError(err, 'CHECKPOINT_KEY_INVALID')).toBe(true);
  });

  it('refuses bad trusted keys as a configuration error', async () => {
    await expect(verify(lines, [])).rejects.toThrow(TypeError);
    const err = await verify(lines, ['not-a-vkey']).catch((e: unknown) => e);
    expect(isDataLedgerError(err, 'CHECKPOINT_KEY_INVALID')).toBe(true);
  });
});

describe('verifyBundle: one text per bundle (RFC 8785 lines, I-JSON, RFC 7493 §2.3)', () => {
  it('a record line with a fake "payload" first and the real one last is refused with a code', async () => {
    const line = lines[6]!;
    // JSON.parse keeps the last member: the real payload verifies, the fake one is what a
    // careless reader of the same line would show.
    const forged = line.replace('{"actor":', '{"payload":{"forged":true},"actor":');
    expect(Object.keys(JSON.parse(forged) as object)).toHaveLength(8);
    expect(await verify([...lines.slice(0, 6), forged, ...lines.slice(7)])).toMatchObject({ valid: false, code: 'BUNDLE_MALFORMED', firstBadIndex: 5 });
    // Duplicates in the header are refused as well.
    const header = lines[0]!.replace('{"format":', `{"origin":"other","format":`);
    expect(await verify([header, ...lines.slice(1)])).toMatchObject({ valid: false, code: 'BUNDLE_HEADER_INVALID' });
  });

  it('any spelling of a record line other than its RFC 8785 form is BUNDLE_NOT_CANONICAL', async () => {
    const r = rec(9);
    const spellings = [
      // Members in the order records are built, not sorted (RFC 8785 §3.2.3).
      JSON.stringify({ v: r.v, index: r.index, type: r.type, time: r.time, actor: r.actor, prev: r.prev, payload: r.payload, sig: r.sig }),
      JSON.stringify(JSON.parse(lines[10]!), null, 1).replaceAll('\n', ''),
      lines[10]!.replace('"index":9', '"index":9.0'),
      lines[10]!.replace('"index":9', '"index":9e0'),
      lines[10]!.replace('{"actor"', '{ "actor"'),
      `${lines[10]!} `,
      `${lines[10]!}\r`,
      lines[10]!.replace('"v":1', '"\\u0076":1'),
    ];
    for (const spelt of spellings) {
      expect(spelt).not.toBe(lines[10]);
      expect(await verify([...lines.slice(0, 10), spelt, ...lines.slice(11)]), spelt).toMatchObject({
        valid: false,
        code: 'BUNDLE_NOT_CANONICAL',
        firstBadIndex: 9,
      });
    }
    // A payload string written with an escape RFC 8785 would not use.
    const withEscape = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
    await withEscape.append(buildRecord(withEscape.head(), { type: 'x', payload: { s: 'a/b' } }, key(1)));
    const esc: string[] = [];
    for await (const l of withEscape.exportBundle()) esc.push(l.slice(0, -1));
    expect((await verify(esc)).valid).toBe(true);
    expect(await verify([esc[0]!, esc[1]!.replace('a/b', 'a\\/b'), esc[2]!])).toMatchObject({ code: 'BUNDLE_NOT_CANONICAL', firstBadIndex: 0 });
  });
});

describe('verifyBundle: rollback against a trusted checkpoint', () => {
  it('refuses a bundle cut back to an older checkpoint the log really signed, and one that is not an extension', async () => {
    const source = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
    await source.appendBatch(chain(source.head(), 30));
    const exportLines = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const l of source.exportBundle()) out.push(l.slice(0, -1));
      return out;
    };
    const old = await exportLines(); // size 30, genuinely signed
    const oldCheckpoint = (await verify(old, [source.verifierKey])).checkpoint!;
    await source.appendBatch(chain(source.head(), 10)); // later records (a revocation, say)
    const current = await exportLines();
    const trustedCheckpoint = (await verify(current, [source.verifierKey])).checkpoint!;
    const withState = (ls: string[], cp: typeof trustedCheckpoint): Promise<BundleReport> =>
      verifyBundle(text(ls), { trustedLogKeys: [source.verifierKey], trustedCheckpoint: cp });

    // Without a trusted checkpoint, the old bundle verifies: that is the attack.
    expect((await verify(old, [source.verifierKey])).valid).toBe(true);
    expect(await withState(old, trustedCheckpoint)).toMatchObject({ valid: false, code: 'BUNDLE_ROLLBACK' });
    // The same or a newer bundle is fine, and so is any bundle against the empty tree.
    expect(await withState(current, trustedCheckpoint)).toMatchObject({ valid: true, size: 40 });
    expect(await withState(current, oldCheckpoint)).toMatchObject({ valid: true, size: 40 });
    expect(await withState(old, { origin: ORIGIN, size: 0, rootHash: merkleRoot([]) })).toMatchObject({ valid: true });

    // A fork: another history of 40 records, signed by the same log key.
    const fork = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
    await fork.appendBatch(chain(fork.head(), 40, [key(7)]));
    const forked: string[] = [];
    for await (const l of fork.exportBundle()) forked.push(l.slice(0, -1));
    expect((await verify(forked, [source.verifierKey])).valid).toBe(true);
    expect(await withState(forked, oldCheckpoint)).toMatchObject({ valid: false, code: 'BUNDLE_INCONSISTENT' });
    expect(await withState(forked, trustedCheckpoint)).toMatchObject({ valid: false, code: 'BUNDLE_INCONSISTENT' });
    // Another log's checkpoint is no anchor for this one.
    expect(await withState(current, { ...trustedCheckpoint, origin: 'other.example/log' })).toMatchObject({ valid: false, code: 'BUNDLE_INCONSISTENT' });
    await Promise.all([source.close(), fork.close()]);
  });
});

describe('Log.importBundle', () => {
  it('restores a verified bundle into an empty log in one batch', async () => {
    const target = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
    const report = await target.importBundle(text(lines), { trustedLogKeys: [verifierKey(ORIGIN, logKey.publicKey)] });
    expect(report.valid).toBe(true);
    expect(target.head()).toEqual(log.head());
    expect(await target.checkpoint()).toBe(await log.checkpoint());
    expect(await target.inclusionProof(7)).toEqual(await log.inclusionProof(7));
    await target.close();
  });

  it('a bad bundle leaves the log exactly as it was', async () => {
    const store = memoryStore();
    const target = await Log.open(store, { origin: ORIGIN, logKey });
    const before = await snapshot(store);
    const swapped = [...lines];
    [swapped[11], swapped[12]] = [swapped[12]!, swapped[11]!];
    for (const [bundle, code] of [
      [swapped, 'BUNDLE_INDEX_MISMATCH'],
      [lines.slice(0, -1), 'BUNDLE_TRUNCATED'],
      [['garbage'], 'BUNDLE_HEADER_INVALID'],
    ] as const) {
      const err = await target.importBundle(text([...bundle])).catch((e: unknown) => e);
      expect(isDataLedgerError(err, code)).toBe(true);
      expect(await snapshot(store)).toEqual(before);
      expect(target.size).toBe(0);
    }
    const tooMany = await target.importBundle(text(lines), { maxRecords: 10 }).catch((e: unknown) => e);
    expect(isDataLedgerError(tooMany, 'BUNDLE_TOO_LARGE')).toBe(true);
    expect(await snapshot(store)).toEqual(before);
    const other = await Log.open(memoryStore(), { origin: 'other.example/log', logKey });
    const foreign = await other.importBundle(text(lines), { trustedLogKeys: [verifierKey(ORIGIN, logKey.publicKey)] }).catch((e: unknown) => e);
    expect(isDataLedgerError(foreign, 'BUNDLE_ORIGIN_MISMATCH')).toBe(true);
    // By default only this log's own key is trusted: a bundle signed by another key is not restored.
    const otherKey = generateKeyPair();
    const mirror = await Log.open(memoryStore(), { origin: ORIGIN, logKey: otherKey });
    const untrusted = await mirror.importBundle(text(lines)).catch((e: unknown) => e);
    expect(isDataLedgerError(untrusted)).toBe(true);
    expect(mirror.size).toBe(0);
    await mirror.close();
    await target.appendBatch(chain(target.head(), 1));
    const notEmpty = await target.importBundle(text(lines)).catch((e: unknown) => e);
    expect(isDataLedgerError(notEmpty, 'LEDGER_INDEX_MISMATCH')).toBe(true);
    await target.close();
    await other.close();
  });
});

/**
 * @dataledger/core: the figures that justify the choices in ed25519.ts and jcs.ts.
 * - Ed25519 through the default backend (libsodium where it loads), the node:crypto backend and
 *   @noble/curves, each vs raw node:crypto with a prebuilt KeyObject (the least an OpenSSL
 *   verifier can do); signing through the default backend vs raw node:crypto signing.
 * - canonicalize vs JSON.stringify of the same record (plain serialisation, no sorting).
 * - parseJson vs JSON.parse of the same canonical record line: the price of the trust-boundary
 *   reader (duplicate-name and depth checks), and of its strict path (escaped member names).
 */
import { createHash, createPrivateKey, createPublicKey, sign as rawSign, verify as rawVerify } from 'node:crypto';
import { canonicalize, ed25519Backend, generateKeyPair, nobleEd25519, nodeEd25519, parseJson, sha256, sign, verify } from '@dataledger/core';
import { measurePair, type BenchRow } from './harness.ts';

const SUITE = 'core';

export async function run(): Promise<BenchRow[]> {
  const kp = generateKeyPair();
  const msg = new TextEncoder().encode(
    canonicalize({ v: 1, index: 17, type: 'asset.registered', time: '2026-11-26T08:00:00.000Z', payload: { name: 'x'.repeat(200) } }),
  );
  const sig = sign(msg, kp.secretKey);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), kp.publicKey]);
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const record = {
    v: 1,
    index: 17,
    type: 'asset.registered',
    time: '2026-11-26T08:00:00.000Z',
    actor: 'did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2',
    prev: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
    payload: { registrationNumber: 'DA-2026-000017', name: '企业用电数据', classification: 'important', rows: 1200000, tags: ['energy', 'credit'] },
    sig: 'x'.repeat(86),
  };
  const rows: BenchRow[] = [];
  const secret = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), kp.secretKey]), format: 'der', type: 'pkcs8' });
  rows.push(
    await measurePair(SUITE, {
      name: `verify (core, default backend: ${ed25519Backend.name})`,
      fn: () => verify(sig, msg, kp.publicKey),
      anchor: 'raw node:crypto verify, prebuilt KeyObject',
      anchorFn: () => rawVerify(null, msg, key, sig),
    }),
  );
  rows.push(
    await measurePair(SUITE, {
      name: 'verify (core, node:crypto backend)',
      fn: () => nodeEd25519.verify(sig, msg, kp.publicKey),
      anchor: 'raw node:crypto verify, prebuilt KeyObject',
      anchorFn: () => rawVerify(null, msg, key, sig),
    }),
  );
  rows.push(
    await measurePair(SUITE, {
      name: 'verify (@noble/curves backend)',
      fn: () => nobleEd25519.verify(sig, msg, kp.publicKey),
      anchor: 'raw node:crypto verify, prebuilt KeyObject',
      anchorFn: () => rawVerify(null, msg, key, sig),
      time: 500,
    }),
  );
  rows.push(
    await measurePair(SUITE, {
      name: `sign (core, default backend: ${ed25519Backend.name})`,
      fn: () => sign(msg, kp.secretKey),
      anchor: 'raw node:crypto sign, prebuilt KeyObject',
      anchorFn: () => rawSign(null, msg, secret),
      time: 500,
    }),
  );
  rows.push(
    await measurePair(SUITE, {
      name: 'canonicalize(record)',
      fn: () => canonicalize(record),
      anchor: 'JSON.stringify(record)',
      anchorFn: () => JSON.stringify(record),
    }),
  );
  const line = canonicalize(record);
  const escapedNames = line.replace(/"([a-z]+)":/g, (_m, n: string) => `"\\u${n.charCodeAt(0).toString(16).padStart(4, '0')}${n.slice(1)}":`);
  rows.push(
    await measurePair(SUITE, {
      name: 'parseJson(record line)',
      fn: () => parseJson(line),
      anchor: 'JSON.parse(record line)',
      anchorFn: () => JSON.parse(line) as unknown,
    }),
  );
  rows.push(
    await measurePair(SUITE, {
      name: 'parseJson(record line, escaped member names: strict path)',
      fn: () => parseJson(escapedNames),
      anchor: 'JSON.parse(record line)',
      anchorFn: () => JSON.parse(line) as unknown,
    }),
  );
  rows.push(
    await measurePair(SUITE, {
      name: 'sha256 (core)',
      fn: () => sha256(msg),
      anchor: 'raw node:crypto createHash',
      anchorFn: () => createHash('sha256').update(msg).digest(),
    }),
  );
  return rows;
}

/**
 * An independent implementation of VC-DI-EdDSA §3.3 (eddsa-jcs-2022), written from the
 * spec steps for cross-checking: its own JCS for plain JSON, its own base58btc (BigInt),
 * node:crypto SHA-256 and @noble/curves Ed25519. Shares no code with the package.
 */
import { createHash } from 'node:crypto';
import { ed25519 as noble } from '@noble/curves/ed25519.js';

// ---- An independent implementation, from the VC-DI-EdDSA §3.3 steps -----------------
// JCS for the documents used here (strings, integers, booleans, arrays, objects): keys sorted
// by UTF-16 code units (RFC 8785 §3.2.3), JSON.stringify for scalars (ECMAScript serialisation).
export function jcs(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(jcs).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function b58decode(s: string): Uint8Array {
  let n = 0n;
  for (const c of s) n = n * 58n + BigInt(ALPHABET.indexOf(c));
  const hex = n.toString(16).padStart(2, '0');
  const body = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  let zeros = 0;
  while (s[zeros] === '1') zeros++;
  return new Uint8Array(Buffer.concat([Buffer.alloc(zeros), body]));
}
function b58encode(bytes: Uint8Array): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}
const sha = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
function referenceHashData(doc: Record<string, unknown>, proofOptions: Record<string, unknown>): Uint8Array {
  // §3.3.3 transformation, §3.3.5 configuration, §3.3.4 hashing.
  return new Uint8Array(Buffer.concat([sha(jcs(proofOptions)), sha(jcs(doc))]));
}
export function referenceVerify(secured: Record<string, unknown>): boolean {
  // §3.3.2: drop proof, drop proofValue, decode multibase, resolve did:key, verify.
  const { proof, ...doc } = secured as { proof: Record<string, unknown> };
  const { proofValue, ...options } = proof;
  if (options.type !== 'DataIntegrityProof' || options.cryptosuite !== 'eddsa-jcs-2022') return false;
  if (options['@context'] !== undefined) (doc as Record<string, unknown>)['@context'] = options['@context'];
  const vm = options.verificationMethod as string;
  const multikey = b58decode(vm.slice(vm.indexOf('#') + 2));
  if (multikey[0] !== 0xed || multikey[1] !== 0x01) return false;
  const sig = b58decode((proofValue as string).slice(1));
  return noble.verify(sig, referenceHashData(doc, options), multikey.slice(2));
}
export function referenceSign(doc: Record<string, unknown>, sk: Uint8Array, vm: string, created: string): Record<string, unknown> {
  // §3.3.1: proof = options (+ @context of the document), sign hashData, base58btc multibase.
  const options: Record<string, unknown> = {
    type: 'DataIntegrityProof',
    cryptosuite: 'eddsa-jcs-2022',
    created,
    verificationMethod: vm,
    proofPurpose: 'assertionMethod',
    '@context': doc['@context'],
  };
  const sig = noble.sign(referenceHashData(doc, options), sk);
  return { ...doc, proof: { ...options, proofValue: `z${b58encode(sig)}` } };
}

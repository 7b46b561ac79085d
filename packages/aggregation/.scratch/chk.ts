import { generateKeyPair, canonicalBytes, publicKeyFromDidKey, isDidKey, verify, fromBase64Url, sha256, fromBase64 } from '@dataledger/core';
import { signContribution } from '../src/index.ts';
const c = signContribution({ jobId: 'x', jobHash: 'h'.repeat(43) + '=', keyHash: 'k'.repeat(43) + '=' }, [new Uint8Array(1000)], { secretKey: generateKeyPair().secretKey });
function time(name: string, n: number, f: () => unknown) { for (let i = 0; i < 200; i++) f(); const t = performance.now(); for (let i = 0; i < n; i++) f(); console.log(name, ((performance.now() - t) / n * 1000).toFixed(1), 'us'); }
const body = { v: c.v, type: c.type, jobId: c.jobId, jobHash: c.jobHash, keyHash: c.keyHash, holder: c.holder, ciphertextHash: c.ciphertextHash };
time('canonicalBytes', 2000, () => canonicalBytes(body));
time('isDidKey', 2000, () => isDidKey(c.holder));
time('publicKeyFromDidKey', 2000, () => publicKeyFromDidKey(c.holder));
const pk = publicKeyFromDidKey(c.holder); const msg = canonicalBytes(body); const sig = fromBase64Url(c.sig);
time('verify', 2000, () => verify(sig, msg, pk));
time('fromBase64Url', 2000, () => fromBase64Url(c.sig));
time('sha256 small', 2000, () => sha256(msg));
time('fromBase64 32', 2000, () => fromBase64(c.ciphertextHash));

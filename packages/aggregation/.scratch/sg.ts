import { generateKeyPair, getPublicKey, sign, didKeyFromPublicKey, canonicalBytes, sha256 } from '@dataledger/core';
const kp = generateKeyPair(); const msg = new Uint8Array(300);
const big = new Uint8Array(524401);
function time(name: string, n: number, f: () => unknown) { for (let i = 0; i < 100; i++) f(); const t = performance.now(); for (let i = 0; i < n; i++) f(); console.log(name, ((performance.now() - t) / n * 1000).toFixed(1), 'us'); }
time('getPublicKey', 1000, () => getPublicKey(kp.secretKey));
time('didKey', 1000, () => didKeyFromPublicKey(kp.publicKey));
time('sign', 1000, () => sign(msg, kp.secretKey));
time('sha256 big', 300, () => sha256(big));
time('b64 big', 300, () => Buffer.from(big.buffer, big.byteOffset, big.byteLength).toString('base64'));

import { createHash, generateKeyPairSync, sign, verify, randomBytes } from 'node:crypto';
const buf = randomBytes(524401);
const b64 = buf.toString('base64');
function time(name: string, n: number, f: () => void) { f(); const t = performance.now(); for (let i = 0; i < n; i++) f(); console.log(name, ((performance.now() - t) / n).toFixed(4), 'ms'); }
time('sha256', 200, () => createHash('sha256').update(buf).digest());
time('sha512', 200, () => createHash('sha512').update(buf).digest());
time('b64 decode', 200, () => Buffer.from(b64, 'base64'));
time('b64 encode', 200, () => buf.toString('base64'));
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const sig = sign(null, buf, privateKey);
time('ed25519 verify 524KB', 200, () => verify(null, buf, publicKey, sig));
const small = randomBytes(200); const sig2 = sign(null, small, privateKey);
time('ed25519 verify small', 2000, () => verify(null, small, publicKey, sig2));
// JS add mod q
const q = [8796092858369, 8796092792833, 17592186028033, 17592185438209];
const n = 8192, k = 4;
const acc = new Float64Array(2 * k * n);
const data = new Uint8Array(2*k*n*8);
const dv = new DataView(data.buffer);
for (let p = 0; p < 2; p++) for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) { const v = Math.floor(Math.random() * q[j]); const off = ((p*k+j)*n+i)*8; dv.setUint32(off, v % 2**32, true); dv.setUint32(off+4, Math.floor(v / 2**32), true); }
time('js add (u32 view)', 500, () => {
  const u = new Uint32Array(data.buffer, data.byteOffset, data.length / 4);
  let idx = 0;
  for (let p = 0; p < 2; p++) for (let j = 0; j < k; j++) { const qj = q[j]; for (let i = 0; i < n; i++, idx++) { const v = u[2*idx] + u[2*idx+1] * 4294967296; if (v >= qj) throw new Error('range'); let s = acc[idx] + v; if (s >= qj) s -= qj; acc[idx] = s; } }
});
const big = new BigUint64Array(2*k*n);
time('js add (bigint)', 50, () => {
  const u = new BigUint64Array(data.buffer, data.byteOffset, data.length / 8);
  let idx = 0;
  for (let p = 0; p < 2; p++) for (let j = 0; j < k; j++) { const qj = BigInt(q[j]); for (let i = 0; i < n; i++, idx++) { const v = u[idx]; if (v >= qj) throw new Error('range'); let s = big[idx] + v; if (s >= qj) s -= qj; big[idx] = s; } }
});

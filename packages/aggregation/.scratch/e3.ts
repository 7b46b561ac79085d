import SEAL from 'node-seal';
const seal = await SEAL();
function mk(scheme: 'bfv'|'ckks') {
const parms = new seal.EncryptionParameters(scheme==='bfv'? seal.SchemeType.bfv : seal.SchemeType.ckks);
parms.setPolyModulusDegree(8192);
if (scheme==='bfv') { parms.setCoeffModulus(seal.CoeffModulus.BFVDefault(8192, seal.SecLevelType.tc128)); parms.setPlainModulus(seal.PlainModulus.Batching(8192, 20)); }
else parms.setCoeffModulus(seal.CoeffModulus.Create(8192, new Int32Array([60,40,40,60])));
return new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
}
const h = (a: Uint8Array, n=140) => Buffer.from(a.slice(0,n)).toString('hex').match(/.{1,32}/g);
for (const s of ['bfv','ckks'] as const) {
  const ctx = mk(s);
  const kg = new seal.KeyGenerator(ctx);
  const pk = kg.createPublicKey(); const sk = kg.secretKey();
  const pkb = pk.saveToArray(seal.ComprModeType.none); const skb = sk.saveToArray(seal.ComprModeType.none);
  console.log(s, 'pk', pkb.length, h(pkb), 'keyParms', ctx.keyParmsId().values());
  console.log(s, 'sk', skb.length, h(skb));
  const pkb2 = kg.createPublicKey().saveToArray(seal.ComprModeType.none);
  const enc = new seal.Encryptor(ctx, pk);
  const pt = new seal.Plaintext(); const ct = new seal.Ciphertext();
  if (s==='bfv') new seal.BatchEncoder(ctx).encode(new BigInt64Array(8192), pt); else new seal.CKKSEncoder(ctx).encode(new Float64Array(4096).fill(1.5), 2**40, pt);
  enc.encrypt(pt, ct);
  const cb = ct.saveToArray(seal.ComprModeType.none);
  console.log(s, 'ct', cb.length, h(cb), ctx.firstParmsId().values());
  // try loading with fresh public key via separate KeyGenerator
  const pk3 = new seal.PublicKey(); pk3.loadFromArray(ctx, pkb); console.log('reloaded pk ok');
  // garbage loads
  for (const bad of [new Uint8Array(10), cb.slice(0, 1000), new Uint8Array(cb.length)]) {
    try { const c = new seal.Ciphertext(); c.loadFromArray(ctx, bad); console.log('loaded?!'); } catch (e) { console.log('load err', (e as any)?.constructor?.name, String(e).slice(0,100)); }
  }
}

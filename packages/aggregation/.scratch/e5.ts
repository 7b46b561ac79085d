import SEAL from 'node-seal';
const seal = await SEAL();
for (let b = 14; b <= 24; b++) { try { const m = seal.PlainModulus.Batching(8192, b); console.log(b, m.value()); } catch (e) { console.log(b, 'fail'); } }

// The comparison verifier of bench/certificates.bench.ts ships no type declarations; the bench
// uses it through a few calls only.
declare module '@digitalbazaar/data-integrity';
declare module '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
declare module 'jsonld-signatures';

import { describe, expect, it, vi } from 'vitest';
import { httpbis } from 'http-message-signatures';
import { didKeyFromPublicKey, fromBase64Url, generateKeyPair, getPublicKey, sign, toBase64, verify } from '@dataledger/core';
import { contentDigest, contentDigestMatches, NonceCache, signRequest, verifyRequest, verifySignedRequest } from '../src/httpsig.ts';
import { codeOf } from '../../../test/support/codes.ts';

// RFC 9421 Appendix B.1.4 (test-key-ed25519) and B.2.6 (signing a request using ed25519).
const RFC_SEED = fromBase64Url('n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU');
const RFC_PUBLIC = fromBase64Url('JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs');
const RFC_REQUEST = {
  method: 'POST',
  url: 'https://example.com/foo?param=Value&Pet=dog',
  headers: {
    Host: 'example.com',
    Date: 'Tue, 20 Apr 2021 02:07:55 GMT',
    'Content-Type': 'application/json',
    'Content-Digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    'Content-Length': '18',
  },
};
const RFC_B26_BASE = [
  '"date": Tue, 20 Apr 2021 02:07:55 GMT',
  '"@method": POST',
  '"@path": /foo',
  '"@authority": example.com',
  '"content-type": application/json',
  '"content-length": 18',
  '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
].join('\n');
const RFC_B26_SIGNATURE = 'wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==';

describe('RFC 9421 Appendix B.2.6 (ed25519)', () => {
  it('the key pair is the RFC test key', () => {
    expect(toBase64(getPublicKey(RFC_SEED))).toBe(toBase64(RFC_PUBLIC));
  });

  it('builds the published signature base and our Ed25519 reproduces the published signature', async () => {
    const signed = await httpbis.signMessage(
      {
        key: { id: 'test-key-ed25519', sign: async (d: Buffer) => Buffer.from(sign(new Uint8Array(d), RFC_SEED)) },
        fields: ['date', '@method', '@path', '@authority', 'content-type', 'content-length'],
        params: ['created', 'keyid'],
        paramValues: { created: new Date(1618884473 * 1000) },
        name: 'sig-b26',
      },
      RFC_REQUEST,
    );
    expect((signed.headers as Record<string, string>)['Signature-Input']).toBe(
      'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
    );
    expect((signed.headers as Record<string, string>)['Signature']).toBe(`sig-b26=:${RFC_B26_SIGNATURE}:`);
    // and the published signature verifies over the published base with node:crypto
    expect(verify(Buffer.from(RFC_B26_SIGNATURE, 'base64'), new TextEncoder().encode(RFC_B26_BASE), RFC_PUBLIC)).toBe(true);
  });
});

describe('RFC 9530 Content-Digest', () => {
  it('matches the RFC 9530 sha-256 example', () => {
    expect(contentDigest('{"hello": "world"}\n')).toBe('sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:');
    expect(contentDigestMatches('sha-512=:abc=:, sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:', '{"hello": "world"}\n')).toBe(true);
    expect(contentDigestMatches('sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:', '{"hello": "world"}')).toBe(false);
    expect(contentDigestMatches('garbage', '')).toBe(false);
  });
});

describe('signRequest / verifyRequest', () => {
  const key = generateKeyPair();
  const did = didKeyFromPublicKey(key.publicKey);
  const base = { method: 'GET', url: 'http://127.0.0.1:8080/v1/assets/A-1?x=1', headers: { host: '127.0.0.1:8080' } };

  it('round-trips and names the did:key signer', async () => {
    const headers = await signRequest(base, key);
    expect(headers['Signature-Input']).toContain(`keyid="${did}"`);
    expect(headers['Signature-Input']).toContain('alg="ed25519"');
    expect(await verifyRequest({ ...base, headers })).toBe(did);
  });

  it('covers method, authority, path and query', async () => {
    const headers = await signRequest(base, key);
    expect(await codeOf(verifyRequest({ ...base, method: 'DELETE', headers }))).toBe('HTTP_SIGNATURE_INVALID');
    expect(await codeOf(verifyRequest({ ...base, url: 'http://127.0.0.1:8080/v1/assets/A-2?x=1', headers }))).toBe('HTTP_SIGNATURE_INVALID');
    expect(await codeOf(verifyRequest({ ...base, url: 'http://127.0.0.1:8080/v1/assets/A-1?x=2', headers }))).toBe('HTTP_SIGNATURE_INVALID');
    expect(await codeOf(verifyRequest({ ...base, url: 'http://evil:8080/v1/assets/A-1?x=1', headers }))).toBe('HTTP_SIGNATURE_INVALID');
  });

  it('refuses missing, expired, future, foreign-alg and non-did signatures', async () => {
    expect(await codeOf(verifyRequest(base))).toBe('HTTP_SIGNATURE_MISSING');
    const old = await signRequest(base, key, { created: new Date(Date.now() - 3600_000) });
    expect(await codeOf(verifyRequest({ ...base, headers: old }))).toBe('HTTP_SIGNATURE_INVALID');
    const future = await signRequest(base, key, { created: new Date(Date.now() + 3600_000) });
    expect(await codeOf(verifyRequest({ ...base, headers: future }))).toBe('HTTP_SIGNATURE_INVALID');
    const good = await signRequest(base, key);
    const noSig = { ...good };
    delete noSig['Signature'];
    expect(await codeOf(verifyRequest({ ...base, headers: noSig }))).toBe('HTTP_SIGNATURE_INVALID');
    const alg = { ...good, 'Signature-Input': (good['Signature-Input'] as string).replace('ed25519', 'hmac-sha256') };
    expect(await codeOf(verifyRequest({ ...base, headers: alg }))).toBe('HTTP_SIGNATURE_INVALID');
    const kid = { ...good, 'Signature-Input': (good['Signature-Input'] as string).replace(did, 'test-key') };
    expect(await codeOf(verifyRequest({ ...base, headers: kid }))).toBe('HTTP_SIGNATURE_INVALID');
    const other = didKeyFromPublicKey(generateKeyPair().publicKey);
    const swapped = { ...good, 'Signature-Input': (good['Signature-Input'] as string).replace(did, other) };
    expect(await codeOf(verifyRequest({ ...base, headers: swapped }))).toBe('HTTP_SIGNATURE_INVALID');
    for (const junk of ['', 'sig=', 'sig=()', '((((', 'sig=("@method");created=abc', 'a'.repeat(5000)]) {
      expect(await codeOf(verifyRequest({ ...base, headers: { ...good, 'Signature-Input': junk } }))).toBe('HTTP_SIGNATURE_INVALID');
    }
  });

  it('refuses a correctly signed signature whose created/expires are not integers (it would never expire)', async () => {
    const u = new URL(base.url);
    const now = Math.floor(Date.now() / 1000);
    const signedWith = (times: string): Record<string, string> => {
      const params = `("@method" "@authority" "@path" "@query");${times};keyid="${did}";alg="ed25519"`;
      const sigBase = `"@method": GET\n"@authority": ${u.host}\n"@path": ${u.pathname}\n"@query": ${u.search}\n"@signature-params": ${params}`;
      const sig = toBase64(sign(new TextEncoder().encode(sigBase), key.secretKey));
      return { ...base.headers, 'signature-input': `sig=${params}`, signature: `sig=:${sig}:` };
    };
    // the hand-built base is right: with integer times it verifies
    expect(await verifyRequest({ ...base, headers: signedWith(`created=${now};expires=${now + 60}`) })).toBe(did);
    for (const times of ['created="abc";expires="never"', 'created=1;expires="never"', `created=${now};expires="x"`]) {
      expect(await codeOf(verifyRequest({ ...base, headers: signedWith(times) })), times).toBe('HTTP_SIGNATURE_INVALID');
    }
  });

  it('refuses a Content-Digest with two sha-256 members', () => {
    const d = contentDigest('{"a":1}');
    expect(contentDigestMatches(d, '{"a":1}')).toBe(true);
    expect(contentDigestMatches(`${d}, ${contentDigest('{"a":2}')}`, '{"a":1}')).toBe(false);
  });

  it('refuses a second, unverifiable signature riding along', async () => {
    const good = await signRequest(base, key);
    const two = {
      ...good,
      'Signature-Input': `${good['Signature-Input'] as string}, other=("@method");created=1`,
      Signature: `${good['Signature'] as string}, other=:AAAA:`,
    };
    expect(await codeOf(verifyRequest({ ...base, headers: two }))).toBe('HTTP_SIGNATURE_INVALID');
  });

  it('binds the body through Content-Digest', async () => {
    const req = { method: 'POST', url: 'http://127.0.0.1/v1/x', headers: { host: '127.0.0.1' }, body: '{"a":1}' };
    const headers = await signRequest(req, key, { nonce: 'n-1' });
    expect(headers['content-digest']).toBe(contentDigest('{"a":1}'));
    expect(headers['Signature-Input']).toContain('"content-digest"');
    expect(headers['Signature-Input']).toContain('nonce="n-1"');
    expect(await verifyRequest({ ...req, headers })).toBe(did);
    expect(await codeOf(verifyRequest({ ...req, body: '{"a":2}', headers }))).toBe('HTTP_DIGEST_MISMATCH');
    // a digest that matches the new body but is not the signed one
    const forged = { ...headers, 'content-digest': contentDigest('{"a":2}') };
    expect(await codeOf(verifyRequest({ ...req, body: '{"a":2}', headers: forged }))).toBe('HTTP_SIGNATURE_INVALID');
    // a signature that does not cover the digest is refused for a request with a body
    const bare = await signRequest({ ...req, body: undefined } as never, key);
    expect(await codeOf(verifyRequest({ ...req, headers: { ...bare, 'content-digest': contentDigest('{"a":1}') } }))).toBe('HTTP_SIGNATURE_INVALID');
  });
});

describe('nonces (RFC 9421 §2.3, §7.2.2 replay)', () => {
  const key = generateKeyPair();
  const base = { method: 'GET', url: 'http://127.0.0.1:8080/v1/assets/A-1', headers: { host: '127.0.0.1:8080' } };

  it('every signature carries a fresh nonce', async () => {
    const a = (await signRequest(base, key))['Signature-Input'] as string;
    const b = (await signRequest(base, key))['Signature-Input'] as string;
    const nonceOf = (s: string): string | undefined => /;nonce="([^"]+)"/.exec(s)?.[1];
    expect(nonceOf(a)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(nonceOf(a)).not.toBe(nonceOf(b));
  });

  it('with a nonce cache, a signature is accepted once; a signature without a nonce is refused', async () => {
    const nonces = new NonceCache();
    const headers = await signRequest(base, key);
    const v = await verifySignedRequest({ ...base, headers }, { nonces });
    expect(v.signer).toBe(didKeyFromPublicKey(key.publicKey));
    expect(await codeOf(verifySignedRequest({ ...base, headers }, { nonces }))).toBe('HTTP_NONCE_REPLAYED');
    // the same nonce by another signer is another request
    expect((await verifySignedRequest({ ...base, headers: await signRequest(base, generateKeyPair(), { nonce: v.nonce as string }) }, { nonces })).nonce).toBe(
      v.nonce,
    );
    const u = new URL(base.url);
    const now = Math.floor(Date.now() / 1000);
    const did = didKeyFromPublicKey(key.publicKey);
    const params = `("@method" "@authority" "@path" "@query");created=${now};expires=${now + 60};keyid="${did}";alg="ed25519"`;
    const sigBase = `"@method": GET\n"@authority": ${u.host}\n"@path": ${u.pathname}\n"@query": ?\n"@signature-params": ${params}`;
    const sig = toBase64(sign(new TextEncoder().encode(sigBase), key.secretKey));
    const noNonce = { ...base.headers, 'signature-input': `sig=${params}`, signature: `sig=:${sig}:` };
    expect(await verifyRequest({ ...base, headers: noNonce })).toBe(did); // a valid signature…
    expect(await codeOf(verifySignedRequest({ ...base, headers: noNonce }, { nonces }))).toBe('HTTP_NONCE_MISSING'); // …that could be replayed
  });

  it('remembers a nonce through the last second its signature is accepted (whole seconds, RFC 9421 §2.3)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const created = 1_700_000_000;
      vi.setSystemTime(created * 1000);
      const nonces = new NonceCache();
      const headers = await signRequest(base, key, { created: new Date(created * 1000), expires: new Date((created + 10) * 1000) });
      await verifySignedRequest({ ...base, headers }, { nonces });
      // expires + tolerance (5 s) is still acceptable during its whole second: the replay is refused
      vi.setSystemTime((created + 15) * 1000 + 900);
      expect(await codeOf(verifySignedRequest({ ...base, headers }))).toBe('OK');
      expect(await codeOf(verifySignedRequest({ ...base, headers }, { nonces }))).toBe('HTTP_NONCE_REPLAYED');
      // a second later the signature itself has expired
      vi.setSystemTime((created + 16) * 1000);
      expect(await codeOf(verifySignedRequest({ ...base, headers }, { nonces }))).toBe('HTTP_SIGNATURE_INVALID');
    } finally {
      vi.useRealTimers();
    }
  });

  it('remembers a nonce for the signature lifetime only, and refuses new reads rather than forget a live nonce when full', () => {
    let now = 1_000_000;
    const cache = new NonceCache(2, () => now);
    cache.use('k', 'a', now + 300_000);
    expect(() => cache.use('k', 'a', now + 300_000)).toThrow(expect.objectContaining({ code: 'HTTP_NONCE_REPLAYED' }));
    cache.use('k', 'b', now + 300_000);
    expect(() => cache.use('k', 'c', now + 300_000)).toThrow(expect.objectContaining({ code: 'HTTP_RATE_LIMITED' }));
    now += 300_001;
    cache.use('k', 'c', now + 300_000);
    expect(cache.size).toBe(1);
    // after its lifetime, a signature is refused by its expiry anyway; its nonce may be reused
    cache.use('k', 'a', now + 300_000);
  });
});

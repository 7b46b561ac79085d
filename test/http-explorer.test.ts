/**
 * The explorer routes over real HTTP on 127.0.0.1 (issue 12: "a page served by the service at
 * `/`, the API keeps its paths, no CDN, a strict Content-Security-Policy, no inline scripts").
 * The page itself is exercised in Chromium by explorer.browser.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './support/http-ledger.ts';

const EXPLORER = fileURLToPath(new URL('../packages/explorer/', import.meta.url));

let s: Server;
let bare: Server;

beforeAll(async () => {
  if (!existsSync(`${EXPLORER}dist/index.html`)) execFileSync(process.execPath, [`${EXPLORER}build.ts`], { stdio: 'ignore' });
  s = await startServer();
  bare = await startServer(undefined, { explorerDir: false });
}, 60_000);
afterAll(async () => {
  await s.destroy();
  await bare.destroy();
});

function cspOf(res: Response): Map<string, string> {
  const csp = res.headers.get('content-security-policy') ?? '';
  return new Map(
    csp.split(';').map(
      (d) =>
        d
          .trim()
          .split(/\s+(.*)/s)
          .slice(0, 2) as [string, string],
    ),
  );
}

describe('GET /', () => {
  it('serves the built page with a strict CSP: same-origin only, no inline script, no eval, no framing', async () => {
    const res = await fetch(`${s.base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = cspOf(res);
    expect(csp.get('default-src')).toBe("'self'");
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    expect(csp.get('object-src')).toBe("'none'");
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-|https?:|\*/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toBe(readFileSync(`${EXPLORER}dist/index.html`, 'utf8'));
    // every script is an external file of this origin; nothing is fetched from elsewhere
    expect(html).not.toMatch(/<script(?![^>]*\bsrc="\/)[^>]*>/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  });

  it('serves the assets the page names, gzip when asked, and 304 on a matching ETag', async () => {
    const html = await (await fetch(`${s.base}/`)).text();
    const refs = [...html.matchAll(/(?:src|href)="(\/explorer\/[^"]+)"/g)].map((m) => m[1] as string);
    expect(refs).toEqual(expect.arrayContaining(['/explorer/app.js', '/explorer/app.css']));
    for (const ref of refs) {
      const res = await fetch(`${s.base}${ref}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).not.toBeNull();
      expect(Buffer.from(await res.arrayBuffer())).toEqual(readFileSync(`${EXPLORER}dist/${ref.slice('/explorer/'.length)}`));
    }
    expect((await fetch(`${s.base}/explorer/app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    // undici decodes gzip itself; ask through a raw request to see the encoding
    const { request } = await import('node:http');
    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      request(`${s.base}/explorer/app.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(raw.body)).toEqual(readFileSync(`${EXPLORER}dist/app.js`));
    const etag = (await fetch(`${s.base}/explorer/app.js`)).headers.get('etag') as string;
    expect((await fetch(`${s.base}/explorer/app.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('answers unknown or malformed asset names with a problem, and leaves the API paths as they were', async () => {
    for (const name of ['nope.js', 'index.html', '..%2Fpackage.json', '.%2E%2F.%2E%2Fpackage.json']) {
      const res = await fetch(`${s.base}/explorer/${name}`);
      expect([400, 404]).toContain(res.status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await (await fetch(`${s.base}/explorer/nope.js`)).json()).code).toBe('HTTP_NOT_FOUND');
    const key = await fetch(`${s.base}/v1/log/key`);
    expect(key.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await key.text()).trim()).toBe(s.service.logVerifierKey);
    expect((await fetch(`${s.base}/health`)).status).toBe(200);
  });

  it('serves no page when the service is built without one', async () => {
    const res = await fetch(`${bare.base}/`);
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe('HTTP_NOT_FOUND');
  });
});

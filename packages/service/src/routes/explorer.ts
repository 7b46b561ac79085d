/**
 * The web explorer (packages/explorer) at `/`: its built static assets, served from memory
 * under a strict Content-Security-Policy (CSP Level 3: scripts, styles and reads from this
 * origin only, no inline script, no eval, no framing). The page verifies certificates and
 * proofs itself with the bundled dataledger libraries; these routes only hand out files.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ServiceError } from '../problem.ts';
import { ERROR_RESPONSES } from '../schemas.ts';

/** The Content-Security-Policy of every explorer response. */
export const EXPLORER_CSP: string = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  etag: string;
  /** Content-hashed chunk names never change content: cache them for good. */
  immutable: boolean;
}

/**
 * The explorer's build directory: `@dataledger/explorer/dist` when the package is installed
 * beside the service (npm workspaces), or null.
 */
export function defaultExplorerDir(): string | null {
  try {
    return join(dirname(fileURLToPath(import.meta.resolve('@dataledger/explorer/package.json'))), 'dist');
  } catch {
    return null;
  }
}

function loadAssets(dir: string | null): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (dir === null || !existsSync(join(dir, 'index.html'))) return assets;
  for (const name of readdirSync(dir)) {
    const ext = name.slice(name.lastIndexOf('.'));
    const type = TYPES[ext];
    if (type === undefined || !/^[A-Za-z0-9._-]+$/.test(name)) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name, {
      body,
      gzip: gzipSync(body, { level: 9 }),
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      immutable: name.startsWith('chunk-'),
    });
  }
  return assets;
}

function send(req: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply
    .header('content-security-policy', EXPLORER_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('etag', asset.etag)
    .header('vary', 'accept-encoding')
    .type(asset.type);
  if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  if (gzip) reply.header('content-encoding', 'gzip');
  return reply.send(gzip ? asset.gzip : asset.body);
}

/** Options of {@link explorerRoutes}. */
export interface ExplorerRoutesOptions {
  /** The explorer's build directory; null when it is not installed (the routes answer 404). */
  dir: string | null;
}

/** The explorer plugin: `GET /` (the page) and `GET /explorer/{file}` (its assets). */
export async function explorerRoutes(app: FastifyInstance, opts: ExplorerRoutesOptions): Promise<void> {
  const assets = loadAssets(opts.dir);
  const tags = ['explorer'];
  const missing = (): ServiceError => new ServiceError('HTTP_NOT_FOUND', 'the explorer is not built: run `npm run build -w packages/explorer`');

  app.get(
    '/',
    {
      schema: {
        operationId: 'getExplorerPage',
        summary: 'The web explorer: verifies certificates and log proofs in the browser (text/html)',
        description:
          'A static page under a strict Content-Security-Policy. It reads the public log routes and verifies everything itself ' +
          'against the log key the reader pins; it never uses a verdict of this service.',
        tags,
        produces: ['text/html'],
        response: {
          200: Type.String({ description: 'the explorer page', examples: ['<!doctype html><html lang="en">…</html>'] }),
          304: Type.Null({ description: 'not modified (If-None-Match)' }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      const page = assets.get('index.html');
      if (page === undefined) throw missing();
      return send(req, reply, page);
    },
  );

  app.get<{ Params: { file: string } }>(
    '/explorer/:file',
    {
      schema: {
        operationId: 'getExplorerAsset',
        summary: "One of the explorer's built assets (script, style sheet, icon)",
        tags,
        params: Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$', examples: ['app.js'] }) }),
        produces: ['text/javascript', 'text/css', 'image/svg+xml', 'application/json'],
        response: {
          200: Type.String({ description: 'the asset', examples: ['/* app.css */'] }),
          304: Type.Null({ description: 'not modified (If-None-Match)' }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      const asset = req.params.file === 'index.html' ? undefined : assets.get(req.params.file);
      if (asset === undefined) throw assets.size === 0 ? missing() : new ServiceError('HTTP_NOT_FOUND', `no explorer asset ${req.params.file}`);
      return send(req, reply, asset);
    },
  );
}

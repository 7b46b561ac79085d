/**
 * The C2SP tlog-tiles read API (https://c2sp.org/tlog-tiles) under `/tlog`: the signed
 * checkpoint, Merkle hash tiles and entry bundles as static resources that any cache, mirror or
 * independent tiles client can hold. Full tiles never change, so they are sent as immutable;
 * the checkpoint and partial tiles are not cached (the spec: "headers SHOULD prevent caching
 * beyond a few seconds" for the checkpoint). All public.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { parseTilePath, readEntryBundle, readTile, TILE_WIDTH } from '@dataledger/provenance';
import type { AppContext } from '../context.ts';
import { ServiceError } from '../problem.ts';
import { ERROR_RESPONSES } from '../schemas.ts';

/** `Cache-Control` of full tiles and full entry bundles: their bytes are fixed forever. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** `Cache-Control` of the checkpoint and of partial tiles: revalidate every time. */
export const MUTABLE_CACHE = 'no-cache';

const OCTETS = 'application/octet-stream';
const gzip = promisify(gzipCb);

/**
 * Full tiles and bundles never change, so their encoded bytes are kept (least recently used
 * out first) up to a byte budget: a popular tile costs one store read, not one per request.
 */
class FullTileCache {
  readonly #max: number;
  #bytes = 0;
  readonly #entries = new Map<string, Buffer>();
  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }
  get(key: string): Buffer | undefined {
    const v = this.#entries.get(key);
    if (v !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, v);
    }
    return v;
  }
  set(key: string, value: Buffer): void {
    if (value.length > this.#max || this.#entries.has(key)) return;
    this.#entries.set(key, value);
    this.#bytes += value.length;
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#max) break;
      this.#entries.delete(k);
      this.#bytes -= v.length;
    }
  }
}

/** Bytes of full tiles and bundles kept in memory per service. */
const FULL_TILE_CACHE_BYTES = 32 * 1024 * 1024;

/** True when the request accepts gzip (RFC 9110 §12.5.3; a zero q-value refuses it). */
function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

const EXAMPLE_CHECKPOINT =
  'ledger.example.gov.cn/ledger\n300\nqL7o0w2t1dKXzGc6qLPJ0zN7o3y4k2fHq2cC7cVZ5yQ=\n\n— ledger.example.gov.cn/ledger Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

/** The tiles plugin. */
export async function tilesRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { service } = opts.ctx;
  const tags = ['tlog-tiles'];
  const cache = new FullTileCache(FULL_TILE_CACHE_BYTES);
  const limits = opts.ctx.logReadRateLimit;
  // Counted with the entry reads: a replay fetches one bundle per 256 records.
  const limited = limits === false ? {} : { config: { rateLimit: limits.entries } };

  app.get(
    '/tlog/checkpoint',
    {
      schema: {
        operationId: 'getTlogCheckpoint',
        summary: 'The current checkpoint, a C2SP signed note (C2SP tlog-tiles <prefix>/checkpoint)',
        tags,
        produces: ['text/plain'],
        response: {
          200: Type.String({ description: 'C2SP tlog-checkpoint signed note, text/plain; charset=utf-8', examples: [EXAMPLE_CHECKPOINT] }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (_req, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .header('cache-control', MUTABLE_CACHE)
        .send(await service.checkpoint()),
  );

  app.get<{ Params: { '*': string } }>(
    '/tlog/tile/*',
    {
      ...limited,
      schema: {
        operationId: 'getTlogTile',
        summary: 'A Merkle hash tile (tile/<L>/<N>[.p/<W>]) or an entry bundle (tile/entries/<N>[.p/<W>]), C2SP tlog-tiles',
        description:
          'Hash tiles are W (256 when full) concatenated 32-byte SHA-256 hashes: at level L, hash i is the RFC 9162 Merkle tree hash of ' +
          'the 256^L records from (N·256 + i)·256^L. Entry bundles hold the canonical JSON (RFC 8785) bytes of records N·256 … N·256 + W − 1, ' +
          'each preceded by its length as a big-endian uint16. N is written in 3-digit path elements, all but the last prefixed with x ' +
          '(1234067 → x001/x234/067). Full tiles are immutable (Cache-Control: public, max-age=31536000, immutable); partial ones are ' +
          'sent with no-cache. Entry bundles are gzip-compressed when the request accepts gzip. A tile the tree does not have (yet) is 404 LEDGER_INDEX_OUT_OF_RANGE; a path that is not a canonical ' +
          'tile path is 404 HTTP_NOT_FOUND.',
        tags,
        produces: [OCTETS],
        params: Type.Object(
          { '*': Type.String({ maxLength: 200, description: 'the path after tile/', examples: ['0/000', '0/001.p/44', '1/000.p/1', 'entries/x001/234.p/7'] }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.String({ format: 'binary', description: 'application/octet-stream: tile hashes or an entry bundle', examples: ['(binary)'] }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      const tile = parseTilePath(req.params['*']);
      if (tile === null) throw new ServiceError('HTTP_NOT_FOUND', 'not a C2SP tlog-tiles path', { details: { path: `tile/${req.params['*']}` } });
      const reader = service.log;
      const full = tile.width === TILE_WIDTH;
      // Entry bundles "SHOULD be compressed at the HTTP layer" (C2SP tlog-tiles): JSON records
      // shrink several times. Hash tiles are random bytes and go as they are.
      const zipped = tile.kind === 'entries' && acceptsGzip(req.headers['accept-encoding']);
      const key = `${req.params['*']}${zipped ? '+gzip' : ''}`;
      let body = full ? cache.get(key) : undefined;
      if (body === undefined) {
        // Read first: a refusal must go out as a plain problem, without these headers.
        const bytes = tile.kind === 'entries' ? await readEntryBundle(reader, tile.index, tile.width) : await readTile(reader, tile);
        body = zipped ? await gzip(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        if (full) cache.set(key, body);
      }
      reply.type(OCTETS).header('cache-control', full ? IMMUTABLE_CACHE : MUTABLE_CACHE);
      if (tile.kind === 'entries') reply.header('vary', 'accept-encoding');
      if (zipped) reply.header('content-encoding', 'gzip');
      return reply.send(body);
    },
  );
}

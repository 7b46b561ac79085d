/**
 * Transparency-log reads, following the tlog conventions: the signed checkpoint
 * (C2SP tlog-checkpoint, `text/plain`), the verifier key, the head writers build on,
 * entries by range, RFC 9162 inclusion and consistency proofs, and the JSONL export.
 * All public.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { equalBytes, fromBase64, toBase64, DataLedgerError } from '@dataledger/core';
import {
  cosignatureTimestamp,
  cosignerVerifierKey,
  NOTE_TYPE_COSIGNATURE_V1,
  openCheckpoint,
  parseVerifierKey,
  splitNote,
  verifyCosignature,
} from '@dataledger/provenance';
import type { AppContext } from '../context.ts';
import { ServiceError } from '../problem.ts';
import { Base64HashSchema, ERROR_RESPONSES, HeadSchema, LedgerRecordSchema, QueryIntSchema } from '../schemas.ts';
import {
  EXAMPLE_INDEX,
  EXAMPLE_WITNESS_VKEY,
  EXAMPLE_LOG_VKEY,
  exampleBundle,
  exampleConsistency,
  exampleCosignedCheckpoint,
  exampleEntries,
  exampleEntry,
  exampleHead,
  exampleInclusion,
  withExamples,
} from '../examples.ts';

/** Most entries one range read returns. */
export const MAX_ENTRIES_PER_READ: number = 1000;

const TEXT = 'text/plain; charset=utf-8';

function int(value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : Number(value);
}

/** The log plugin. */
export async function logRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { service } = opts.ctx;
  const tags = ['log'];
  // Per-client rate limits of the reads that cost the store the most (@fastify/rate-limit,
  // keyed by client IP, each route counted on its own); the checkpoint, key and head stay
  // unlimited for monitors and witnesses.
  const limits = opts.ctx.logReadRateLimit;
  const limited = (which: 'entries' | 'proofs' | 'export'): { config?: { rateLimit: { max: number; timeWindow: number | string } } } =>
    limits === false ? {} : { config: { rateLimit: limits[which] } };

  // Witness cosignatures (C2SP tlog-cosignature): only from the witnesses the operator named
  // (`--witness-key`), one per witness, the newest. Accepting anyone's would let strangers
  // crowd out the real witnesses; verifiers would ignore them anyway (C2SP signed-note).
  const witnesses = witnessSet(opts.ctx.witnessKeys);
  // Kept in the app's store: this process's, or the table every instance on one PostgreSQL
  // log shares (README "Scaling out").
  const store = opts.ctx.cosignatures;
  // Served only for the witnesses this instance names: a shared table outlives any one
  // instance's configuration, and a witness the operator dropped (a key retired or
  // compromised) must stop being vouched for here, as it would on a restart in one process.
  const named = new Set(witnesses.values());
  const cosigned = {
    offer: store.offer.bind(store),
    list: async () => (await store.list()).filter((c) => named.has(c.witnessKey)),
  };
  const withCosignatures = async (note: string): Promise<string> => {
    const body = splitNote(note).body;
    const lines = (await cosigned.list()).filter((c) => c.body === body).map((c) => `${c.line}\n`);
    return lines.length === 0 ? note : `${note}${lines.join('')}`;
  };

  app.get(
    '/v1/log/checkpoint',
    {
      schema: {
        operationId: 'getCheckpoint',
        summary: 'The current checkpoint, a C2SP signed note (text/plain)',
        tags,
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'C2SP tlog-checkpoint signed note', examples: [exampleCosignedCheckpoint()] }), ...ERROR_RESPONSES },
      },
    },
    async (_req, reply) =>
      reply
        .type(TEXT)
        .header('cache-control', 'no-store')
        .send(await withCosignatures(await service.checkpoint())),
  );

  app.post<{ Body: { note: string; witnessKey: string } }>(
    '/v1/log/cosignatures',
    {
      schema: {
        operationId: 'submitCosignature',
        summary: "A witness's cosignature of one of this log's checkpoints (C2SP tlog-cosignature)",
        description:
          'Takes the checkpoint note with the witness cosignature line added and the witness cosigner vkey. Only the witnesses the ' +
          'operator named (`--witness-key`, `WITNESS_KEYS`) are accepted; any other answers 403 HTTP_WITNESS_UNKNOWN. The checkpoint must be ' +
          "signed by this log and be this log's tree at its size (a witness that saw another tree is refused); the newest cosignature " +
          'per witness is kept and served with the checkpoint it cosigns.',
        tags,
        body: Type.Object(
          { note: Type.String({ minLength: 1, maxLength: 16_384 }), witnessKey: Type.String({ minLength: 1, maxLength: 1024 }) },
          { additionalProperties: false, examples: [{ note: exampleCosignedCheckpoint(), witnessKey: EXAMPLE_WITNESS_VKEY }] },
        ),
        response: {
          200: Type.Object(
            { witnessKey: Type.String(), size: Type.Integer() },
            { examples: [{ witnessKey: EXAMPLE_WITNESS_VKEY, size: exampleHead()['size'] }] },
          ),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => {
      const { note, witnessKey } = req.body;
      const witness = witnesses.get(witnessKey);
      if (witness === undefined) {
        throw new ServiceError('HTTP_WITNESS_UNKNOWN', 'not a witness this log accepts cosignatures from (see --witness-key)', { details: { witnessKey } });
      }
      const { checkpoint } = openCheckpoint(note, [service.logVerifierKey]);
      if (checkpoint.size > service.size || !equalBytes(checkpoint.rootHash, await service.rootHashAt(checkpoint.size))) {
        throw new DataLedgerError('CHECKPOINT_UNVERIFIED', 'the cosigned checkpoint is not this log at that size', { details: { size: checkpoint.size } });
      }
      const timestamp = cosignatureTimestamp(note, witness);
      if (timestamp === null) {
        throw new DataLedgerError('CHECKPOINT_SIGNATURE_INVALID', 'no valid cosignature by this witness on the checkpoint', { details: { witnessKey } });
      }
      // The witness's own line, to serve with the current checkpoint while it is current.
      const { body, signatures } = splitNote(note);
      const line = signatures.find((sg) => verifyCosignature(`${body}\n${sg.line}\n`, witness));
      if (line === undefined) throw new DataLedgerError('CHECKPOINT_SIGNATURE_INVALID', 'cosignature line not found', { details: { witnessKey } });
      // The newest valid cosignature wins: a larger tree, or the same tree cosigned later
      // (tlog-cosignature §"timestamp"); an older one is acknowledged and not kept.
      await cosigned.offer({ witnessKey: witness, size: checkpoint.size, timestamp, body, line: line.line, note });
      return { witnessKey, size: checkpoint.size };
    },
  );

  app.get(
    '/v1/log/cosignatures',
    {
      schema: {
        operationId: 'listCosignatures',
        summary: 'The latest cosigned checkpoint of each witness',
        tags,
        response: {
          200: Type.Object(
            { cosignatures: Type.Array(Type.Object({ witnessKey: Type.String(), size: Type.Integer(), note: Type.String() })) },
            { examples: [{ cosignatures: [{ witnessKey: EXAMPLE_WITNESS_VKEY, size: exampleHead()['size'], note: exampleCosignedCheckpoint() }] }] },
          ),
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => ({ cosignatures: (await cosigned.list()).map((c) => ({ witnessKey: c.witnessKey, size: c.size, note: c.note })) }),
  );

  app.get(
    '/v1/log/key',
    {
      schema: {
        operationId: 'getLogKey',
        summary: "The log's C2SP verifier key (text/plain)",
        tags,
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'C2SP vkey: name+keyid+base64(0x01‖pubkey)', examples: [`${EXAMPLE_LOG_VKEY}\n`] }), ...ERROR_RESPONSES },
      },
    },
    async (_req, reply) => reply.type(TEXT).send(`${service.logVerifierKey}\n`),
  );

  app.get(
    '/v1/log/head',
    {
      schema: {
        operationId: 'getHead',
        summary: 'The head the next record must extend (size, last leaf hash)',
        tags,
        response: { 200: withExamples(HeadSchema, exampleHead()), ...ERROR_RESPONSES },
      },
    },
    async (_req, reply) => reply.header('cache-control', 'no-store').send(service.head()),
  );

  app.get<{ Querystring: { start?: string; end?: string } }>(
    '/v1/log/entries',
    {
      ...limited('entries'),
      schema: {
        operationId: 'listEntries',
        summary: `Records [start, end), at most ${MAX_ENTRIES_PER_READ} per read`,
        tags,
        querystring: Type.Object(
          {
            start: Type.Optional(withExamples(QueryIntSchema, String(EXAMPLE_INDEX))),
            end: Type.Optional(withExamples(QueryIntSchema, String(EXAMPLE_INDEX + 2))),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ start: Type.Integer(), entries: Type.Array(LedgerRecordSchema) }, { examples: [exampleEntries()] }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => {
      const size = service.size;
      const start = int(req.query.start, 0);
      const end = Math.min(int(req.query.end, Math.min(size, start + MAX_ENTRIES_PER_READ)), start + MAX_ENTRIES_PER_READ);
      if (start > end || end > size) {
        throw new DataLedgerError('LEDGER_INDEX_OUT_OF_RANGE', `range [${start}, ${end}) is outside the log of ${size}`, {
          details: { start, end, size },
        });
      }
      return { start, entries: await service.entries(start, end) };
    },
  );

  app.get<{ Params: { index: string } }>(
    '/v1/log/entries/:index',
    {
      ...limited('entries'),
      schema: {
        operationId: 'getEntry',
        summary: 'One record by index',
        tags,
        params: Type.Object({ index: withExamples(QueryIntSchema, String(EXAMPLE_INDEX)) }),
        response: { 200: withExamples(LedgerRecordSchema, exampleEntry()), ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      const index = Number(req.params.index);
      if (index >= service.size) {
        throw new DataLedgerError('LEDGER_INDEX_OUT_OF_RANGE', `no record ${index}`, { details: { index, size: service.size } });
      }
      const [r] = await service.entries(index, index + 1);
      return r;
    },
  );

  app.get<{ Querystring: { index?: string; leafHash?: string; treeSize?: string } }>(
    '/v1/log/proof/inclusion',
    {
      ...limited('proofs'),
      schema: {
        operationId: 'getInclusionProof',
        summary: 'RFC 9162 inclusion proof of a record (by index or leaf hash) in the tree of treeSize leaves (default: current)',
        tags,
        querystring: Type.Object(
          {
            index: Type.Optional(withExamples(QueryIntSchema, String(EXAMPLE_INDEX))),
            leafHash: Type.Optional(withExamples(Base64HashSchema, exampleInclusion()['leafHash'])),
            treeSize: Type.Optional(withExamples(QueryIntSchema, String(exampleInclusion()['treeSize']))),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              index: Type.Integer(),
              leafHash: Type.String(),
              treeSize: Type.Integer(),
              proof: Type.Array(Type.String()),
              checkpoint: Type.Optional(Type.String({ description: 'the signed checkpoint, when treeSize is the current size' })),
            },
            {
              examples: [exampleInclusion()],
            },
          ),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => {
      const q = req.query;
      if ((q.index === undefined) === (q.leafHash === undefined)) {
        throw new ServiceError('HTTP_BAD_REQUEST', 'give exactly one of index and leafHash');
      }
      // Read the checkpoint first: the size it signs is the default tree size.
      const checkpoint = q.treeSize === undefined ? await service.checkpoint() : undefined;
      const size = checkpoint === undefined ? service.size : checkpointSize(checkpoint);
      const treeSize = int(q.treeSize, size);
      let index: number;
      let leaf: Uint8Array;
      if (q.leafHash !== undefined) {
        leaf = fromBase64(q.leafHash);
        const found = await service.indexOfLeafHash(leaf);
        if (found === undefined) throw new ServiceError('HTTP_NOT_FOUND', 'no record with this leaf hash');
        index = found;
      } else {
        index = Number(q.index);
        if (index >= size) throw new DataLedgerError('LEDGER_INDEX_OUT_OF_RANGE', `no record ${index}`, { details: { index, size } });
        leaf = await service.leafHashAt(index);
      }
      if (treeSize > service.size || index >= treeSize) {
        throw new DataLedgerError('LEDGER_INDEX_OUT_OF_RANGE', `record ${index} is not in a tree of ${treeSize}`, {
          details: { index, treeSize, size: service.size },
        });
      }
      const proof = await service.inclusionProof(index, treeSize);
      return { index, leafHash: toBase64(leaf), treeSize, proof: proof.map((h) => toBase64(h)), ...(checkpoint === undefined ? {} : { checkpoint }) };
    },
  );

  app.get<{ Querystring: { size1: string; size2?: string } }>(
    '/v1/log/proof/consistency',
    {
      ...limited('proofs'),
      schema: {
        operationId: 'getConsistencyProof',
        summary: 'RFC 9162 consistency proof between the trees of size1 and size2 leaves (default: current)',
        tags,
        querystring: Type.Object(
          {
            size1: withExamples(QueryIntSchema, String(exampleConsistency()['size1'])),
            size2: Type.Optional(withExamples(QueryIntSchema, String(exampleConsistency()['size2']))),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ size1: Type.Integer(), size2: Type.Integer(), proof: Type.Array(Type.String()) }, { examples: [exampleConsistency()] }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => {
      const size = service.size;
      const size1 = Number(req.query.size1);
      const size2 = int(req.query.size2, size);
      if (size1 > size2 || size2 > size) {
        throw new DataLedgerError('LEDGER_INDEX_OUT_OF_RANGE', `no consistency proof from ${size1} to ${size2} (size ${size})`, {
          details: { size1, size2, size },
        });
      }
      const proof = await service.consistencyProof(size1, size2);
      return { size1, size2, proof: proof.map((h) => toBase64(h)) };
    },
  );

  app.get(
    '/v1/log/export',
    {
      ...limited('export'),
      schema: {
        operationId: 'exportLedger',
        summary: 'The whole ledger as a JSON Lines bundle: header, one record per line, signed checkpoint last',
        tags,
        produces: ['application/jsonl'],
        response: { 200: Type.String({ description: 'JSON Lines', examples: [exampleBundle()] }), ...ERROR_RESPONSES },
      },
    },
    async (_req, reply) => {
      const lines = service.exportBundle();
      async function* text(): AsyncGenerator<string> {
        for await (const line of lines) yield line.endsWith('\n') ? line : `${line}\n`;
      }
      return reply.type('application/jsonl; charset=utf-8').header('cache-control', 'no-store').send(Readable.from(text()));
    },
  );
}

/**
 * The configured witnesses, by the vkey as given and by its normal form, each to its normal
 * form (so one witness keeps one cosignature however its key is spelt).
 * @throws TypeError for a key that is not a C2SP cosigner vkey (type 0x04): a configuration mistake
 */
function witnessSet(keys: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of keys) {
    let normal: string;
    try {
      const parsed = parseVerifierKey(k.trim());
      if (parsed.type !== NOTE_TYPE_COSIGNATURE_V1) throw new TypeError('not a cosigner key (type 0x04)');
      normal = cosignerVerifierKey(parsed.name, parsed.publicKey);
    } catch (err) {
      throw new TypeError(`witnessKeys: ${JSON.stringify(k)} is not a C2SP cosigner vkey (${(err as Error).message})`);
    }
    out.set(k, normal);
    out.set(normal, normal);
  }
  return out;
}

// The tree size a checkpoint body signs (C2SP tlog-checkpoint: origin, size, root).
function checkpointSize(note: string): number {
  const line = note.split('\n')[1];
  const n = Number(line);
  if (line === undefined || !/^(0|[1-9][0-9]*)$/.test(line) || !Number.isSafeInteger(n)) {
    throw new ServiceError('HTTP_INTERNAL', 'checkpoint without a size line');
  }
  return n;
}

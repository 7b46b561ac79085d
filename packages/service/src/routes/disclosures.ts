/**
 * Reads of confidential members (DESIGN.md "Confidential payloads", reads): the policy in
 * force (public), the disclosures of one record for a signer the policy lets see them, and a
 * regulator's export of the vault for the records of a tree size (the disclosures file format,
 * `export --disclosures`). The vault itself is read by no public route.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { DataLedgerError } from '@dataledger/core';
import { openDisclosure, policyJson, type OpenedDisclosure } from '@dataledger/certificates';
import type { LedgerRecord } from '@dataledger/provenance';
import type { AppContext } from '../context.ts';
import { recordDigests } from '../disclosures.ts';
import { ERROR_RESPONSES, QueryIntSchema } from '../schemas.ts';
import { SIGNED_READ } from '../openapi.ts';
import { withExamples } from '../examples.ts';
import { signedReader } from './reads.ts';

const TEXT = 'text/plain; charset=utf-8';
/** Records read per vault lookup by the export. */
const EXPORT_CHUNK = 1024;

/** An example disclosure (base64url of `["…salt…","opinion","compliant"]`) and its digest, for the documentation. */
const EXAMPLE_DISCLOSURE = 'WyJfMjZiYzRMVC1hYzZxMmtJNmNCVzVlcyIsIm9waW5pb24iLCJjb21wbGlhbnQiXQ';
const EXAMPLE_DIGEST = 'e_EUWmQYD_2PY-h8L0JK1m3OyiNg3mJGB1qCPymFBAs';

/**
 * The vault's disclosures of `digests`, opened, in their order: undefined where the vault has
 * none (erased) or holds one whose digest is not the one asked for.
 */
export async function vaultDisclosures(ctx: AppContext, digests: readonly string[]): Promise<(OpenedDisclosure | undefined)[]> {
  if (digests.length === 0) return [];
  const found = await ctx.service.vault.getMany(digests);
  return found.map((d, i) => {
    if (d === undefined) return undefined;
    const opened = openDisclosure(d);
    return opened.digest === digests[i] ? opened : undefined;
  });
}

/** The disclosures the vault holds for `digests` (those erased are gone). */
async function disclosuresOf(ctx: AppContext, digests: readonly string[]): Promise<string[]> {
  return (await vaultDisclosures(ctx, digests)).flatMap((o) => (o === undefined ? [] : [o.disclosure]));
}

/**
 * Whether a signer may read the disclosures of a record: the registry view's policy, or
 * regulators and the root authority only when the view has none.
 */
export function mayRead(ctx: AppContext, reader: string, record: LedgerRecord): boolean {
  const view = ctx.service.view();
  if (view.mayReadDisclosures !== undefined) return view.mayReadDisclosures(reader, record);
  const roles = view.rolesOf(reader);
  return roles.includes('regulator') || roles.includes('root');
}

/**
 * The disclosures of record `index` that `reader` may see (none for a reader the policy does
 * not name), with all its digests.
 */
export async function recordDisclosures(ctx: AppContext, reader: string, index: number): Promise<{ index: number; digests: string[]; disclosures: string[] }> {
  if (index >= ctx.service.size) {
    throw new DataLedgerError('LEDGER_INDEX_OUT_OF_RANGE', `no record ${index}`, { details: { index, size: ctx.service.size } });
  }
  const [record] = (await ctx.service.entries(index, index + 1)) as [LedgerRecord];
  const digests = recordDigests(record);
  return { index, digests, disclosures: mayRead(ctx, reader, record) ? await disclosuresOf(ctx, digests) : [] };
}

/** The disclosure routes. */
export async function disclosureRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  // The policy is fixed for the life of the service: its JSON is built once, not per request.
  const policy = policyJson(ctx.service.disclosurePolicy);
  app.get(
    '/v1/disclosure-policy',
    {
      schema: {
        operationId: 'getDisclosurePolicy',
        summary: 'The disclosure policy in force: the confidential members of each record type (public)',
        description:
          'Writers conceal these members as SD-JWT digests (RFC 9901 §4.2) before signing, and send their disclosures beside the records. ' +
          'A path is `member` or `object.member`.',
        tags: ['supervision'],
        response: {
          200: Type.Object(
            { confidential: Type.Record(Type.String(), Type.Array(Type.String())) },
            { examples: [{ confidential: { 'asset.registered': ['holder.name', 'description', 'valuation', 'subjects'], 'role.granted': [] } }] },
          ),
          ...ERROR_RESPONSES,
        },
      },
    },
    async () => policy,
  );

  app.get<{ Params: { index: string } }>(
    '/v1/records/:index/disclosures',
    {
      schema: {
        operationId: 'getRecordDisclosures',
        summary: 'The digests of a record and the disclosures the signer may see (signed read)',
        description:
          'Regulators and the root authority see every disclosure; the writer of the record its own; the current holder of an asset the ' +
          "records about it (not a consent's); a licensee its licence grant; a data subject its consent. Anyone else gets the digests only. " +
          'Erased disclosures are gone.',
        tags: ['supervision'],
        security: SIGNED_READ,
        params: Type.Object({ index: withExamples(QueryIntSchema, '7') }),
        response: {
          200: Type.Object(
            {
              index: Type.Integer({ minimum: 0 }),
              digests: Type.Array(Type.String(), { description: 'Every digest of the record (base64url SHA-256 of a disclosure)' }),
              disclosures: Type.Array(Type.String(), { description: 'The disclosures of those digests this signer may see' }),
            },
            { examples: [{ index: 7, digests: [EXAMPLE_DIGEST], disclosures: [EXAMPLE_DISCLOSURE] }] },
          ),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => {
      const reader = await signedReader(ctx, req, [], { roleless: true });
      return recordDisclosures(ctx, reader, Number(req.params.index));
    },
  );

  app.get<{ Querystring: { size?: string } }>(
    '/v1/supervision/disclosures',
    {
      schema: {
        operationId: 'exportDisclosures',
        summary: 'Every disclosure of the records of a tree size, one per line (signed read: regulator)',
        description:
          'The disclosures file format (text/plain: one base64url disclosure per line) for the records `[0, size)` (default: the current size), ' +
          'to give a verifier beside the bundle of that size (`export --disclosures`). Only disclosures referenced by a record, never an erased one.',
        tags: ['supervision'],
        security: SIGNED_READ,
        produces: ['text/plain'],
        querystring: Type.Object({ size: Type.Optional(withExamples(QueryIntSchema, '8')) }),
        response: { 200: Type.String({ description: 'Disclosures file', examples: [`${EXAMPLE_DISCLOSURE}\n`] }), ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      await signedReader(ctx, req, ['regulator', 'root']);
      const size = req.query.size === undefined ? ctx.service.size : Number(req.query.size);
      if (size > ctx.service.size) {
        throw new DataLedgerError('LEDGER_INDEX_OUT_OF_RANGE', `size ${size} is beyond the log (size ${ctx.service.size})`, {
          details: { size, logSize: ctx.service.size },
        });
      }
      let text = '';
      for (let start = 0; start < size; start += EXPORT_CHUNK) {
        const records = await ctx.service.entries(start, Math.min(size, start + EXPORT_CHUNK));
        for (const d of await disclosuresOf(ctx, records.flatMap(recordDigests))) text += `${d}\n`;
      }
      return reply.type(TEXT).header('cache-control', 'no-store').send(text);
    },
  );
}

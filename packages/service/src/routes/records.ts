/**
 * One write route per lifecycle action. Each takes the signed record of its type (or a
 * pre-chained batch of such records, as a JSON array) and answers with the receipt(s).
 * A route refuses a record of another type and checks each record's shape and signature
 * once, here (provenance's `verifySignedRecord`); position and registry rules are the
 * packages' to check, through the append queue.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';
import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import { CONFIDENTIAL_MEMBERS, PAYLOAD_SCHEMAS, RECORD_TYPES, type RecordType } from '@dataledger/certificates';
import { MAX_DISCLOSURE_LENGTH, verifySignedRecord, type VerifiedRecord } from '@dataledger/provenance';
import { MAX_BODY_DISCLOSURES } from '../disclosures.ts';
import type { AppContext } from '../context.ts';
import { ServiceError } from '../problem.ts';
import { ERROR_RESPONSES, LedgerRecordSchema, ReceiptSchema } from '../schemas.ts';
import type { Receipt } from '../append-queue.ts';
import { exampleWrite, withExamples } from '../examples.ts';
import { pascalCaseOf } from '../openapi.ts';

/** Most records in one pre-chained batch. */
export const MAX_BATCH_RECORDS: number = 1024;

/** The area plugins that serve write routes (DESIGN.md, Service: one plugin per area). */
export type WriteArea = 'registration' | 'circulation' | 'supervision' | 'aggregation';

/** Where a record type is written over HTTP: its route, the area plugin serving it, its summary. */
export interface RecordRoute {
  /** The POST path (aggregation paths carry the job `{id}`). */
  readonly path: string;
  readonly area: WriteArea;
  /** The OpenAPI summary of the route. */
  readonly summary: string;
}

/**
 * One row per record type (a new type that is missing here does not compile). `null`: no
 * write route (genesis is written at creation).
 * The aggregation routes take more than the record (the job and its public key, the
 * contribution); `DataLedgerClient` has a method for each.
 */
export const RECORD_ROUTES: { readonly [T in RecordType]: RecordRoute | null } = Object.freeze({
  'ledger.genesis': null,
  'disclosure.erased': {
    path: '/v1/disclosures/erase',
    area: 'supervision',
    summary: 'Erase disclosures from the vault (regulator; a data subject for its consent)',
  },
  'asset.registered': { path: '/v1/assets/register', area: 'registration', summary: 'Register a data asset (登记)' },
  'asset.reviewed': { path: '/v1/assets/review', area: 'registration', summary: 'Record a compliance review (合规审查)' },
  'asset.valued': { path: '/v1/assets/value', area: 'registration', summary: 'Record a valuation (评估)' },
  'asset.changed': { path: '/v1/assets/change', area: 'registration', summary: 'Change a registered asset (变更)' },
  'asset.cancelled': { path: '/v1/assets/cancel', area: 'registration', summary: 'Cancel a registration (注销)' },
  'certificate.issued': { path: '/v1/certificates/issue', area: 'registration', summary: 'Record the issuance of a data-asset certificate' },
  'asset.transferred': { path: '/v1/assets/transfer', area: 'circulation', summary: 'Transfer an asset to a new holder' },
  'licence.granted': { path: '/v1/licences/grant', area: 'circulation', summary: 'Grant a licence of use (授权使用)' },
  'licence.revoked': { path: '/v1/licences/revoke', area: 'circulation', summary: 'Revoke a licence' },
  'consent.granted': { path: '/v1/consents/grant', area: 'circulation', summary: "A data subject's consent to a licensee and purpose" },
  'consent.revoked': { path: '/v1/consents/revoke', area: 'circulation', summary: "Revoke a data subject's consent" },
  'crossborder.approved': { path: '/v1/crossborder/approve', area: 'circulation', summary: 'Approve a cross-border transfer (数据出境)' },
  'role.granted': { path: '/v1/roles/grant', area: 'supervision', summary: 'Grant a role (root authority)' },
  'role.revoked': { path: '/v1/roles/revoke', area: 'supervision', summary: 'Revoke a role (root authority)' },
  'asset.frozen': { path: '/v1/assets/freeze', area: 'supervision', summary: 'Freeze an asset (regulator)' },
  'asset.unfrozen': { path: '/v1/assets/unfreeze', area: 'supervision', summary: 'Unfreeze an asset (regulator)' },
  'certificate.suspended': { path: '/v1/certificates/suspend', area: 'supervision', summary: 'Suspend a certificate (status list)' },
  'certificate.reinstated': { path: '/v1/certificates/reinstate', area: 'supervision', summary: 'Reinstate a suspended certificate (status list)' },
  'certificate.revoked': { path: '/v1/certificates/revoke', area: 'supervision', summary: 'Revoke a certificate (status list)' },
  'aggregation.opened': { path: '/v1/aggregation/jobs', area: 'aggregation', summary: 'Open an encrypted statistics job' },
  'aggregation.contributed': { path: '/v1/aggregation/jobs/{id}/contributions', area: 'aggregation', summary: 'Commit an encrypted contribution to a job' },
  'aggregation.released': { path: '/v1/aggregation/jobs/{id}/release', area: 'aggregation', summary: 'Record the release of a job result' },
});

/** The record types written through an area's plugin, in table order. */
export function writesOf(area: WriteArea): RecordType[] {
  return RECORD_TYPES.filter((t) => RECORD_ROUTES[t]?.area === area);
}

/** The write path of every record type a client may submit (derived from {@link RECORD_ROUTES}). */
export const ROUTE_OF_RECORD_TYPE: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    RECORD_TYPES.flatMap((t) => {
      const row = RECORD_ROUTES[t];
      return row === null ? [] : [[t, row.path]];
    }),
  ),
);

/**
 * Parses and checks the records of a write body at the edge, once: the route's type only,
 * each record well-formed within the payload limit and signed by its actor (one
 * canonicalisation and one leaf hash per record, handed on to the log).
 * @throws ServiceError `HTTP_RECORD_TYPE_MISMATCH`; DataLedgerError `LEDGER_RECORD_MALFORMED`,
 *   `LEDGER_PAYLOAD_TOO_LARGE`, `LEDGER_SIGNATURE_INVALID`
 */
export function recordsOfBody(body: unknown, type: string, maxPayloadBytes: number): VerifiedRecord[] {
  const items = Array.isArray(body) ? body : [body];
  return items.map((item: unknown, i: number) => {
    const t = (item as { type?: unknown }).type;
    if (t !== type) {
      throw new ServiceError('HTTP_RECORD_TYPE_MISMATCH', `this route takes ${type} records, not ${String(t)}`, { details: { expected: type, position: i } });
    }
    return verifySignedRecord(item, maxPayloadBytes, i);
  });
}

/** A write body's parts: the records (signature-checked) and the disclosures of their digests. */
export interface WriteBody {
  readonly records: VerifiedRecord[];
  /** Untrusted until `LedgerService.submit` checks them against the records' digests. */
  readonly disclosures: readonly string[];
  /** Whether the answer is an array of receipts (a batch or the envelope) or one receipt. */
  readonly many: boolean;
}

/**
 * Reads a write body: one record, a JSON array of records, or the envelope
 * `{ "records": [...], "disclosures": [...] }` carrying the disclosures of the records'
 * concealed members (DESIGN.md "The wire"). Each record is checked as by {@link recordsOfBody}.
 */
export function writeBodyOf(body: unknown, type: string, maxPayloadBytes: number): WriteBody {
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'records' in body) {
    const { records, disclosures } = body as { records: unknown; disclosures?: unknown };
    return { records: recordsOfBody(records, type, maxPayloadBytes), disclosures: Array.isArray(disclosures) ? disclosures : [], many: true };
  }
  return { records: recordsOfBody(body, type, maxPayloadBytes), disclosures: [], many: Array.isArray(body) };
}

/** The disclosures of a write body (RFC 9901 §4.2.1: base64url of `[salt, name, value]`). */
const DisclosuresSchema = Type.Array(Type.String({ minLength: 1, maxLength: MAX_DISCLOSURE_LENGTH, pattern: '^[A-Za-z0-9_-]+$' }), {
  maxItems: MAX_BODY_DISCLOSURES,
  description: 'The disclosures of every digest the records carry (base64url of the JSON array [salt, name, value], RFC 9901 §4.2.1).',
});

/** The write envelope: records with concealed members, and their disclosures. */
function envelopeOf(record: TObject): TObject {
  return Type.Object(
    { records: Type.Array(record, { minItems: 1, maxItems: MAX_BATCH_RECORDS }), disclosures: DisclosuresSchema },
    { additionalProperties: false, description: 'Records whose confidential members are digests, with the disclosures of those digests' },
  );
}

/** An `_sd` array: the digests of the confidential members concealed in its object (RFC 9901 §4.2.4.1). */
const SdSchema = Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }), {
  minItems: 1,
  maxItems: 8,
  uniqueItems: true,
  description: 'SD-JWT digests (base64url SHA-256) of the confidential members concealed here',
});

/**
 * The documented payload of a record type as it is logged: its confidential members
 * (`CONFIDENTIAL_MEMBERS`, DESIGN.md "Disclosure policy") optional, and an `_sd` array allowed in
 * each object that holds one. A deployment that publishes a member takes it in clear.
 */
function loggedPayloadSchema(type: RecordType): TObject | undefined {
  const base = (PAYLOAD_SCHEMAS as Readonly<Record<string, TObject>>)[type];
  const confidential = CONFIDENTIAL_MEMBERS[type];
  if (base === undefined || confidential.length === 0) return base;
  const props: TProperties = { ...base.properties };
  const inner = new Map<string, string[]>();
  for (const path of confidential) {
    const [first, second] = path.split('.') as [string, string | undefined];
    if (second === undefined) {
      props[first] = Type.Optional(props[first] as TSchema);
      props['_sd'] = Type.Optional(SdSchema);
    } else inner.set(first, [...(inner.get(first) ?? []), second]);
  }
  for (const [first, names] of inner) {
    const held = base.properties[first] as TObject;
    const innerProps: TProperties = { ...held.properties, _sd: Type.Optional(SdSchema) };
    for (const n of names) innerProps[n] = Type.Optional(innerProps[n] as TSchema);
    const rebuilt = Type.Object(innerProps, { additionalProperties: false });
    props[first] = base.required?.includes(first) === true ? rebuilt : Type.Optional(rebuilt);
  }
  return Type.Object(props, { additionalProperties: false, description: base.description });
}

/**
 * Registers the write route of one record type.
 * @param app - the area plugin's instance
 * @param ctx - the app context
 * @param type - the record type the route takes
 */
export function recordRoute(app: FastifyInstance, ctx: AppContext, type: RecordType, tags: string[]): void {
  const row = RECORD_ROUTES[type];
  if (row === null) throw new RangeError(`type: no route for ${type}`);
  const { path, summary } = row;
  // Validation checks the envelope only, so that a bad payload is refused by the package that
  // owns its meaning (REGISTRY_PAYLOAD_INVALID…); the documentation shows the payload schema.
  const payloadSchema = loggedPayloadSchema(type);
  const documented =
    payloadSchema === undefined
      ? null
      : Type.Object({ ...LedgerRecordSchema.properties, type: Type.Literal(type), payload: payloadSchema }, { additionalProperties: false });
  // Examples: one signed record at the head of the demonstration ledger and a pre-chained
  // batch of two, with the receipts the log answers (signatures and proofs verify).
  const write = exampleWrite(type);
  const [first, second] = write?.records ?? [];
  const [d0 = [], d1 = []] = write?.disclosures ?? [];
  // A record with confidential members goes in the envelope, with their disclosures.
  const bodyExamples =
    first === undefined || second === undefined
      ? []
      : d0.length === 0
        ? [first, [first, second]]
        : [
            { records: [first], disclosures: d0 },
            { records: [first, second], disclosures: [...d0, ...d1] },
          ];
  const receiptExamples = write === null ? [] : [write.receipt, write.batchReceipts];
  app.post(
    path,
    {
      bodyLimit: ctx.batchBodyLimit,
      config: {
        swaggerTransform: ({ schema, url }: { schema: FastifySchema; url: string }) => ({
          schema:
            documented === null
              ? schema
              : {
                  ...schema,
                  body: withExamples(
                    Type.Union([documented, Type.Array(documented, { minItems: 1, maxItems: MAX_BATCH_RECORDS }), envelopeOf(documented)]),
                    ...bodyExamples,
                  ),
                },
          url,
        }),
      },
      schema: {
        operationId: `submit${pascalCaseOf(type)}`,
        summary,
        description:
          `Takes a signed \`${type}\` record (or a JSON array of consecutive, pre-chained \`${type}\` records) and answers ` +
          'with its receipt (or one per record). The same record twice returns the same receipt and appends nothing. ' +
          'A stale index answers 409 LEDGER_INDEX_MISMATCH with the current head in details.head: re-sign and retry. ' +
          'Confidential members (GET /v1/disclosure-policy) are logged as SD-JWT digests: send the records in the envelope ' +
          '{ "records": [...], "disclosures": [...] } with the disclosure of every digest (answered with one receipt per record); ' +
          'a confidential member in clear answers 400 DISCLOSURE_NOT_CONCEALED, a digest without its disclosure 400 DISCLOSURE_MISSING, ' +
          'a disclosure of no digest 400 DISCLOSURE_FOREIGN.',
        tags,
        body: withExamples(
          Type.Union([LedgerRecordSchema, Type.Array(LedgerRecordSchema, { minItems: 1, maxItems: MAX_BATCH_RECORDS }), envelopeOf(LedgerRecordSchema)]),
          ...bodyExamples,
        ),
        response: { 200: withExamples(Type.Union([ReceiptSchema, Type.Array(ReceiptSchema)]), ...receiptExamples), ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const body = writeBodyOf(req.body, type, ctx.maxPayloadBytes);
      const receipts = await ctx.service.submit(body.records, body.disclosures);
      // Receipts are built by us from typed values: plain JSON.stringify is exact here and
      // avoids matching the documented anyOf (one receipt or many) on every answer.
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(body.many ? receipts : (receipts[0] as Receipt)));
    },
  );
}

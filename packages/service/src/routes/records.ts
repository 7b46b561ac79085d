/**
 * One write route per lifecycle action. Each takes the signed record of its type (or a
 * pre-chained batch of such records, as a JSON array) and answers with the receipt(s).
 * A route refuses a record of another type; everything else (signature, position, role,
 * rules) is checked by the packages through the append queue.
 */
import type { FastifyInstance, FastifySchema } from 'fastify';
import { Type, type TObject } from '@sinclair/typebox';
import { PAYLOAD_SCHEMAS } from '@dataledger/certificates';
import { parseRecord, type LedgerRecord } from '@dataledger/provenance';
import type { AppContext } from '../context.ts';
import { ServiceError } from '../problem.ts';
import { ERROR_RESPONSES, LedgerRecordSchema, ReceiptSchema } from '../schemas.ts';
import type { Receipt } from '../ledger.ts';
import { exampleWrite, withExamples } from '../examples.ts';
import { pascalCaseOf } from '../openapi.ts';

/** Most records in one pre-chained batch. */
export const MAX_BATCH_RECORDS: number = 1024;

/**
 * The write route of every record type a client may submit (genesis is written at creation).
 * The aggregation routes take more than the record (the job and its public key, the
 * contribution); `DataLedgerClient` has a method for each.
 */
export const ROUTE_OF_RECORD_TYPE: Readonly<Record<string, string>> = Object.freeze({
  'role.granted': '/v1/roles/grant',
  'role.revoked': '/v1/roles/revoke',
  'asset.registered': '/v1/assets/register',
  'asset.reviewed': '/v1/assets/review',
  'asset.valued': '/v1/assets/value',
  'asset.changed': '/v1/assets/change',
  'asset.cancelled': '/v1/assets/cancel',
  'certificate.issued': '/v1/certificates/issue',
  'certificate.suspended': '/v1/certificates/suspend',
  'certificate.reinstated': '/v1/certificates/reinstate',
  'certificate.revoked': '/v1/certificates/revoke',
  'asset.transferred': '/v1/assets/transfer',
  'licence.granted': '/v1/licences/grant',
  'licence.revoked': '/v1/licences/revoke',
  'consent.granted': '/v1/consents/grant',
  'consent.revoked': '/v1/consents/revoke',
  'crossborder.approved': '/v1/crossborder/approve',
  'asset.frozen': '/v1/assets/freeze',
  'asset.unfrozen': '/v1/assets/unfreeze',
  'aggregation.opened': '/v1/aggregation/jobs',
  'aggregation.contributed': '/v1/aggregation/jobs/{id}/contributions',
  'aggregation.released': '/v1/aggregation/jobs/{id}/release',
});

/** Which area plugin serves each record type's route. */
export const AREA_OF_RECORD_TYPE: Readonly<Record<string, 'registration' | 'circulation' | 'supervision' | 'aggregation'>> = Object.freeze({
  'asset.registered': 'registration',
  'asset.reviewed': 'registration',
  'asset.valued': 'registration',
  'asset.changed': 'registration',
  'asset.cancelled': 'registration',
  'certificate.issued': 'registration',
  'asset.transferred': 'circulation',
  'licence.granted': 'circulation',
  'licence.revoked': 'circulation',
  'consent.granted': 'circulation',
  'consent.revoked': 'circulation',
  'crossborder.approved': 'circulation',
  'role.granted': 'supervision',
  'role.revoked': 'supervision',
  'asset.frozen': 'supervision',
  'asset.unfrozen': 'supervision',
  'certificate.suspended': 'supervision',
  'certificate.reinstated': 'supervision',
  'certificate.revoked': 'supervision',
  'aggregation.opened': 'aggregation',
  'aggregation.contributed': 'aggregation',
  'aggregation.released': 'aggregation',
});

const SUMMARIES: Record<string, string> = {
  'role.granted': 'Grant a role (root authority)',
  'role.revoked': 'Revoke a role (root authority)',
  'asset.registered': 'Register a data asset (登记)',
  'asset.reviewed': 'Record a compliance review (合规审查)',
  'asset.valued': 'Record a valuation (评估)',
  'asset.changed': 'Change a registered asset (变更)',
  'asset.cancelled': 'Cancel a registration (注销)',
  'certificate.issued': 'Record the issuance of a data-asset certificate',
  'certificate.suspended': 'Suspend a certificate (status list)',
  'certificate.reinstated': 'Reinstate a suspended certificate (status list)',
  'certificate.revoked': 'Revoke a certificate (status list)',
  'asset.transferred': 'Transfer an asset to a new holder',
  'licence.granted': 'Grant a licence of use (授权使用)',
  'licence.revoked': 'Revoke a licence',
  'consent.granted': "A data subject's consent to a licensee and purpose",
  'consent.revoked': "Revoke a data subject's consent",
  'crossborder.approved': 'Approve a cross-border transfer (数据出境)',
  'asset.frozen': 'Freeze an asset (regulator)',
  'asset.unfrozen': 'Unfreeze an asset (regulator)',
  'aggregation.opened': 'Open an encrypted statistics job',
  'aggregation.contributed': 'Commit an encrypted contribution to a job',
  'aggregation.released': 'Record the release of a job result',
};

/**
 * Parses the records of a write body at the edge: the route's type only, each record
 * well-formed within the payload limit.
 * @throws ServiceError `HTTP_RECORD_TYPE_MISMATCH`; DataLedgerError `LEDGER_RECORD_MALFORMED`, `LEDGER_PAYLOAD_TOO_LARGE`
 */
export function recordsOfBody(body: unknown, type: string, maxPayloadBytes: number): LedgerRecord[] {
  const items = Array.isArray(body) ? body : [body];
  return items.map((item: unknown, i: number) => {
    const t = (item as { type?: unknown }).type;
    if (t !== type) {
      throw new ServiceError('HTTP_RECORD_TYPE_MISMATCH', `this route takes ${type} records, not ${String(t)}`, { details: { expected: type, position: i } });
    }
    return parseRecord(item, { maxPayloadBytes });
  });
}

/**
 * Registers the write route of one record type.
 * @param app - the area plugin's instance
 * @param ctx - the app context
 * @param type - the record type the route takes
 */
export function recordRoute(app: FastifyInstance, ctx: AppContext, type: string, tags: string[]): void {
  const path = ROUTE_OF_RECORD_TYPE[type];
  if (path === undefined) throw new RangeError(`type: no route for ${type}`);
  // Validation checks the envelope only, so that a bad payload is refused by the package that
  // owns its meaning (REGISTRY_PAYLOAD_INVALID…); the documentation shows the payload schema.
  const payloadSchema = (PAYLOAD_SCHEMAS as Readonly<Record<string, TObject>>)[type];
  const documented =
    payloadSchema === undefined
      ? null
      : Type.Object({ ...LedgerRecordSchema.properties, type: Type.Literal(type), payload: payloadSchema }, { additionalProperties: false });
  // Examples: one signed record at the head of the demonstration ledger and a pre-chained
  // batch of two, with the receipts the log answers (signatures and proofs verify).
  const write = exampleWrite(type);
  const [first, second] = write?.records ?? [];
  const bodyExamples = first === undefined || second === undefined ? [] : [first, [first, second]];
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
                  body: withExamples(Type.Union([documented, Type.Array(documented, { minItems: 1, maxItems: MAX_BATCH_RECORDS })]), ...bodyExamples),
                },
          url,
        }),
      },
      schema: {
        operationId: `submit${pascalCaseOf(type)}`,
        summary: SUMMARIES[type] ?? type,
        description:
          `Takes a signed \`${type}\` record (or a JSON array of consecutive, pre-chained \`${type}\` records) and answers ` +
          'with its receipt (or one per record). The same record twice returns the same receipt and appends nothing. ' +
          'A stale index answers 409 LEDGER_INDEX_MISMATCH with the current head in details.head: re-sign and retry.',
        tags,
        body: withExamples(Type.Union([LedgerRecordSchema, Type.Array(LedgerRecordSchema, { minItems: 1, maxItems: MAX_BATCH_RECORDS })]), ...bodyExamples),
        response: { 200: withExamples(Type.Union([ReceiptSchema, Type.Array(ReceiptSchema)]), ...receiptExamples), ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const records = recordsOfBody(req.body, type, ctx.maxPayloadBytes);
      const receipts = await ctx.service.submit(records);
      // Receipts are built by us from typed values: plain JSON.stringify is exact here and
      // avoids matching the documented anyOf (one receipt or many) on every answer.
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(Array.isArray(req.body) ? receipts : (receipts[0] as Receipt)));
    },
  );
}

/**
 * Encrypted statistics (隐私计算): open a job (parameters and public key are public),
 * submit encrypted contributions, fetch the encrypted result once `minContributors` have
 * contributed, and record the key holder's release. The service never sees a secret key.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.ts';
import { AggregationJobs } from '../aggregation.ts';
import { ERROR_RESPONSES, LedgerRecordSchema, ReceiptSchema } from '../schemas.ts';
import { recordsOfBody } from './records.ts';
import type { LedgerRecord } from '@dataledger/provenance';

const JobIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9:._/-]*$' }) });
const AnyObject = Type.Object({}, { additionalProperties: true });

/** The aggregation plugin. */
export async function aggregationRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const jobs = new AggregationJobs(ctx.service, ctx.service.aggregationDir ?? null);
  app.addHook('onClose', async () => jobs.close());
  const tags = ['aggregation'];
  const one = (body: unknown, type: string): LedgerRecord => recordsOfBody(body, type, ctx.maxPayloadBytes)[0] as LedgerRecord;

  app.post<{ Body: { record: unknown; job: unknown; publicKey: string } }>(
    '/v1/aggregation/jobs',
    {
      bodyLimit: ctx.contributionBodyLimit,
      schema: {
        summary: 'Open an encrypted statistics job: its parameters and public key (both public) and its aggregation.opened record',
        tags,
        body: Type.Object(
          { record: LedgerRecordSchema, job: AnyObject, publicKey: Type.String({ minLength: 1, description: 'base64 serialized SEAL public key' }) },
          { additionalProperties: false },
        ),
        response: { 200: ReceiptSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => jobs.open(one(req.body.record, 'aggregation.opened'), req.body.job, req.body.publicKey),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/aggregation/jobs/:id',
    {
      schema: {
        summary: "A job's parameters, public key and progress (public)",
        tags,
        params: JobIdParams,
        response: {
          200: Type.Object({
            job: AnyObject,
            jobHash: Type.String(),
            publicKey: Type.String(),
            contributions: Type.Integer(),
            minContributors: Type.Integer(),
            ready: Type.Boolean(),
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => jobs.info(req.params.id),
  );

  app.post<{ Params: { id: string }; Body: { record: unknown; contribution: unknown } }>(
    '/v1/aggregation/jobs/:id/contributions',
    {
      bodyLimit: ctx.contributionBodyLimit,
      schema: {
        summary: "Submit a holder's encrypted contribution with its aggregation.contributed record (same holder, naming the contribution hash)",
        tags,
        params: JobIdParams,
        body: Type.Object({ record: LedgerRecordSchema, contribution: AnyObject }, { additionalProperties: false }),
        response: { 200: ReceiptSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => jobs.contribute(req.params.id, one(req.body.record, 'aggregation.contributed'), req.body.contribution),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/aggregation/jobs/:id/result',
    {
      schema: {
        summary: 'The encrypted aggregate, once minContributors have contributed (409 HTTP_RESULT_NOT_READY before)',
        tags,
        params: JobIdParams,
        response: { 200: AnyObject, ...ERROR_RESPONSES },
      },
    },
    async (req) => jobs.result(req.params.id),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/aggregation/jobs/:id/release',
    {
      schema: {
        summary: "Record the key holder's release: an aggregation.released record naming the result hash and its count",
        tags,
        params: JobIdParams,
        body: LedgerRecordSchema,
        response: { 200: ReceiptSchema, ...ERROR_RESPONSES },
      },
    },
    async (req) => jobs.release(req.params.id, one(req.body, 'aggregation.released')),
  );
}

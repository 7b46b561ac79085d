/**
 * Encrypted statistics (隐私计算): open a job (parameters and public key are public),
 * submit encrypted contributions, fetch the encrypted result once `minContributors` have
 * contributed, and record the key holder's release. The service never sees a secret key.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type TObject } from '@sinclair/typebox';
import type { AppContext } from '../context.ts';
import { AggregationJobs } from '../aggregation.ts';
import { ERROR_RESPONSES, LedgerRecordSchema, ReceiptSchema } from '../schemas.ts';
import { recordsOfBody } from './records.ts';
import { EXAMPLE_CONTRIBUTION, EXAMPLE_JOB, EXAMPLE_JOB_INFO, EXAMPLE_RESULT, exampleWrite, withExamples } from '../examples.ts';
import type { LedgerRecord, VerifiedRecord } from '@dataledger/provenance';

const JobIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9:._/-]*$' }) });
const AnyObject = Type.Object({}, { additionalProperties: true });
const jobIdParams = Type.Object({ id: withExamples(JobIdParams.properties.id, 'J-2026-0003') });
const recordOf = (type: string): LedgerRecord | undefined => exampleWrite(type)?.records[0];
const receiptOf = (type: string): TObject => withExamples(ReceiptSchema, exampleWrite(type)?.receipt);

/** The aggregation plugin. */
export async function aggregationRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  // The shared keeping (a database) if any, else the data directory's files, else memory.
  const jobs = new AggregationJobs(ctx.service, ctx.service.aggregationKeeping ?? ctx.service.aggregationDir ?? null);
  app.addHook('onClose', async () => jobs.close());
  const tags = ['aggregation'];
  const one = (body: unknown, type: string): VerifiedRecord => recordsOfBody(body, type, ctx.maxPayloadBytes)[0] as VerifiedRecord;

  app.post<{ Body: { record: unknown; job: unknown; publicKey: string } }>(
    '/v1/aggregation/jobs',
    {
      bodyLimit: ctx.contributionBodyLimit,
      schema: {
        operationId: 'openAggregationJob',
        summary: 'Open an encrypted statistics job: its parameters and public key (both public) and its aggregation.opened record',
        tags,
        body: Type.Object(
          { record: LedgerRecordSchema, job: AnyObject, publicKey: Type.String({ minLength: 1, description: 'base64 serialized SEAL public key' }) },
          {
            additionalProperties: false,
            examples: [{ record: recordOf('aggregation.opened'), job: EXAMPLE_JOB, publicKey: EXAMPLE_JOB_INFO['publicKey'] }],
          },
        ),
        response: { 200: receiptOf('aggregation.opened'), ...ERROR_RESPONSES },
      },
    },
    async (req) => jobs.open(one(req.body.record, 'aggregation.opened'), req.body.job, req.body.publicKey),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/aggregation/jobs/:id',
    {
      schema: {
        operationId: 'getAggregationJob',
        summary: "A job's parameters, public key and progress (public)",
        tags,
        params: jobIdParams,
        response: {
          200: Type.Object(
            {
              job: AnyObject,
              jobHash: Type.String(),
              publicKey: Type.String(),
              contributions: Type.Integer(),
              minContributors: Type.Integer(),
              ready: Type.Boolean(),
            },
            { examples: [EXAMPLE_JOB_INFO] },
          ),
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
        operationId: 'submitContribution',
        summary: "Submit a holder's encrypted contribution with its aggregation.contributed record (same holder, naming the contribution hash)",
        tags,
        params: jobIdParams,
        body: Type.Object(
          { record: LedgerRecordSchema, contribution: AnyObject },
          { additionalProperties: false, examples: [{ record: recordOf('aggregation.contributed'), contribution: EXAMPLE_CONTRIBUTION }] },
        ),
        response: { 200: receiptOf('aggregation.contributed'), ...ERROR_RESPONSES },
      },
    },
    async (req) => jobs.contribute(req.params.id, one(req.body.record, 'aggregation.contributed'), req.body.contribution),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/aggregation/jobs/:id/result',
    {
      schema: {
        operationId: 'getAggregationResult',
        summary: 'The encrypted aggregate, once minContributors have contributed (409 HTTP_RESULT_NOT_READY before)',
        tags,
        params: jobIdParams,
        response: { 200: withExamples(AnyObject, EXAMPLE_RESULT), ...ERROR_RESPONSES },
      },
    },
    async (req) => jobs.result(req.params.id),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/aggregation/jobs/:id/release',
    {
      schema: {
        operationId: 'releaseAggregationResult',
        summary: "Record the key holder's release: an aggregation.released record naming the result hash and its count",
        tags,
        params: jobIdParams,
        body: withExamples(LedgerRecordSchema, recordOf('aggregation.released')),
        response: { 200: receiptOf('aggregation.released'), ...ERROR_RESPONSES },
      },
    },
    async (req) => jobs.release(req.params.id, one(req.body, 'aggregation.released')),
  );
}

/**
 * Reads of the registry. Certificates and their verification are public; asset details
 * and licences need a request signed (RFC 9421) by a role holder; supervision reports
 * need a regulator's signature.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.ts';
import { verifyRequest } from '../httpsig.ts';
import { ServiceError } from '../problem.ts';
import { ERROR_RESPONSES } from '../schemas.ts';
import {
  EXAMPLE_ASSET,
  EXAMPLE_CERTIFICATE_ID,
  EXAMPLE_VERIFICATION,
  EXAMPLE_LICENCE_ID,
  exampleAssetState,
  exampleAudit,
  exampleCertificate,
  exampleCertificateState,
  exampleLicenceState,
  exampleStatistics,
  withExamples,
} from '../examples.ts';
import { SIGNED_READ } from '../openapi.ts';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9:._/-]*$' }) });
const AnyObject = Type.Object({}, { additionalProperties: true });
const SIGNED = SIGNED_READ;
const idParams = (example: string): typeof IdParams => Type.Object({ id: withExamples(IdParams.properties.id, example) });

function headersOf(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * Checks the RFC 9421 signature of a request and that its signer holds one of `roles`
 * (any role when `roles` is empty).
 * @returns the signer's did:key
 * @throws ServiceError `HTTP_SIGNATURE_MISSING`, `HTTP_SIGNATURE_INVALID`, `HTTP_FORBIDDEN`
 */
export async function signedReader(ctx: AppContext, req: FastifyRequest, roles: readonly string[]): Promise<string> {
  const host = req.headers.host;
  if (host === undefined) throw new ServiceError('HTTP_SIGNATURE_INVALID', 'a signed request needs a Host');
  const did = await verifyRequest(
    { method: req.method, url: `${req.protocol}://${host}${req.url}`, headers: headersOf(req) },
    { maxAgeSeconds: ctx.signatureMaxAgeSeconds },
  );
  const held = ctx.service.view().rolesOf(did);
  const ok = roles.length === 0 ? held.length > 0 : held.some((r) => roles.includes(r));
  if (!ok) {
    throw new ServiceError('HTTP_FORBIDDEN', roles.length === 0 ? 'the signer holds no role' : `needs one of the roles ${roles.join(', ')}`, {
      did,
      roles: [...roles],
    });
  }
  return did;
}

function found<T>(value: T | undefined, what: string, id: string): T {
  if (value === undefined || value === null) throw new ServiceError('HTTP_NOT_FOUND', `no ${what} ${id}`, { id });
  return value;
}

/** Registry reads (assets, licences, certificates) and certificate verification. */
export async function registryReadRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  app.get<{ Params: { id: string } }>(
    '/v1/assets/:id',
    {
      schema: {
        operationId: 'getAsset',
        summary: 'An asset by registration number (signed read: any role holder)',
        tags: ['registration'],
        security: SIGNED,
        params: idParams(EXAMPLE_ASSET),
        response: { 200: withExamples(AnyObject, exampleAssetState()), ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      await signedReader(ctx, req, []);
      return found(ctx.service.view().asset(req.params.id), 'asset', req.params.id);
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/licences/:id',
    {
      schema: {
        operationId: 'getLicence',
        summary: 'A licence by id (signed read: any role holder)',
        tags: ['circulation'],
        security: SIGNED,
        params: idParams(EXAMPLE_LICENCE_ID),
        response: { 200: withExamples(AnyObject, exampleLicenceState()), ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      await signedReader(ctx, req, []);
      return found(ctx.service.view().licence(req.params.id), 'licence', req.params.id);
    },
  );
  app.get<{ Params: { id: string } }>(
    '/v1/certificates/:id',
    {
      schema: {
        operationId: 'getCertificate',
        summary: 'A certificate record by id (public)',
        tags: ['registration'],
        params: idParams(EXAMPLE_CERTIFICATE_ID),
        response: { 200: withExamples(AnyObject, exampleCertificateState()), ...ERROR_RESPONSES },
      },
    },
    async (req) => found(ctx.service.view().certificate(req.params.id), 'certificate', req.params.id),
  );
  await app.register(verifyRoute, { ctx });
}

/**
 * The public verification route. Its cache of time-independent checks is keyed by the
 * certificate's canonical form (RFC 8785), so the body's spelling does not matter.
 */
async function verifyRoute(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  app.post(
    '/v1/certificates/verify',
    {
      ...(ctx.verifyRateLimit === false ? {} : { config: { rateLimit: ctx.verifyRateLimit } }),
      schema: {
        operationId: 'verifyCertificate',
        summary: 'Verify a data-asset certificate offline against this log (public, rate-limited)',
        description: 'Takes a DataAssetCertificate (W3C VC 2.0) and answers the check list: proof, issuer role, validity, status, inclusion.',
        tags: ['registration'],
        body: withExamples(AnyObject, exampleCertificate()),
        response: {
          200: Type.Object(
            {
              verified: Type.Boolean(),
              checks: Type.Array(Type.Object({ name: Type.String(), ok: Type.Boolean(), code: Type.Optional(Type.String()) })),
            },
            { examples: [EXAMPLE_VERIFICATION] },
          ),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => ctx.service.verifyCertificate(req.body),
  );
}

/** Supervision reads (regulator): the audit report and the statistics report. */
export async function supervisionReadRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  app.get(
    '/v1/supervision/audit',
    {
      schema: {
        operationId: 'getAuditReport',
        summary: 'Audit report: replay of the whole ledger, every rule violation (signed read: regulator)',
        tags: ['supervision'],
        security: SIGNED,
        response: { 200: withExamples(AnyObject, exampleAudit()), ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      await signedReader(ctx, req, ['regulator', 'root']);
      return ctx.service.audit();
    },
  );
  app.get(
    '/v1/supervision/statistics',
    {
      schema: {
        operationId: 'getStatisticsReport',
        summary: 'Statistics report (统计报告) of the registry (signed read: regulator)',
        tags: ['supervision'],
        security: SIGNED,
        response: { 200: withExamples(AnyObject, exampleStatistics()), ...ERROR_RESPONSES },
      },
    },
    async (req) => {
      await signedReader(ctx, req, ['regulator', 'root']);
      return ctx.service.view().statistics();
    },
  );
}

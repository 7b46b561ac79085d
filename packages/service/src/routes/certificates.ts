/**
 * Certificate publication (public reads, a checked upload): the signed certificate as its
 * registry signed it, the registry state of a certificate, the role evidence a registry puts
 * in a certificate, and the Bitstring Status List credentials certificates point at. The
 * publication itself is `CertificateDesk`; these routes only translate HTTP.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.ts';
import type { CertificateDesk } from '../certificate-desk.ts';
import { ServiceError } from '../problem.ts';
import { ERROR_RESPONSES, LedgerRecordSchema, QueryIntSchema } from '../schemas.ts';
import { exampleCertificate, exampleRoleEvidence } from '../examples.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
/** Where status lists are served, under the public URL. */
export const STATUS_LISTS_PATH = '/v1/status-lists/';

const IdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]*$', examples: ['urn:uuid:6f1c2a7e-2b4d-4c1e-9a77-0d5e3f0b1a01'] }),
});
const ListParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', examples: ['revocation-1'] }) });

const EXAMPLE_DID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
const CertificateSchema = Type.Object(
  {
    '@context': Type.Array(Type.String()),
    id: Type.String(),
    type: Type.Array(Type.String()),
    issuer: Type.String(),
    credentialSubject: Type.Object({}, { additionalProperties: true }),
    proof: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: true, description: 'A DataAssetCertificate (W3C VC 2.0, eddsa-jcs-2022), exactly as signed', examples: [exampleCertificate()] },
);
const StatusListSchema = Type.Object(
  { id: Type.String(), type: Type.Array(Type.String()), issuer: Type.String(), credentialSubject: Type.Object({}, { additionalProperties: true }) },
  {
    additionalProperties: true,
    description: 'A BitstringStatusListCredential (W3C Bitstring Status List v1.0) signed by the log key, with validFrom and ttl (ms)',
    examples: [
      {
        '@context': ['https://www.w3.org/ns/credentials/v2'],
        id: 'https://ledger.example.gov.cn/v1/status-lists/revocation-1',
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        issuer: EXAMPLE_DID,
        validFrom: '2026-11-29T08:00:00.000Z',
        credentialSubject: {
          id: 'https://ledger.example.gov.cn/v1/status-lists/revocation-1#list',
          type: 'BitstringStatusList',
          statusPurpose: 'revocation',
          encodedList: 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA',
          ttl: 300000,
        },
        proof: {
          type: 'DataIntegrityProof',
          cryptosuite: 'eddsa-jcs-2022',
          proofPurpose: 'assertionMethod',
          verificationMethod: `${EXAMPLE_DID}#z6Mk…`,
          proofValue: 'z…',
        },
      },
    ],
  },
);
const ProvenRecordSchema = Type.Object({ record: LedgerRecordSchema, proof: Type.Array(Type.String({ description: 'base64 hash' })) });

function deskOf(ctx: AppContext): CertificateDesk {
  const desk = ctx.service.certificates;
  if (desk === undefined) throw new ServiceError('HTTP_NOT_FOUND', 'this service publishes no certificates');
  return desk;
}

/** `{publicUrl}/v1/status-lists/`, or the request's own scheme and Host when no public URL is configured. */
function statusListBase(ctx: AppContext, req: FastifyRequest): string {
  const origin = ctx.publicUrl ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`;
  return `${origin}${STATUS_LISTS_PATH}`;
}

function sendJson(reply: FastifyReply, text: string, cacheControl: string): FastifyReply {
  return reply.type(JSON_TYPE).header('cache-control', cacheControl).send(text);
}

/** The certificate publication routes. */
export async function certificateRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const tags = ['registration'];

  app.get<{ Params: { id: string } }>(
    '/v1/certificates/:id',
    {
      schema: {
        operationId: 'getCertificate',
        summary: 'The signed certificate, exactly as its registry signed it (public)',
        description:
          'The DataAssetCertificate published with PUT /v1/certificates/{id}: it verifies offline with the log key alone ' +
          "(its evidence carries the inclusion proofs of its certificate.issued record, the genesis and the issuer's role grant). " +
          '404 HTTP_NOT_FOUND until the registry has published it; the registry state is at /v1/certificates/{id}/state.',
        tags,
        params: IdParams,
        response: { 200: CertificateSchema, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const text = await deskOf(ctx).signed(req.params.id);
      if (text === undefined) throw new ServiceError('HTTP_NOT_FOUND', `no certificate ${req.params.id} is published`, { details: { id: req.params.id } });
      return sendJson(reply, text, 'public, max-age=300');
    },
  );

  app.put<{ Params: { id: string }; Body: unknown }>(
    '/v1/certificates/:id',
    {
      schema: {
        operationId: 'publishCertificate',
        summary: 'Publish the signed certificate of a logged certificate.issued record (its registry)',
        description:
          'The body is the DataAssetCertificate the registry signed after its certificate.issued record was logged. The service ' +
          'checks it against the ledger (proof, record, subject hash, issuer, inclusion, and the role evidence, which must be present) ' +
          'and keeps it durably; 201 when stored, 200 when the same certificate was already published, 409 CERT_CONFLICT when another was.',
        tags,
        params: IdParams,
        body: CertificateSchema,
        response: {
          200: { ...CertificateSchema, description: 'already published: the published certificate' },
          201: { ...CertificateSchema, description: 'published: the certificate as stored (RFC 8785)' },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req, reply) => {
      const { text, created } = await deskOf(ctx).publish(req.params.id, req.body);
      return sendJson(reply.code(created ? 201 : 200), text, 'no-store');
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/certificates/:id/state',
    {
      schema: {
        operationId: 'getCertificateState',
        summary: 'A certificate as the registry records it: issuer, lists, status (public)',
        tags,
        params: IdParams,
        response: {
          200: Type.Object(
            {},
            {
              additionalProperties: true,
              examples: [
                {
                  certificateId: 'urn:uuid:6f1c2a7e-2b4d-4c1e-9a77-0d5e3f0b1a01',
                  registrationNumber: 'DL-G-2026-0001',
                  issuer: EXAMPLE_DID,
                  statusListIndex: 0,
                  revocationList: 'https://ledger.example.gov.cn/v1/status-lists/revocation-1',
                  suspensionList: 'https://ledger.example.gov.cn/v1/status-lists/suspension-1',
                  status: 'active',
                  issuedIndex: 9,
                },
              ],
            },
          ),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => {
      const c = ctx.service.view().certificate(req.params.id);
      if (c === undefined || c === null) throw new ServiceError('HTTP_NOT_FOUND', `no certificate ${req.params.id}`, { details: { id: req.params.id } });
      return c;
    },
  );

  app.get<{ Params: { id: string }; Querystring: { treeSize: string } }>(
    '/v1/certificates/:id/role-evidence',
    {
      schema: {
        operationId: 'getCertificateRoleEvidence',
        summary: "The genesis and the issuer's registry role grant of a logged certificate, proven at a tree size (public)",
        description: "What a registry puts in a certificate's evidence so that verifiers trust the issuer offline (issueCertificate's roleEvidence).",
        tags,
        params: IdParams,
        querystring: Type.Object({ treeSize: { ...QueryIntSchema, examples: ['10'] } }, { additionalProperties: false }),
        response: {
          200: Type.Object({ treeSize: Type.Integer(), genesis: ProvenRecordSchema, grant: ProvenRecordSchema }, { examples: [exampleRoleEvidence()] }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => deskOf(ctx).roleEvidence(req.params.id, Number(req.query.treeSize)),
  );

  app.get(
    '/v1/status-lists',
    {
      schema: {
        operationId: 'listStatusLists',
        summary: 'The status lists served here and the next free status slot (public)',
        description: 'A registry takes `next` for a new certificate (a slot taken meanwhile is refused with 409 REGISTRY_STATUS_INDEX_IN_USE: ask again).',
        tags,
        response: {
          200: Type.Object(
            {
              lists: Type.Array(Type.Object({ id: Type.String(), url: Type.String(), purpose: Type.String(), entries: Type.Integer() })),
              next: Type.Object({ revocationList: Type.String(), suspensionList: Type.String(), statusListIndex: Type.Integer() }),
            },
            {
              examples: [
                {
                  lists: [{ id: 'revocation-1', url: 'https://ledger.example.gov.cn/v1/status-lists/revocation-1', purpose: 'revocation', entries: 1 }],
                  next: {
                    revocationList: 'https://ledger.example.gov.cn/v1/status-lists/revocation-1',
                    suspensionList: 'https://ledger.example.gov.cn/v1/status-lists/suspension-1',
                    statusListIndex: 1,
                  },
                },
              ],
            },
          ),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (req) => deskOf(ctx).slots(statusListBase(ctx, req)),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/status-lists/:id',
    {
      schema: {
        operationId: 'getStatusList',
        summary: 'A Bitstring Status List credential that certificates point at (public)',
        description:
          'Signed by the log key (the key that signs the checkpoints in certificates), re-signed when a suspension, reinstatement ' +
          'or revocation changes it and when half its ttl has passed; verifiers refuse it after validFrom + ttl.',
        tags,
        params: ListParams,
        response: { 200: StatusListSchema, ...ERROR_RESPONSES },
      },
    },
    async (req, reply) => {
      const desk = deskOf(ctx);
      const vc = desk.statusList(`${statusListBase(ctx, req)}${req.params.id}`);
      if (vc === undefined) throw new ServiceError('HTTP_NOT_FOUND', `no status list ${req.params.id}`, { details: { id: req.params.id } });
      // Caches may keep it for at most half its ttl: it is re-signed by then.
      return sendJson(reply, JSON.stringify(vc), `public, max-age=${Math.floor(desk.statusListTtlMs / 2000)}`);
    },
  );
}

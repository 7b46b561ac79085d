/**
 * Reads of the registry. Certificates and their verification are public; asset details
 * and licences need a request signed (RFC 9421) by a role holder; supervision reports
 * need a regulator's signature.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.ts';
import { rememberNonce, verifySignedRequest } from '../httpsig.ts';
import { ServiceError } from '../problem.ts';
import { ERROR_RESPONSES } from '../schemas.ts';
import {
  EXAMPLE_ASSET,
  EXAMPLE_VERIFICATION,
  EXAMPLE_LICENCE_ID,
  exampleAssetState,
  exampleAudit,
  exampleCertificate,
  exampleLicenceState,
  exampleStatistics,
  withExamples,
} from '../examples.ts';
import { SIGNED_READ } from '../openapi.ts';
import { openDisclosure } from '@dataledger/certificates';
import { recordDisclosures, vaultDisclosures } from './disclosures.ts';

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
 * (any role when `roles` is empty; no role at all with `roleless`: a data subject or a
 * licensee reading what concerns it).
 * @returns the signer's did:key
 * @throws ServiceError `HTTP_SIGNATURE_MISSING`, `HTTP_SIGNATURE_INVALID`, `HTTP_FORBIDDEN`
 */
export async function signedReader(ctx: AppContext, req: FastifyRequest, roles: readonly string[], options: { roleless?: boolean } = {}): Promise<string> {
  // The signed @authority is the configured public URL's, never one the client chose
  // (RFC 9421 §7.2.6); the Host header only when none is configured.
  let base = ctx.publicUrl;
  if (base === null) {
    const host = req.headers.host;
    if (host === undefined) throw new ServiceError('HTTP_SIGNATURE_INVALID', 'a signed request needs a Host');
    base = `${req.protocol}://${host}`;
  }
  const limits = { maxAgeSeconds: ctx.signatureMaxAgeSeconds };
  const verified = await verifySignedRequest({ method: req.method, url: `${base}${req.url}`, headers: headersOf(req) }, limits);
  const did = verified.signer;
  const held = ctx.service.view().rolesOf(did);
  const ok = roles.length === 0 ? held.length > 0 || options.roleless === true : held.some((r) => roles.includes(r));
  if (!ok) {
    throw new ServiceError('HTTP_FORBIDDEN', roles.length === 0 ? 'the signer holds no role' : `needs one of the roles ${roles.join(', ')}`, {
      details: { did, roles: [...roles] },
    });
  }
  // Only now, for a signer allowed to read, is the nonce remembered (a replay answers 401).
  // In one process the cache answers at once (no promise, no wait); a shared store is awaited.
  const remembered = rememberNonce(verified, ctx.nonces, limits);
  if (remembered !== undefined) await remembered;
  return did;
}

/** An asset as the registry view serves it: confidential members as digests (`sealed`), no values. */
interface SealedAsset {
  readonly registrationNumber: string;
  readonly holder?: { readonly id: string; readonly name?: string };
  readonly sealed?: Readonly<Record<string, string>>;
  readonly [member: string]: unknown;
}

/** A licence as the registry view serves it: no licensee name when its grant concealed it. */
interface SealedLicence {
  readonly licensee?: { readonly id: string; readonly name?: string };
  readonly grantedIndex?: number;
  readonly [member: string]: unknown;
}

/**
 * An asset with the values of its confidential members for a signer the policy lets see
 * them (the regulators, the root authority, its current holder), from the vault;
 * everyone else gets the digests only. `disclosures` lists those handed over.
 */
async function revealAsset(ctx: AppContext, reader: string, asset: SealedAsset): Promise<Record<string, unknown>> {
  // A registry without confidential members (no `sealed`) is served as it is.
  if (asset.sealed === undefined) return asset;
  const sealed = asset.sealed;
  const roles = ctx.service.view().rolesOf(reader);
  // Not its registry: later records (a valuation, a change) are not its to read; it reads its
  // registration's disclosures at /v1/records/{index}/disclosures.
  const allowed = roles.includes('regulator') || roles.includes('root') || asset.holder?.id === reader;
  const paths = Object.keys(sealed);
  if (!allowed || paths.length === 0) return { ...asset, disclosures: [] };
  const found = await vaultDisclosures(
    ctx,
    paths.map((p) => sealed[p] as string),
  );
  const out: Record<string, unknown> = { ...asset };
  const disclosures: string[] = [];
  paths.forEach((path, i) => {
    const opened = found[i];
    if (opened === undefined) return; // erased
    disclosures.push(opened.disclosure);
    if (path === 'holder.name') out['holder'] = { ...asset.holder, name: opened.value };
    else out[path] = opened.value;
  });
  return { ...out, disclosures };
}

/**
 * A licence with its grant's disclosures (the licensee's name, the fee) for a signer the
 * policy lets see them (the regulators, the root authority, the licensee, the licensor).
 */
async function revealLicence(ctx: AppContext, reader: string, licence: SealedLicence): Promise<Record<string, unknown>> {
  if (typeof licence.grantedIndex !== 'number' || licence.grantedIndex >= ctx.service.size) return licence;
  const { disclosures } = await recordDisclosures(ctx, reader, licence.grantedIndex);
  const out: Record<string, unknown> = { ...licence };
  for (const d of disclosures) {
    const { name, value } = openDisclosure(d);
    if (name === 'name' && licence.licensee !== undefined) out['licensee'] = { ...licence.licensee, name: value };
    else if (name === 'fee') out['fee'] = value;
  }
  return { ...out, disclosures };
}

function found<T>(value: T | undefined, what: string, id: string): T {
  if (value === undefined || value === null) throw new ServiceError('HTTP_NOT_FOUND', `no ${what} ${id}`, { details: { id } });
  return value;
}

/** Registry reads (assets, licences) and certificate verification; certificates themselves are in `certificates.ts`. */
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
      const reader = await signedReader(ctx, req, []);
      const asset = found(ctx.service.view().asset(req.params.id), 'asset', req.params.id) as SealedAsset;
      return revealAsset(ctx, reader, asset);
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
      // A licensee need hold no role to read its own licence.
      const reader = await signedReader(ctx, req, [], { roleless: true });
      const licence = found(ctx.service.view().licence(req.params.id), 'licence', req.params.id) as SealedLicence;
      const roles = ctx.service.view().rolesOf(reader);
      if (roles.length === 0 && licence.licensee?.id !== reader)
        throw new ServiceError('HTTP_FORBIDDEN', 'the signer holds no role', { details: { did: reader, roles: [] } });
      return revealLicence(ctx, reader, licence);
    },
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
              status: Type.Optional(Type.String({ description: 'active, revoked, suspended, unchecked or unknown (a status list that could not be used)' })),
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

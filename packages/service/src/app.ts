/**
 * `buildApp(options)`: the Fastify application, separate from `listen` (fastify's
 * `build(opts)` pattern). One plugin per area: registration, circulation, supervision,
 * aggregation and log. The service adds no business rules: it authenticates, validates
 * against the route schema, calls the packages, and answers.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import { Type } from '@sinclair/typebox';
import { installProblemHandlers, problemFromError, problemOf, sendProblem, ServiceError } from './problem.ts';
import { installJsonBodyParser } from './json-body.ts';
import type { AppContext, LogReadRateLimit } from './context.ts';
import type { ServedLedger } from './service.ts';
import { NonceCache } from './httpsig.ts';
import { memoryCosignatures } from './cosignatures.ts';
import { PLUGINS } from './routes/index.ts';
import { EXAMPLE_LOG_VKEY, signedReadExample, withExamples } from './examples.ts';
import { swaggerOptions } from './openapi.ts';

/** Version of the HTTP API (OpenAPI `info.version`). */
const SERVICE_VERSION = '0.1.0';
import { defaultExplorerDir, explorerRoutes } from './routes/explorer.ts';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** The opened ledger (see `openService`). */
  service: ServedLedger;
  /** Fastify's `logger` option: `true`, `false` (default) or pino options. */
  logger?: FastifyServerOptions['logger'];
  /** A ready pino (or compatible) logger instance; wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** When true, `app.close()` also closes the service (after in-flight appends finish). */
  closeService?: boolean;
  /** Body size limit for ordinary requests in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Body size limit for batch writes in bytes (default 8 MiB). */
  batchBodyLimit?: number;
  /** Body size limit for encrypted contributions in bytes (default 16 MiB). */
  contributionBodyLimit?: number;
  /** Rate limit of the public certificate-verification route, per client IP (default 600 per minute); `false` disables it. */
  verifyRateLimit?: { max: number; timeWindow: number | string } | false;
  /** Maximum age of an RFC 9421 request signature, seconds (default 300). */
  signatureMaxAgeSeconds?: number;
  /**
   * Witness cosigner vkeys (C2SP tlog-cosignature) whose cosignatures `POST /v1/log/cosignatures`
   * accepts, one kept per witness; any other signer gets 403 `HTTP_WITNESS_UNKNOWN`. Default: none.
   */
  witnessKeys?: string[];
  /**
   * The service's public URL, e.g. `https://ledger.example.gov.cn` (`--public-url`, `PUBLIC_URL`):
   * signed reads must cover its authority (RFC 9421 `@authority`), and status lists are published
   * under it (`{publicUrl}/v1/status-lists/{id}` is what certificates name). Default: the scheme and
   * Host of each request, which suits only a service reached under one name.
   */
  publicUrl?: string;
  /**
   * Per-client rate limits of the log reads; `false` disables them (tests). Defaults
   * ({@link DEFAULT_LOG_READ_RATE_LIMIT}): entries 1,200, proofs 3,000, export 30 per minute.
   */
  logReadRateLimit?: Partial<LogReadRateLimit> | false;
  /**
   * The web explorer's build directory, served at `/`; default: `@dataledger/explorer/dist`
   * when installed; `false` serves no page.
   */
  explorerDir?: string | false;
}

/** Default per-client rate limits of the log reads (per minute, per client IP). */
export const DEFAULT_LOG_READ_RATE_LIMIT: LogReadRateLimit = Object.freeze({
  entries: { max: 1200, timeWindow: 60_000 },
  proofs: { max: 3000, timeWindow: 60_000 },
  export: { max: 30, timeWindow: 60_000 },
});

/** Default body limit of ordinary requests (1 MiB). */
export const DEFAULT_BODY_LIMIT: number = 1024 * 1024;

/**
 * Builds the dataledger HTTP application. Call `listen` on the result to serve it.
 * @param options - the opened service and HTTP options
 * @returns a Fastify instance with every route registered and ready
 * @example
 * ```ts
 * const service = await openService({ dataDir: './data' });
 * const app = await buildApp({ service, logger: true });
 * await app.listen({ host: '127.0.0.1', port: 8080 });
 * ```
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const fastifyOptions: FastifyServerOptions = {
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Signed records must reach the handler byte for byte: no coercion, no stripping of
    // unknown members (a record with an extra member is refused, not silently changed).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Query strings are parsed by fastify; keep parameter counts bounded.
    routerOptions: { maxParamLength: 200 },
    // While closing, requests still arriving on open connections get a problem document
    // (the onRequest hook below) rather than fastify's plain 503.
    return503OnClosing: false,
    // Router-level failures (bad percent-encoding, over-long parameters) are client errors
    // too, and answer in the same problem+json form as every other error.
    frameworkErrors: (err, request, reply) => {
      const p = problemFromError(err, request);
      return sendProblem(reply, p.status >= 500 ? problemOf('HTTP_BAD_REQUEST', err.message) : p);
    },
    forceCloseConnections: 'idle',
  };
  if (options.loggerInstance !== undefined) fastifyOptions.loggerInstance = options.loggerInstance;
  else fastifyOptions.logger = options.logger ?? false;
  const app = Fastify(fastifyOptions) as unknown as FastifyInstance;
  installProblemHandlers(app);
  // Every JSON body is untrusted: read it with the safe reader (nodejs/node#63785, RFC 7493).
  installJsonBodyParser(app);
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) return sendProblem(reply, problemOf('HTTP_SHUTTING_DOWN', 'the service is shutting down'));
    return undefined;
  });

  // The authority signed reads are bound to: the worked example in the document uses it.
  const publicUrl = publicUrlOf(options.publicUrl);
  const example = await signedReadExample(publicUrl ?? undefined);
  await app.register(
    swagger,
    swaggerOptions({
      version: SERVICE_VERSION,
      example,
      servers: () => {
        if (publicUrl !== null) return [{ url: publicUrl, description: 'the public URL of this service' }];
        const a = app.server.address();
        if (a === null || typeof a === 'string') return [{ url: '/', description: 'this service (not listening yet)' }];
        // A wildcard address names no host a client can use: the document's own origin is right.
        if (a.address === '0.0.0.0' || a.address === '::') return [{ url: '/', description: `this service (all interfaces, port ${a.port})` }];
        const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        return [{ url: `http://${host}:${a.port}`, description: 'the address this service listens on' }];
      },
    }),
  );
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { validatorUrl: null } });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new ServiceError('HTTP_RATE_LIMITED', `rate limit exceeded, retry in ${ctx.after}`),
  });

  const ctx: AppContext = {
    service: options.service,
    batchBodyLimit: options.batchBodyLimit ?? 8 * 1024 * 1024,
    contributionBodyLimit: options.contributionBodyLimit ?? 16 * 1024 * 1024,
    maxPayloadBytes: options.service.maxPayloadBytes,
    verifyRateLimit: options.verifyRateLimit ?? { max: 600, timeWindow: 60_000 },
    signatureMaxAgeSeconds: options.signatureMaxAgeSeconds ?? 300,
    witnessKeys: options.witnessKeys ?? [],
    publicUrl: publicUrlOf(options.publicUrl),
    // The service's shared stores when it has them (several instances on one PostgreSQL log),
    // else this app's own.
    nonces: options.service.nonces ?? new NonceCache(),
    cosignatures: options.service.cosignatures ?? memoryCosignatures(),
    logReadRateLimit: options.logReadRateLimit === false ? false : { ...DEFAULT_LOG_READ_RATE_LIMIT, ...(options.logReadRateLimit ?? {}) },
  };

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'Liveness and the log head',
        tags: ['meta'],
        response: {
          200: withExamples(
            Type.Object({
              status: Type.Literal('ok'),
              origin: Type.String(),
              size: Type.Integer(),
              logKey: Type.String({ description: "the log's C2SP verifier key" }),
            }),
            { status: 'ok', origin: 'ledger.example/log', size: 18, logKey: EXAMPLE_LOG_VKEY },
          ),
        },
      },
    },
    async () => ({
      status: 'ok' as const,
      origin: ctx.service.origin,
      size: ctx.service.size,
      logKey: ctx.service.logVerifierKey,
    }),
  );

  for (const plugin of PLUGINS) await app.register(plugin, { ctx });
  await app.register(explorerRoutes, { dir: options.explorerDir === false ? null : (options.explorerDir ?? defaultExplorerDir()) });

  if (options.closeService === true) {
    app.addHook('onClose', async () => {
      await ctx.service.close();
    });
  }
  await app.ready();
  return app;
}

/** The configured public URL without a trailing slash; a malformed one is a configuration mistake. */
function publicUrlOf(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`publicUrl: ${JSON.stringify(value)} is not an absolute URL`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new TypeError(`publicUrl: ${JSON.stringify(value)} must be an http(s) URL without query or fragment`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

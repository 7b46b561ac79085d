/**
 * RFC 9457 problem details. Every error the service answers is one
 * `application/problem+json` document with the stable `code` of the package that
 * raised it, so clients (and `DataLedgerClient`) branch on codes, never on messages.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DataLedgerError, isDataLedgerError } from '@dataledger/core';
import { httpStatusOf, type ServiceErrorCode } from './errors.ts';

/** The problem+json media type (RFC 9457 §3). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 9457 problem details document with the dataledger extension members. */
export interface Problem {
  /** RFC 9457 §3.1.1: a URI naming the problem type; here `urn:dataledger:error:<code>`. */
  type: string;
  /** RFC 9457 §3.1.3: a short summary of the problem type. */
  title: string;
  /** RFC 9457 §3.1.2: the HTTP status. */
  status: number;
  /** RFC 9457 §3.1.4: this occurrence, for a human. */
  detail: string;
  /** RFC 9457 §3.1.5: the request path this occurred on. */
  instance?: string;
  /** Extension: the stable error code (`LEDGER_INDEX_MISMATCH`, `HTTP_BAD_REQUEST`…). */
  code: string;
  /** Extension: machine-readable context of the error (an index, the current head…). */
  details?: Record<string, unknown>;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Builds a problem document for a code.
 * @param code - the error code (its status comes from the one table)
 * @param detail - a human-readable explanation of this occurrence
 * @param details - machine-readable context
 * @returns the problem document
 */
export function problemOf(code: string, detail: string, details?: Record<string, unknown>): Problem {
  const status = httpStatusOf(code);
  const p: Problem = { type: `urn:dataledger:error:${code}`, title: TITLES[status] ?? 'Error', status, detail, code };
  if (details !== undefined) p.details = details;
  return p;
}

/** Sends a problem document. */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/**
 * The coded error of `@dataledger/service` (`HTTP_…` codes): a {@link DataLedgerError} like
 * every package's, so one path turns any of them into a problem document.
 */
export class ServiceError extends DataLedgerError<ServiceErrorCode> {}

// Fastify's own client-error codes → ours. Anything Fastify marks 4xx that is not listed
// becomes HTTP_BAD_REQUEST; nothing a client sends may become a 5xx.
const FASTIFY_CODES: Record<string, ServiceErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'HTTP_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'HTTP_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'HTTP_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'HTTP_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'HTTP_BAD_REQUEST',
  FST_ERR_VALIDATION: 'HTTP_BAD_REQUEST',
  FST_ERR_BAD_URL: 'HTTP_BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'HTTP_BAD_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'HTTP_BAD_REQUEST',
};

/** Converts anything thrown inside a request into a problem document. */
export function problemFromError(err: unknown, request?: FastifyRequest): Problem {
  let problem: Problem;
  if (isDataLedgerError(err)) {
    const e = err as { code: string; message: string; details?: Record<string, unknown> };
    problem = problemOf(e.code, e.message, e.details);
  } else {
    const fe = err as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
    if (fe !== null && typeof fe === 'object' && fe.validation !== undefined) {
      problem = problemOf('HTTP_BAD_REQUEST', String(fe.message ?? 'invalid request'), {
        validation: sanitizeValidation(fe.validation),
        ...(fe.validationContext === undefined ? {} : { context: fe.validationContext }),
      });
    } else if (fe !== null && typeof fe === 'object' && typeof fe.code === 'string' && fe.code in FASTIFY_CODES) {
      problem = problemOf(FASTIFY_CODES[fe.code] as string, String(fe.message));
    } else if (fe !== null && typeof fe === 'object' && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code: ServiceErrorCode =
        fe.statusCode === 404
          ? 'HTTP_NOT_FOUND'
          : fe.statusCode === 405
            ? 'HTTP_METHOD_NOT_ALLOWED'
            : fe.statusCode === 413
              ? 'HTTP_BODY_TOO_LARGE'
              : fe.statusCode === 415
                ? 'HTTP_UNSUPPORTED_MEDIA_TYPE'
                : fe.statusCode === 429
                  ? 'HTTP_RATE_LIMITED'
                  : 'HTTP_BAD_REQUEST';
      problem = problemOf(code, String(fe.message ?? 'bad request'));
    } else {
      problem = problemOf('HTTP_INTERNAL', 'internal error');
    }
  }
  if (request !== undefined) problem.instance = request.url.split('?')[0] as string;
  return problem;
}

function sanitizeValidation(v: unknown): unknown {
  if (!Array.isArray(v)) return undefined;
  return v.slice(0, 10).map((e: { instancePath?: unknown; message?: unknown; keyword?: unknown }) => ({
    instancePath: typeof e.instancePath === 'string' ? e.instancePath : '',
    keyword: typeof e.keyword === 'string' ? e.keyword : '',
    message: typeof e.message === 'string' ? e.message : '',
  }));
}

/**
 * Installs the error and not-found handlers so that every error is problem+json.
 * @param app - the Fastify instance (root, before plugins are registered)
 */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = problemFromError(err, request);
    if (problem.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: problem.code }, 'client error');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const p = problemOf('HTTP_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] as string}`);
    p.instance = request.url.split('?')[0] as string;
    return sendProblem(reply, p);
  });
}

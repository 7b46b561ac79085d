/**
 * The one JSON body parser of the service. Bodies are read with core's `parseJson`, never
 * `JSON.parse`: V8 on Node 24–26 (nodejs/node#63785) lets one request with a member named `\`
 * change how later requests' escaped member names read, and `JSON.parse` keeps the last of
 * duplicate member names (refused here, I-JSON, RFC 7493 §2.3). The prototype-poisoning shapes
 * Fastify's own parser refuses (`__proto__`, `constructor.prototype`) are refused as well.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isDataLedgerError, parseJson } from '@dataledger/core';
import { ServiceError } from './problem.ts';

/** A request whose body text was kept by {@link installJsonBodyParser} (`keepText`). */
export type RequestWithText = FastifyRequest & { rawBody?: string };

/**
 * Replaces the `application/json` parser of `app` (and of the contexts it encapsulates).
 * Fastify has already enforced the route's body limit when the parser runs.
 * @param app - a Fastify instance or plugin context
 * @param options - `keepText`: keep the body text on `request.rawBody` (the verify route's cache key)
 */
export function installJsonBodyParser(app: FastifyInstance, options: { keepText?: boolean } = {}): void {
  if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
  const keep = options.keepText === true;
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    if (keep) (req as RequestWithText).rawBody = text;
    try {
      done(null, parseJson(text, { maxBytes: Infinity, forbidPrototypeKeys: true }));
    } catch (e) {
      // Unreadable JSON is the body's fault: HTTP_BAD_REQUEST, with the reader's reason.
      if (!isDataLedgerError(e)) return done(e as Error, undefined);
      const details = e.details === undefined ? undefined : { reason: e.details.reason, position: e.details.position };
      return done(new ServiceError('HTTP_BAD_REQUEST', `body: ${e.message}`, { details }), undefined);
    }
  });
}

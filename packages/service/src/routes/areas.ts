/**
 * The write routes of the four domain areas. Each area is one plugin; the reads of each
 * area are added by the area's read module.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { recordRoute, writesOf } from './records.ts';
import { registryReadRoutes, supervisionReadRoutes } from './reads.ts';
import { certificateRoutes } from './certificates.ts';
import { disclosureRoutes } from './disclosures.ts';

/** Registration (登记): register, review, value, change, cancel, issue certificate. */
export async function registrationRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  for (const t of writesOf('registration')) recordRoute(app, opts.ctx, t, ['registration']);
  await registryReadRoutes(app, opts);
  await certificateRoutes(app, opts);
}

/** Circulation (流通): transfer, licences, consents, cross-border approval. */
export async function circulationRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  for (const t of writesOf('circulation')) recordRoute(app, opts.ctx, t, ['circulation']);
}

/** Supervision (监管): roles, freeze/unfreeze, certificate status, disclosures and their erasure. */
export async function supervisionRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  for (const t of writesOf('supervision')) recordRoute(app, opts.ctx, t, ['supervision']);
  await supervisionReadRoutes(app, opts);
  await disclosureRoutes(app, opts);
}

/** The route plugins, one per area. */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { logRoutes } from './log.ts';
import { tilesRoutes } from './tiles.ts';
import { aggregationRoutes } from './aggregation.ts';
import { circulationRoutes, registrationRoutes, supervisionRoutes } from './areas.ts';

/** A route plugin of one area. */
export type AreaPlugin = (app: FastifyInstance, opts: { ctx: AppContext }) => Promise<void>;

/** Every area's plugin, in registration order. */
export const PLUGINS: AreaPlugin[] = [logRoutes, tilesRoutes, registrationRoutes, circulationRoutes, supervisionRoutes, aggregationRoutes];

/**
 * Instances of one PostgreSQL log for tests (README "Scaling out"): `openService({ database })`
 * on a data directory, served by `buildApp` on 127.0.0.1, and a second data directory given
 * the first one's keys, as an operator copies them.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, openService, type BuildAppOptions, type DataDirService } from '@dataledger/service';

/** One running instance. */
export interface Instance {
  service: DataDirService;
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Closes the app, then the service (idempotent). */
  stop(): Promise<void>;
}

/** The files an instance of an existing ledger needs from its first instance's data directory. */
export const LEDGER_KEY_FILES = ['log.key', 'root.key', 'log.vkey'] as const;

/**
 * Gives a new data directory the keys of an existing ledger's.
 * @param from - the first instance's data directory
 * @param to - the new one (created)
 */
export async function copyLedgerKeys(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  for (const f of LEDGER_KEY_FILES) await copyFile(join(from, f), join(to, f));
}

/**
 * Opens and serves an instance of the log in `database` (fast lease retries and refreshes, as
 * the cluster tests want them).
 * @param dataDir - its data directory (keys copied there first for a second instance)
 * @param database - the PostgreSQL URL
 * @param app - `buildApp` options besides the service
 * @param running - where the instance is remembered, for the file's clean-up
 */
export async function startInstance(
  dataDir: string,
  database: string,
  app: Omit<BuildAppOptions, 'service'> = {},
  running: Instance[] = [],
): Promise<Instance> {
  const service = await openService({ dataDir, database, cluster: { leaseRetryMs: 50, refreshMs: 200 } });
  const server = await buildApp({ service, ...app });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const addr = server.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  let stopped = false;
  const inst: Instance = {
    service,
    app: server,
    base,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.close();
      await service.close();
    },
  };
  running.push(inst);
  return inst;
}

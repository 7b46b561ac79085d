import { stat } from 'node:fs/promises';
import { dataDirPaths, isOrigin, openService, type DataDirService } from '@dataledger/service';
import type { DisclosurePolicy } from '@dataledger/certificates';
import { cliError } from './errors.ts';

/** How {@link openDataDir} treats a missing directory. */
export interface OpenDataDirOptions {
  /**
   * Origin of a new ledger (default: derived from its fresh log key, so two new data
   * directories never share one). An existing ledger keeps its own; naming another is refused.
   */
  origin?: string | undefined;
  /** Refuse a directory that holds no ledger instead of creating one (export, demo checks). */
  mustExist?: boolean;
  /** Allowed lead of a record's time over the server clock, ms (the service's default when absent). */
  maxClockSkewMs?: number;
  /** A `postgres://` URL holding the log (the keys stay in the directory). */
  database?: string;
  /** The statistics report's small-cell threshold k (the service's default when absent). */
  minStatisticsCell?: number;
  /** Which payload members are confidential (the service's default when absent). */
  disclosurePolicy?: DisclosurePolicy;
}

/**
 * Opens the ledger in a data directory through the service's opener (so `serve`, `demo` and
 * `export` agree on one layout: `ledger/`, `log.key`, `root.key`, `log.vkey`, `root.did`),
 * mapping the usual operator mistakes to coded errors.
 * @param dir - absolute path of the data directory
 * @param options - see {@link OpenDataDirOptions}
 * @returns the opened service (close it when done)
 * @throws DataLedgerError `CLI_DATA_DIR_MISSING`, `CLI_DATA_DIR_LOCKED`, `CLI_USAGE` (an origin that cannot be), or the opener's own code
 */
export async function openDataDir(dir: string, options: OpenDataDirOptions = {}): Promise<DataDirService> {
  if (options.mustExist === true) {
    const present = await stat(dataDirPaths(dir).logKey).then(
      () => true,
      () => false,
    );
    if (!present) throw cliError('CLI_DATA_DIR_MISSING', `${dir} holds no ledger`);
  }
  if (options.origin !== undefined && !isOrigin(options.origin)) {
    throw cliError('CLI_USAGE', `--origin ${JSON.stringify(options.origin)}: expected a name without spaces or "+", e.g. example.org/log`);
  }
  let service: DataDirService;
  try {
    service = await openService({
      dataDir: dir,
      mustExist: options.mustExist === true,
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(options.maxClockSkewMs === undefined ? {} : { maxClockSkewMs: options.maxClockSkewMs }),
      ...(options.database === undefined ? {} : { database: options.database }),
      ...(options.minStatisticsCell === undefined ? {} : { minStatisticsCell: options.minStatisticsCell }),
      ...(options.disclosurePolicy === undefined ? {} : { disclosurePolicy: options.disclosurePolicy }),
    });
  } catch (err) {
    if (isLockError(err)) {
      throw cliError('CLI_DATA_DIR_LOCKED', `${dir} is in use by another process (a running server?); stop it, or use --url`, err);
    }
    throw err;
  }
  if (options.origin !== undefined && service.origin !== options.origin) {
    const held = service.origin;
    await service.close();
    throw cliError('CLI_USAGE', `${dir} holds the ledger ${held}; its origin cannot be changed to ${options.origin}`);
  }
  return service;
}

/** LevelDB refuses a second opener with a LOCK error, possibly wrapped several causes deep. */
function isLockError(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 6; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === 'LEVEL_LOCKED') return true;
    if (typeof message === 'string' && /\bLOCK\b|\block(ed)?\b/i.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

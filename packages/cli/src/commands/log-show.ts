import type { LedgerRecord } from '@dataledger/provenance';
import { cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { shortDid } from './audit.ts';
import { remoteClient, runRemote, type RemoteOptions } from './remote.ts';

/** Options of `dataledger log show`. */
export interface LogShowOptions extends RemoteOptions {
  /** First index shown (default: the last `limit` records). */
  from?: number | undefined;
  /** How many records (default 20). */
  limit?: number | undefined;
}

/** One row of the table: what a person reads about a record. */
export interface LogRow {
  index: number;
  time: string;
  type: string;
  actor: string;
  /** The actor's roles when it signed the record (`root` for the root authority). */
  actorRoles: string[];
  /** The asset the record is about (registration number), if any. */
  asset: string | null;
}

/**
 * Follows the ledger to name each record's actor by role and each record's asset: roles from
 * `ledger.genesis` and `role.granted|revoked` (DESIGN.md: the root authority grants roles),
 * assets from `registrationNumber`, or through the certificate, licence or consent a record
 * names.
 */
export class LogReader {
  readonly #roles = new Map<string, Set<string>>();
  readonly #assetOf = new Map<string, string>();

  /**
   * Reads one record (in log order) into a row.
   * @param r - the record
   * @returns the row
   */
  row(r: LedgerRecord): LogRow {
    const p = (typeof r.payload === 'object' && r.payload !== null ? r.payload : {}) as Record<string, unknown>;
    // The genesis record is signed by the root authority it names.
    if (r.type === 'ledger.genesis' && typeof p['rootAuthority'] === 'string') this.#grant(p['rootAuthority'], 'root');
    const actorRoles = [...(this.#roles.get(r.actor) ?? [])];
    const regno = typeof p['registrationNumber'] === 'string' ? p['registrationNumber'] : null;
    const ref = [p['certificateId'], p['licenceId'], p['consentId']].find((x): x is string => typeof x === 'string');
    const asset = regno ?? (ref === undefined ? null : (this.#assetOf.get(ref) ?? null));
    if (regno !== null && ref !== undefined) this.#assetOf.set(ref, regno);
    if (r.type === 'role.granted' && typeof p['subject'] === 'string' && typeof p['role'] === 'string') this.#grant(p['subject'], p['role']);
    if (r.type === 'role.revoked' && typeof p['subject'] === 'string' && typeof p['role'] === 'string') this.#roles.get(p['subject'])?.delete(p['role']);
    return { index: r.index, time: r.time, type: r.type, actor: r.actor, actorRoles, asset };
  }

  #grant(did: string, role: string): void {
    let set = this.#roles.get(did);
    if (set === undefined) {
      set = new Set();
      this.#roles.set(did, set);
    }
    set.add(role);
  }
}

/**
 * Renders rows as an aligned table for a terminal.
 * @param rows - the rows
 * @returns the text, header first
 */
export function formatLogTable(rows: readonly LogRow[]): string {
  const cells = rows.map((r) => [
    String(r.index),
    r.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, 'Z'),
    r.type,
    `${r.actorRoles.length > 0 ? r.actorRoles.join('+') : '(no role)'} ${shortDid(r.actor)}`,
    r.asset ?? '',
  ]);
  const header = ['#', 'time (UTC)', 'type', 'actor', 'asset'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => (i === 0 ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...cells.map(line)].join('\n')}\n`;
}

/**
 * `dataledger log show [--from N] [--limit N]`: records as a table (index, time, type, actor
 * by role, asset). The roles are read from the log itself, so the records from 0 are fetched.
 * @param options - see {@link LogShowOptions}
 * @param io - streams
 * @returns 0
 * @throws DataLedgerError `CLI_USAGE`, `CLI_HTTP_ERROR` (exit 2)
 */
export async function logShowCommand(options: LogShowOptions, io: CliIo): Promise<ExitStatus> {
  const remote = await remoteClient(options, io, false);
  const limit = options.limit ?? 20;
  return runRemote(io, options, remote.url, async () => {
    const { size } = await remote.client.head();
    const from = options.from ?? Math.max(0, size - limit);
    if (from > size) throw cliError('CLI_USAGE', `--from ${from}: the log holds ${size} records`);
    const end = Math.min(size, from + limit);
    const reader = new LogReader();
    const rows: LogRow[] = [];
    // Roles and assets are named by earlier records: read from the start, show [from, end).
    const PAGE = 1000;
    for (let at = 0; at < end; at += PAGE) {
      for (const r of await remote.client.entries(at, Math.min(end, at + PAGE))) {
        const row = reader.row(r);
        if (r.index >= from) rows.push(row);
      }
    }
    if (options.json === true) io.stdout.write(`${JSON.stringify({ size, from, rows })}\n`);
    else {
      io.stdout.write(formatLogTable(rows));
      io.stderr.write(`records ${from}-${end - 1} of ${size}\n`);
    }
    return EXIT.OK;
  });
}

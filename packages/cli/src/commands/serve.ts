import { resolve } from 'node:path';
import { pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { didKeyFromPublicKey } from '@dataledger/core';
import { NOTE_TYPE_COSIGNATURE_V1, parseVerifierKey } from '@dataledger/provenance';
import { disclosurePolicy, type DisclosurePolicy } from '@dataledger/certificates';
import { buildApp } from '@dataledger/service';
import { cliError } from '../errors.ts';
import { openDataDir } from '../datadir.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';

/** Options of `dataledger serve` (flags, else PORT / HOST / DATA_DIR, else the defaults). */
export interface ServeOptions {
  /** TCP port; 0 picks a free one (the bound address is printed). Default 8080. */
  port: number;
  /** Interface. Default 127.0.0.1. */
  host: string;
  /** Data directory. Default ./data. */
  data: string;
  /** Origin of a new ledger's log (default: derived from its log key). An existing ledger keeps its own. */
  origin?: string | undefined;
  /**
   * Log lines for people (pino-pretty) instead of JSON. Default: when stdout is a terminal;
   * a pipe or a file (a log collector) gets one JSON object per line.
   */
  pretty?: boolean | undefined;
  /** pino log level. Default info. */
  logLevel: string;
  /**
   * Seconds to wait for in-flight requests at shutdown before open connections are cut
   * (a client that stops reading must not keep the ledger open forever). Default 5, so that
   * a stop completes well within the 10 s process managers usually allow before SIGKILL.
   */
  shutdownTimeout?: number;
  /** Seconds a record's time may be ahead of the server clock (default 300). */
  maxClockSkew?: number;
  /** Witnesses (C2SP cosigner vkeys) whose cosignatures the log keeps (`--witness-key`, `WITNESS_KEYS`). */
  witnessKey?: string[];
  /** The public URL signed reads are bound to (`--public-url`, `PUBLIC_URL`). */
  publicUrl?: string;
  /** A `postgres://` URL: the log lives in PostgreSQL, the keys in the data directory (`--database`, `DATABASE_URL`). */
  database?: string;
  /** The statistics report's small-cell threshold k (`--min-cell`, default 5). */
  minCell?: number;
  /** Confidential members made public, `type:path` (`--public-member`, repeatable; DESIGN.md "Disclosure policy"). */
  publicMember?: string[];
}

/**
 * Where the server's log lines go: `io.stdout`, as one JSON object per line (for a log
 * collector), or, for a person at a terminal, as readable lines formatted by pino-pretty
 * (time, level, message, then the fields).
 * @param io - the streams
 * @param pretty - format for a person
 * @returns a pino destination
 */
export function logDestination(io: CliIo, pretty: boolean): { write(line: string): void } {
  if (!pretty) return { write: (line) => void io.stdout.write(line) };
  const format = prettyFactory({
    colorize: io.env['NO_COLOR'] === undefined,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name',
    singleLine: true,
  });
  return { write: (line) => void io.stdout.write(format(line)) };
}

/**
 * `dataledger serve`: opens (or on first start creates, with fresh 0600 keys) the ledger in
 * the data directory, prints the log's C2SP verifier key and the root authority's did:key,
 * and serves the HTTP API until SIGINT/SIGTERM. Shutdown is graceful: the server stops
 * accepting, in-flight requests (and the appends they wait on) finish, then the store closes.
 * @param options - see {@link ServeOptions}
 * @param io - streams; `io.stopSignal` ends the server
 * @returns {@link EXIT}.OK after a clean shutdown
 * @throws DataLedgerError `CLI_DATA_DIR_LOCKED` or `CLI_USAGE` (cannot listen)
 */
export async function serveCommand(options: ServeOptions, io: CliIo): Promise<ExitStatus> {
  const witnessKeys = options.witnessKey ?? [];
  for (const k of witnessKeys) {
    let ok = false;
    try {
      ok = parseVerifierKey(k).type === NOTE_TYPE_COSIGNATURE_V1;
    } catch {
      ok = false;
    }
    if (!ok) throw cliError('CLI_USAGE', `--witness-key ${k}: not a C2SP cosigner verifier key (name+keyid+base64 of 0x04 and the key)`);
  }
  if (options.publicUrl !== undefined && options.publicUrl !== '' && !/^https?:\/\/[^\s?#]+$/.test(options.publicUrl)) {
    throw cliError('CLI_USAGE', `--public-url ${options.publicUrl}: expected an http(s) URL without query or fragment`);
  }
  const dataDir = resolve(io.cwd, options.data);
  if (options.database !== undefined && options.database !== '' && !/^postgres(ql)?:\/\//u.test(options.database)) {
    throw cliError('CLI_USAGE', '--database: expected a postgres:// URL');
  }
  const database = options.database === undefined || options.database === '' ? undefined : options.database;
  let policy: DisclosurePolicy | undefined;
  try {
    policy = options.publicMember === undefined || options.publicMember.length === 0 ? undefined : disclosurePolicy({ public: options.publicMember });
  } catch (err) {
    throw cliError('CLI_USAGE', `--public-member: ${(err as Error).message}`, err);
  }
  // The stop handlers go in first: a signal during start-up (opening the store, listening)
  // then stops the server gracefully once it is up, instead of killing the process mid-write.
  const stop = io.stopSignal;
  let listening = false;
  stop?.addEventListener(
    'abort',
    () => {
      if (!listening) io.stderr.write('dataledger: stopping once start-up is done (signal again after a second to stop at once)\n');
    },
    { once: true },
  );
  const service = await openDataDir(dataDir, {
    ...(policy === undefined ? {} : { disclosurePolicy: policy }),
    origin: options.origin,
    ...(options.maxClockSkew === undefined ? {} : { maxClockSkewMs: Math.round(options.maxClockSkew * 1000) }),
    ...(database === undefined ? {} : { database }),
    ...(options.minCell === undefined ? {} : { minStatisticsCell: options.minCell }),
  });
  const say = (line: string): void => {
    io.stdout.write(`dataledger: ${line}\n`);
  };
  say(`data directory ${dataDir}${service.created ? ' (created, with new keys, mode 0600)' : ''}`);
  if (database !== undefined) say(`log store        PostgreSQL ${redactPassword(database)}`);
  say(`log origin       ${service.origin}`);
  say(`log verifier key ${service.logVerifierKey}`);
  say(`log key did:key  ${didKeyFromPublicKey(parseVerifierKey(service.logVerifierKey).publicKey)}`);
  say(`root authority   ${service.rootAuthority.did}`);
  say(`witnesses        ${witnessKeys.length === 0 ? 'none (cosignatures are refused; add --witness-key)' : witnessKeys.join(' ')}`);
  const sequencer = service.sequencer;
  if (sequencer !== undefined) {
    // Several instances may serve one database; one sequences (README "Scaling out").
    say(`role             ${sequencer.role}${sequencer.role === 'sequencer' ? ' (holds the lease)' : ' (forwards writes to the sequencer)'}`);
    sequencer.onRole((role, reason) => say(`role             ${role} (${reason})`));
  }
  let app;
  try {
    // One pino logger for the process: request logs from Fastify, lifecycle events from here.
    const logger = pino({ name: 'dataledger', level: options.logLevel }, logDestination(io, options.pretty ?? io.stdout.isTTY === true));
    app = await buildApp({
      service,
      loggerInstance: logger,
      closeService: false,
      witnessKeys,
      ...(options.publicUrl === undefined || options.publicUrl === '' ? {} : { publicUrl: options.publicUrl }),
    });
  } catch (err) {
    await service.close();
    if (err instanceof TypeError && options.publicUrl !== undefined)
      throw cliError('CLI_USAGE', `--public-url ${JSON.stringify(options.publicUrl)}: ${err.message}`);
    throw err;
  }
  let address: string;
  try {
    address = await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await app.close().catch(() => {});
    await service.close();
    throw cliError('CLI_USAGE', `cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`, err);
  }
  listening = true;
  say(`listening on ${address}`);

  await new Promise<void>((done) => {
    if (stop === undefined) return; // runs until the process is killed
    if (stop.aborted) done();
    else stop.addEventListener('abort', () => done(), { once: true });
  });
  say(`shutting down (${String(stop?.reason ?? 'stop')}): finishing in-flight requests`);
  app.log.info({ signal: String(stop?.reason ?? 'stop') }, 'graceful shutdown');
  // app.close() stops accepting and waits for in-flight requests, whose appends the service
  // sequences; only then is the store closed, so every acknowledged record is on disk.
  const graceMs = (options.shutdownTimeout ?? 5) * 1000;
  const force = setTimeout(() => {
    app.log.warn({ graceMs }, 'in-flight requests did not finish in time: closing their connections');
    app.server.closeAllConnections();
  }, graceMs);
  // Keep-alive connections that were busy when the close began become idle once their
  // response is sent; close them as they do, rather than waiting for the client to hang up.
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  try {
    await app.close();
  } finally {
    clearTimeout(force);
    clearInterval(sweep);
  }
  // Appends acknowledged or in the queue are finished by service.close() before the store closes.
  await service.close();
  say('stopped; the ledger is closed');
  return EXIT.OK;
}

/** The URL with its password replaced, for printing. */
function redactPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

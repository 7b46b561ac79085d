import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isDataLedgerError } from '@dataledger/core';
import { EXIT, type CliIo, type ExitStatus } from './io.ts';

const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

/** Parses a TCP port (0 = any free port). */
function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('must be a port number 0-65535');
  return Number(value);
}

/** Parses a positive number of seconds. */
function parseSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

/** Collects a repeatable option into an array. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const EXIT_STATUS_HELP = `
Exit status: 0 valid / done, 1 invalid (what was checked failed), 2 usage error or could not run.`;

/**
 * Builds the `dataledger` command tree. Actions record their exit status through `setStatus`;
 * command modules are imported when their command runs, so `keygen` does not load node-seal.
 * @param io - streams and environment the commands use
 * @param setStatus - receives the exit status of the command that ran
 * @returns the commander program (not yet parsed)
 */
export function createProgram(io: CliIo, setStatus: (status: ExitStatus) => void): Command {
  const program = new Command('dataledger');
  program
    .description('Public-data asset ledger: serve it, export it, verify and audit it offline.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showSuggestionAfterError()
    .addHelpText('after', EXIT_STATUS_HELP);

  const env = io.env;
  const defaultData = env['DATA_DIR'] !== undefined && env['DATA_DIR'] !== '' ? env['DATA_DIR'] : './data';

  program
    .command('serve')
    .description('Run the HTTP service over a ledger in a data directory (created with fresh keys on first start).')
    .addOption(new Option('--port <port>', 'TCP port (0 = any free port)').env('PORT').default(8080).argParser(parsePort))
    .addOption(new Option('--host <host>', 'interface to listen on').env('HOST').default('127.0.0.1'))
    .addOption(new Option('--data <dir>', 'data directory').env('DATA_DIR').default('./data'))
    .addOption(
      new Option('--log-level <level>', 'pino log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
    )
    .option('--shutdown-timeout <seconds>', 'seconds in-flight requests get at shutdown before their connections are cut', parseSeconds, 5)
    .addOption(
      new Option('--witness-key <vkey>', 'a witness (C2SP cosigner vkey) whose cosignatures are kept; repeatable (WITNESS_KEYS: comma-separated)')
        .env('WITNESS_KEYS')
        .argParser((v: string, previous: string[] | undefined) => [...(previous ?? []), ...v.split(',').map((k) => k.trim()).filter((k) => k !== '')]),
    )
    .addOption(new Option('--public-url <url>', 'the public URL clients use, e.g. https://ledger.example.gov.cn (signed reads are bound to it)').env('PUBLIC_URL'))
    .addOption(new Option('--database <url>', 'keep the log in PostgreSQL (postgres://…) instead of <data>/ledger; the keys stay in the data directory').env('DATABASE_URL'))
    .action(async (opts: { port: number; host: string; data: string; logLevel: string; shutdownTimeout: number; witnessKey?: string[]; publicUrl?: string; database?: string }) => {
      const { serveCommand } = await import('./commands/serve.ts');
      setStatus(await serveCommand(opts, io));
    });

  program
    .command('keygen')
    .description('Make an Ed25519 key: print its did:key, write the secret to a file readable by you only (0600).')
    .option('-o, --out <file>', 'where to write the secret key', 'dataledger-key.json')
    .option('-f, --force', 'replace an existing file')
    .option('--json', 'print { did, file } as JSON')
    .action(async (opts: { out: string; force?: boolean; json?: boolean }) => {
      const { keygenCommand } = await import('./commands/keygen.ts');
      setStatus(await keygenCommand(opts, io));
    });

  program
    .command('demo')
    .description('Write a realistic demo ledger into a new data directory, offline, through the library.')
    .option('--data <dir>', 'data directory (must not hold a ledger yet)', defaultData)
    .option('--assets <n>', 'assets per classification', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1000) throw new InvalidArgumentError('must be 1-1000');
      return Number(v);
    }, 20)
    .option('--no-statistics', 'skip the encrypted statistics job (node-seal)')
    .option('--json', 'print a JSON summary')
    .action(async (opts: { data: string; assets: number; statistics: boolean; json?: boolean }) => {
      const { demoCommand } = await import('./commands/demo.ts');
      setStatus(await demoCommand(opts, io));
    });

  program
    .command('export')
    .description('Write a ledger as a JSONL bundle (header, records, signed checkpoint), from a data directory or a service.')
    .addOption(new Option('--data <dir>', `data directory (default ${defaultData} unless --url)`).conflicts('url'))
    .option('--url <url>', 'base URL of a running service (reads its C2SP tlog-tiles under /tlog)')
    .option('--log-key <vkey>', 'with --url: trusted C2SP verifier key of the log (repeatable; default: the key the service publishes)', collect)
    .option('-o, --out <file>', 'bundle file to write ("-" = stdout)', '-')
    .addHelpText('after', '\nExample:\n  dataledger export --url https://ledger.example.gov.cn --log-key "$(cat log.vkey)" -o ledger.jsonl')
    .action(async (opts: { data?: string; url?: string; out: string; logKey?: string[] }) => {
      const { exportCommand } = await import('./commands/export.ts');
      setStatus(await exportCommand({ ...opts, data: opts.url === undefined ? (opts.data ?? defaultData) : undefined }, io));
    });

  program
    .command('verify')
    .description('Replay a bundle offline, or a live log from its tiles (--url): every signature, prev link, index, and the root against the signed checkpoint.')
    .argument('[bundle]', 'JSONL bundle file ("-" = stdin); omit with --url')
    .option('--url <base>', "replay a live log from its C2SP tlog-tiles (<base>/tlog) instead of a file; needs --log-key")
    .option('--log-key <vkey>', 'trusted C2SP verifier key of the log (repeatable); the checkpoint must be signed by one', collect)
    .option('--json', 'print { valid, size, firstBadIndex, code, logKey }')
    .addHelpText('after', `\nExample:\n  dataledger verify --url https://ledger.example.gov.cn --log-key "$(cat log.vkey)"\n${EXIT_STATUS_HELP}`)
    .action(async (bundle: string | undefined, opts: { logKey?: string[]; json?: boolean; url?: string }) => {
      const { verifyCommand } = await import('./commands/verify.ts');
      setStatus(await verifyCommand(bundle, opts, io));
    });

  program
    .command('audit')
    .description("Replay a bundle through the registry's rules: every violation (index, rule code) and the statistics report.")
    .argument('<bundle>', 'JSONL bundle file ("-" = stdin)')
    .option('--log-key <vkey>', 'trusted C2SP verifier key of the log (repeatable)', collect)
    .option('--json', 'print the report as JSON')
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(async (bundle: string, opts: { logKey?: string[]; json?: boolean }) => {
      const { auditCommand } = await import('./commands/audit.ts');
      setStatus(await auditCommand(bundle, opts, io));
    });

  const cert = program.command('cert').description('Data-asset certificates.');
  cert
    .command('verify')
    .description('Verify a data-asset certificate offline: proof, issuer role, validity, status, inclusion in the log.')
    .argument('<file>', 'certificate (VC JSON) file ("-" = stdin)')
    .requiredOption('--log-key <vkey>', 'trusted C2SP verifier key of the log (repeatable)', collect)
    .option('--issuer <did>', 'trusted issuer did:key (repeatable)', collect)
    .option('--status-list <file>', 'status list credential (JSON) to check revocation/suspension against')
    .option('--at <time>', 'check validity at this RFC 3339 time instead of now')
    .option('--json', 'print { verified, checks }')
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(
      async (
        file: string,
        opts: { logKey: string[]; issuer?: string[]; statusList?: string; at?: string; json?: boolean },
      ) => {
        const { certVerifyCommand } = await import('./commands/cert-verify.ts');
        setStatus(await certVerifyCommand(file, opts, io));
      },
    );

  const checkpoint = program.command('checkpoint').description('Transparency-log checkpoints.');
  checkpoint
    .command('watch')
    .description(
      'Poll a service\'s checkpoint, check each against the previous with a consistency proof, report a split view; optionally cosign as a witness.',
    )
    .argument('<url>', 'base URL of the service')
    .option('--log-key <vkey>', 'trusted C2SP verifier key of the log (default: the key the service publishes, pinned at first sight)', collect)
    .option('--state <file>', 'remember the last verified checkpoint here across runs')
    .option('--cosign <keyfile>', 'cosign each verified checkpoint (C2SP tlog-cosignature) with this key')
    .option('--witness-name <name>', 'witness name for cosignatures', 'dataledger-witness')
    .option('--interval <seconds>', 'seconds between polls', parseSeconds, 10)
    .option('--once', 'poll once and exit')
    .option('--count <n>', 'stop after n polls', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a positive integer');
      return Number(v);
    })
    .option('--json', 'print one JSON line per poll')
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(
      async (
        url: string,
        opts: {
          logKey?: string[];
          state?: string;
          cosign?: string;
          witnessName: string;
          interval: number;
          once?: boolean;
          count?: number;
          json?: boolean;
        },
      ) => {
        const { checkpointWatchCommand } = await import('./commands/checkpoint-watch.ts');
        setStatus(await checkpointWatchCommand(url, opts, io));
      },
    );

  return program;
}

/**
 * Runs the `dataledger` command line.
 * @param argv - the arguments after the program name (`process.argv.slice(2)`)
 * @param io - streams and environment
 * @returns the exit status: 0 valid/done, 1 invalid, 2 usage error or could not run
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitStatus> {
  let status: ExitStatus = EXIT.OK;
  const program = createProgram(io, (s) => {
    status = s;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end parsing through the same path as errors.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK;
      return EXIT.USAGE;
    }
    if (isDataLedgerError(err)) {
      io.stderr.write(`dataledger: ${err.code}: ${err.message}\n`);
      return EXIT.USAGE;
    }
    const e = err as Error;
    io.stderr.write(`dataledger: ${e?.stack ?? String(err)}\n`);
    return EXIT.USAGE;
  }
}

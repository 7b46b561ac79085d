import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isDataLedgerError } from '@dataledger/core';
import { EXIT, type CliIo, type ExitStatus } from './io.ts';
import { WRITE_VERBS } from './commands/verbs.ts';

const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

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

/** A `--help` trailer: a runnable example of the command. */
function example(...lines: string[]): string {
  return `\nExample:\n${lines.map((l) => `  $ ${l}`).join('\n')}`;
}

const DISCLOSURES_OUT_HELP = 'append the disclosures of the confidential members (logged as digests) to this file (created 0600); default: printed with --json';

const DISCLOSURES_IN_HELP =
  'disclosures file (export --disclosures): each checked against its digest, and the rules on concealed members run too; ' +
  'without it those rules are listed as not checked';

/** Parses a non-negative integer option. */
function parseCount(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer');
  return Number(value);
}

function parseMinCell(value: string): number {
  const n = parseCount(value);
  if (n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Adds the options every command that talks to a service takes. */
function remoteOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'base URL of the service (default $DATALEDGER_URL)')
    .option('--key <keyfile>', 'key file of the actor that signs (default $DATALEDGER_KEY)')
    .option('--json', 'print the answer as JSON');
}

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
    .description('Public-data asset ledger: serve it, write to it over HTTP, export it, verify and audit it offline.')
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
    .option('--origin <origin>', "origin of a new ledger's log (default: dataledger.local/log/<16 hex of the log key>)")
    .addHelpText('after', example('dataledger serve --data ./data --port 8080'))
    .addHelpText('after', EXIT_STATUS_HELP)
    .addOption(new Option('--log-level <level>', 'pino log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .option('--shutdown-timeout <seconds>', 'seconds in-flight requests get at shutdown before their connections are cut', parseSeconds, 5)
    .addOption(
      new Option('--max-clock-skew <seconds>', "seconds a record's time may be ahead of the server clock")
        .env('MAX_CLOCK_SKEW')
        .default(300)
        .argParser(parseSeconds),
    )
    .addOption(
      new Option('--witness-key <vkey>', 'a witness (C2SP cosigner vkey) whose cosignatures are kept; repeatable (WITNESS_KEYS: comma-separated)')
        .env('WITNESS_KEYS')
        .argParser((v: string, previous: string[] | undefined) => [
          ...(previous ?? []),
          ...v
            .split(',')
            .map((k) => k.trim())
            .filter((k) => k !== ''),
        ]),
    )
    .addOption(
      new Option(
        '--public-url <url>',
        'the public URL clients use, e.g. https://ledger.example.gov.cn (signed reads are bound to it; certificates name status lists under it)',
      ).env('PUBLIC_URL'),
    )
    .addOption(
      new Option('--database <url>', 'keep the log in PostgreSQL (postgres://…) instead of <data>/ledger; the keys stay in the data directory').env(
        'DATABASE_URL',
      ),
    )
    .addOption(
      new Option('--min-cell <k>', 'statistics report: counts of 1 to k-1 contributors are suppressed (small cells)').default(5).argParser(parseMinCell),
    )
    .option('--public-member <type:path>', 'make a confidential member public, e.g. asset.registered:description (repeatable)', collect)
    .action(
      async (opts: {
        port: number;
        host: string;
        data: string;
        logLevel: string;
        shutdownTimeout: number;
        maxClockSkew: number;
        witnessKey?: string[];
        publicUrl?: string;
        database?: string;
        minCell: number;
        publicMember?: string[];
      }) => {
        const { serveCommand } = await import('./commands/serve.ts');
        setStatus(await serveCommand(opts, io));
      },
    );

  program
    .command('keygen')
    .description('Make an Ed25519 key: print its did:key, write the secret to a file readable by you only (0600).')
    .option('-o, --out <file>', 'where to write the secret key', 'dataledger-key.json')
    .option('-f, --force', 'replace an existing file')
    .option('--origin <origin>', "also print the key's C2SP verifier key as the log key of this origin")
    .option('--json', 'print { did, file } as JSON (and origin, vkey with --origin)')
    .addHelpText('after', example('dataledger keygen --out registry.json'))
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(async (opts: { out: string; force?: boolean; json?: boolean; origin?: string }) => {
      const { keygenCommand } = await import('./commands/keygen.ts');
      setStatus(await keygenCommand(opts, io));
    });

  program
    .command('demo')
    .description('Write a realistic demo ledger into a new data directory, offline, through the library.')
    .option('--data <dir>', 'data directory (must not hold a ledger yet)', defaultData)
    .option(
      '--assets <n>',
      'assets per classification',
      (v) => {
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1000) throw new InvalidArgumentError('must be 1-1000');
        return Number(v);
      },
      20,
    )
    .option('--no-statistics', 'skip the encrypted statistics job (node-seal)')
    .option('--origin <origin>', "origin of the demo ledger's log (default: dataledger.local/log/<16 hex of the log key>)")
    .option('--json', 'print a JSON summary')
    .addHelpText('after', example('dataledger demo --data ./demo-data'))
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(async (opts: { data: string; assets: number; statistics: boolean; json?: boolean; origin?: string }) => {
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
    .option('-f, --force', 'replace an existing bundle file')
    .option('--disclosures <file>', 'with --url and --key (a regulator): also write the disclosures of the exported records here (0600)')
    .option('--key <keyfile>', 'with --disclosures: key file of the regulator that signs the read (default $DATALEDGER_KEY)')
    .addHelpText('after', example('dataledger export --data ./data --out ledger.jsonl'))
    .addHelpText('after', '  dataledger export --url https://ledger.example.gov.cn --log-key "$(cat log.vkey)" -o ledger.jsonl')
    .addHelpText('after', '  dataledger export --url https://ledger.example.gov.cn -o ledger.jsonl --disclosures ledger.disclosures --key regulator.json')
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(async (opts: { data?: string; url?: string; out: string; force?: boolean; logKey?: string[]; disclosures?: string; key?: string }) => {
      const { exportCommand } = await import('./commands/export.ts');
      setStatus(await exportCommand({ ...opts, data: opts.url === undefined ? (opts.data ?? defaultData) : undefined }, io));
    });

  program
    .command('verify')
    .description(
      'Replay a bundle offline, or a live log from its tiles (--url): every signature, prev link, index, and the root against the signed checkpoint.',
    )
    .argument('[bundle]', 'JSONL bundle file ("-" = stdin); omit with --url')
    .option('--url <base>', 'replay a live log from its C2SP tlog-tiles (<base>/tlog) instead of a file; needs --log-key')
    .option('--trust-bundle-key', 'no --log-key: check against the key the bundle names itself; reported as "trusted": false')
    .addHelpText('after', example('dataledger verify ledger.jsonl --log-key "$(cat data/log.vkey)"'))
    .addHelpText('after', '  dataledger verify --url https://ledger.example.gov.cn --log-key "$(cat log.vkey)"')
    .option('--log-key <vkey>', 'trusted C2SP verifier key of the log (repeatable); the checkpoint must be signed by one', collect)
    .option('--state <file>', 'last verified checkpoint (as checkpoint watch --state keeps it): refuse an older or diverging bundle, then remember this one')
    .option('--disclosures <file>', DISCLOSURES_IN_HELP)
    .option('--json', 'print { valid, size, firstBadIndex, code, logKey, trusted } (and on a registry ledger complete, unchecked, violations)')
    .addHelpText('after', '  dataledger verify ledger.jsonl --log-key "$(cat data/log.vkey)" --disclosures ledger.disclosures')
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(
      async (
        bundle: string | undefined,
        opts: { logKey?: string[]; json?: boolean; state?: string; url?: string; trustBundleKey?: boolean; disclosures?: string },
      ) => {
        const { verifyCommand } = await import('./commands/verify.ts');
        setStatus(await verifyCommand(bundle, opts, io));
      },
    );

  program
    .command('audit')
    .description("Replay a bundle through the registry's rules: every violation (index, rule code) and the statistics report.")
    .argument('<bundle>', 'JSONL bundle file ("-" = stdin)')
    .option('--trust-bundle-key', 'no --log-key: check against the key the bundle names itself; reported as "trusted": false')
    .addHelpText('after', example('dataledger audit ledger.jsonl --log-key "$(cat data/log.vkey)"'))
    .option('--log-key <vkey>', 'trusted C2SP verifier key of the log (repeatable)', collect)
    .option('--disclosures <file>', DISCLOSURES_IN_HELP)
    .option('--json', 'print the report as JSON')
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(async (bundle: string, opts: { logKey?: string[]; json?: boolean; disclosures?: string }) => {
      const { auditCommand } = await import('./commands/audit.ts');
      setStatus(await auditCommand(bundle, opts, io));
    });

  const cert = program.command('cert').description('Data-asset certificates.');
  cert
    .command('verify')
    .description('Verify a data-asset certificate offline: proof, issuer role, validity, status, inclusion in the log.')
    .addHelpText('after', example('dataledger cert verify cert.json --log-key "$(cat data/log.vkey)" --status-list status-lists.json'))
    .argument('<file>', 'certificate (VC JSON) file ("-" = stdin)')
    .requiredOption('--log-key <vkey>', 'trusted C2SP verifier key of the log (repeatable)', collect)
    .option('--issuer <did>', 'trusted issuer did:key (repeatable)', collect)
    .option('--status-list <url|file>', 'status list credential(s): a file, or a URL of the service that serves them (repeatable)', collect)
    .option('--at <time>', 'check validity at this RFC 3339 time instead of now')
    .option('--disclosures <file>', "the holder's disclosures of concealed members, one per line; each must match a digest of the certificate")
    .option('--json', 'print { verified, status, checks } (with --disclosures also revealed, disclosed, concealed)')
    .addHelpText(
      'after',
      '  dataledger cert verify cert.json --log-key "$(cat log.vkey)" --status-list https://ledger.example.gov.cn --disclosures valuation.txt',
    )
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(async (file: string, opts: { logKey: string[]; issuer?: string[]; statusList?: string[]; at?: string; disclosures?: string; json?: boolean }) => {
      const { certVerifyCommand } = await import('./commands/cert-verify.ts');
      setStatus(await certVerifyCommand(file, opts, io));
    });

  cert
    .command('issue')
    .description('Issue a data-asset certificate (registry): append certificate.issued, prove it, sign the VC; the service then serves it.')
    .option('--asset <registration-number>', 'the asset to certify (registered, reviewed)')
    .option('--valid-from <time>', 'start of validity (default now)')
    .option('--valid-until <time>', "end of validity (default the asset's)")
    .option('--id <certificate-id>', 'certificate id (default a new urn:uuid)')
    .option('-o, --out <file>', 'write the signed certificate (VC JSON) here')
    .option('-f, --force', 'replace an existing --out file')
    .addHelpText('after', example('dataledger cert issue --asset DL-2026-0001 --out cert.json --url http://127.0.0.1:8080 --key registry.json'))
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(async (_opts: unknown, cmd: Command) => {
      const { certIssueCommand } = await import('./commands/cert-issue.ts');
      setStatus(await certIssueCommand(cmd.opts(), io));
    });
  remoteOptions(cert.commands.find((c) => c.name() === 'issue') as Command);

  program
    .command('submit')
    .description("Sign a record of any type at the service's head and post it (re-signing if another writer got there first); prints the receipt.")
    .argument('<type>', 'record type: role.granted, asset.registered, licence.granted, … (DESIGN.md; not ledger.genesis nor aggregation.*)')
    .option('--payload <file>', 'the payload, a JSON object ("-" = stdin)')
    .option('--disclosures-out <file>', DISCLOSURES_OUT_HELP)
    .addHelpText(
      'after',
      example(
        'dataledger submit asset.frozen --payload freeze.json --url http://127.0.0.1:8080 --key regulator.json',
        `echo '{"subject":"did:key:z6Mk…","role":"registry"}' | dataledger submit role.granted --payload - --url http://127.0.0.1:8080 --key data/root.key`,
      ),
    )
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(async (type: string, _opts: unknown, cmd: Command) => {
      const { submitCommand } = await import('./commands/write.ts');
      setStatus(await submitCommand(type, cmd.opts(), io));
    });
  remoteOptions(program.commands.find((c) => c.name() === 'submit') as Command);

  const groups = new Map<string, Command>([['cert', cert]]);
  const GROUP_HELP: Record<string, string> = {
    role: 'Grant and revoke roles (root authority).',
    asset: 'Data assets: register, review, value, change, transfer, freeze, unfreeze, cancel, approve cross-border.',
    licence: 'Licences of use: grant, revoke.',
    consent: "Data subjects' consent: grant, revoke.",
  };
  for (const verb of WRITE_VERBS) {
    const [group, word] = verb.words;
    let parent = groups.get(group);
    if (parent === undefined) {
      parent = program.command(group).description(GROUP_HELP[group] ?? group);
      groups.set(group, parent);
    }
    const cmd = parent.command(word).description(`${verb.description}. Writes a ${verb.type} record.`);
    for (const o of verb.options) {
      if (o.repeat === true) cmd.option(o.flags, o.description, collect);
      else cmd.option(o.flags, o.description);
    }
    cmd.option('--payload <file>', 'a JSON payload ("-" = stdin): the main options replace its members, the others fill in what it lacks');
    cmd.option('--disclosures-out <file>', DISCLOSURES_OUT_HELP);
    remoteOptions(cmd);
    cmd.addHelpText('after', example(verb.example)).addHelpText('after', EXIT_STATUS_HELP);
    cmd.action(async (_opts: unknown, c: Command) => {
      const { writeVerbCommand } = await import('./commands/write.ts');
      setStatus(await writeVerbCommand(verb, c.opts(), io));
    });
  }

  remoteOptions(
    program
      .command('erase')
      .description(
        "Erase disclosures from the service's vault (regulator; or the data subject, for its consent): signs a disclosure.erased record. The digests stay on the log.",
      )
      .option('--index <n>', 'the record whose disclosures are erased')
      .option('--digest <digest>', 'a digest of that record to erase (repeatable)', collect)
      .option('--member <path>', 'the member each --digest hides, in order (default: read from its disclosure)', collect)
      .option('--reason <text>', 'why (kept on the log)'),
  )
    .addHelpText('after', example('dataledger erase --index 7 --digest 3fJ…Qk --member person --reason "request of the data subject" --key regulator.json'))
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(async (_opts: unknown, cmd: Command) => {
      const { eraseCommand } = await import('./commands/erase.ts');
      setStatus(await eraseCommand(cmd.opts(), io));
    });

  remoteOptions(
    program
      .command('get')
      .description('A read signed with RFC 9421 by your key (asset details, licences, supervision reports), printed as JSON.')
      .argument('<path>', 'API path, e.g. /v1/assets/DL-2026-0001'),
  )
    .addHelpText('after', example('dataledger get /v1/assets/DL-2026-0001 --url http://127.0.0.1:8080 --key registry.json'))
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(async (path: string, _opts: unknown, cmd: Command) => {
      const { getCommand } = await import('./commands/get.ts');
      setStatus(await getCommand(path, cmd.opts(), io));
    });

  const log = program.command('log').description('Read the ledger of a service.');
  remoteOptions(
    log
      .command('show')
      .description('Records as a table: index, time, type, actor by role, asset.')
      .option('--from <n>', 'first index (default: the last --limit records)', parseCount)
      .option('--limit <n>', 'how many records', parseCount, 20),
  )
    .addHelpText('after', example('dataledger log show --from 0 --limit 50 --url http://127.0.0.1:8080'))
    .addHelpText('after', EXIT_STATUS_HELP)
    .action(async (_opts: unknown, cmd: Command) => {
      const { logShowCommand } = await import('./commands/log-show.ts');
      setStatus(await logShowCommand(cmd.opts(), io));
    });

  const checkpoint = program.command('checkpoint').description('Transparency-log checkpoints.');
  checkpoint
    .command('watch')
    .description("Poll a service's checkpoint, check each against the previous with a consistency proof, report a split view; optionally cosign as a witness.")
    .argument('<url>', 'base URL of the service')
    .addHelpText('after', example('dataledger checkpoint watch http://127.0.0.1:8080 --log-key "$(cat data/log.vkey)" --state watch.txt'))
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

import { resolve } from 'node:path';
import { openDataDir } from '../datadir.ts';
import { writeDemoLedger } from '../demo.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';

/** Options of `dataledger demo`. */
export interface DemoCommandOptions {
  /** Data directory (new, or holding only the genesis record). */
  data: string;
  /** Assets per classification. */
  assets: number;
  /** Run the encrypted statistics job. */
  statistics: boolean;
  /** Origin of the demo ledger's log (default: derived from its log key). */
  origin?: string | undefined;
  /** Print the summary as JSON. */
  json?: boolean | undefined;
}

/**
 * `dataledger demo --data DIR`: writes the demo ledger offline (see `writeDemoLedger`).
 * @param options - see {@link DemoCommandOptions}
 * @param io - streams and working directory
 * @returns {@link EXIT}.OK
 * @throws DataLedgerError `CLI_USAGE` (the directory already holds a ledger), `CLI_DATA_DIR_LOCKED`
 */
export async function demoCommand(options: DemoCommandOptions, io: CliIo): Promise<ExitStatus> {
  const dir = resolve(io.cwd, options.data);
  const service = await openDataDir(dir, { origin: options.origin });
  try {
    const summary = await writeDemoLedger(service, {
      assetsPerClassification: options.assets,
      statistics: options.statistics,
      log: (line) => io.stderr.write(`demo: ${line}\n`),
    });
    if (options.json === true) io.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      io.stdout.write(
        [
          `demo ledger written to ${dir}: ${summary.records} records`,
          `log verifier key: ${summary.logVerifierKey}`,
          `root authority:   ${summary.rootAuthority}`,
          `certificates:     ${summary.certificates.issued} in ${summary.outDir}/certificates (status lists: ${summary.statusLists})`,
          ...(summary.statistics === null ? [] : [`statistics:       ${summary.statistics.file}`]),
          `actor keys:       ${summary.outDir}/keys (mode 0600)`,
          `disclosures:      ${summary.disclosures} (the confidential members the log holds as digests; mode 0600)`,
          '',
          `next: npx dataledger export --data ${JSON.stringify(options.data)} --out ledger.jsonl`,
          `      npx dataledger verify ledger.jsonl --log-key "$(cat ${JSON.stringify(options.data)}/log.vkey)" --disclosures ${JSON.stringify(summary.disclosures)}`,
          '',
        ].join('\n'),
      );
    }
  } finally {
    await service.close();
  }
  return EXIT.OK;
}

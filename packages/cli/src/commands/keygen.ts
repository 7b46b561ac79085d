import { resolve } from 'node:path';
import { generateKeyPair } from '@dataledger/core';
import { verifierKey } from '@dataledger/provenance';
import { isOrigin } from '@dataledger/service';
import { cliError } from '../errors.ts';
import { formatKeyFile, parseKeyFile, writeSecretFile } from '../keyfile.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';

/** Options of `dataledger keygen`. */
export interface KeygenOptions {
  /** Where the secret key is written (mode 0600). */
  out: string;
  /** Replace an existing file. */
  force?: boolean;
  /** Print `{ did, file }` as JSON instead of the bare did:key. */
  json?: boolean;
  /**
   * Also print the key's C2SP verifier key as the log key of this origin (`origin+keyid+key`),
   * for a log run with this key.
   */
  origin?: string;
}

/**
 * `dataledger keygen`: makes a fresh Ed25519 key, writes its seed to a 0600 file and prints
 * the did:key that names it.
 * @param options - see {@link KeygenOptions}
 * @param io - streams and working directory
 * @returns {@link EXIT}.OK
 * @throws DataLedgerError `CLI_FILE_EXISTS` when the file exists and `force` is not set
 */
export async function keygenCommand(options: KeygenOptions, io: CliIo): Promise<ExitStatus> {
  if (options.origin !== undefined && !isOrigin(options.origin)) {
    throw cliError('CLI_USAGE', `--origin ${JSON.stringify(options.origin)}: expected a name without spaces or "+", e.g. example.org/log`);
  }
  const file = resolve(io.cwd, options.out);
  const { secretKey } = generateKeyPair();
  const text = formatKeyFile(secretKey);
  await writeSecretFile(file, text, options.force === true);
  const { did, publicKey } = parseKeyFile(text);
  const vkey = options.origin === undefined ? undefined : verifierKey(options.origin, publicKey);
  if (options.json === true) io.stdout.write(`${JSON.stringify({ did, file, ...(vkey === undefined ? {} : { origin: options.origin, vkey }) })}\n`);
  else {
    io.stdout.write(`${did}\n`);
    io.stderr.write(`secret key written to ${file} (mode 0600)\n`);
    if (vkey !== undefined) io.stderr.write(`as the log key of ${options.origin}: ${vkey}\n`);
  }
  return EXIT.OK;
}

import { chmod, open, readFile } from 'node:fs/promises';
import {
  didKeyFromPublicKey,
  fromBase64,
  fromBase64Url,
  fromHex,
  getPublicKey,
  parseJson,
  toBase64Url,
  ED25519_SECRET_KEY_LENGTH,
} from '@dataledger/core';
import { cliError } from './errors.ts';

/** An Ed25519 identity loaded from, or written to, a key file. */
export interface KeyFileIdentity {
  /** 32-byte Ed25519 seed. */
  secretKey: Uint8Array;
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** `did:key:z6Mk…` of the public key. */
  did: string;
}

/**
 * The JSON written by `dataledger keygen`. The secret key is the 32-byte Ed25519 seed
 * (RFC 8032 §5.1.5), base64url without padding; `did` is informative and re-derived on load.
 */
export interface KeyFileJson {
  type: 'Ed25519';
  did: string;
  secretKey: string;
}

/**
 * Serialises an identity as the key-file JSON.
 * @param secretKey - 32-byte Ed25519 seed
 * @returns the key-file text (JSON, one trailing newline)
 * @throws RangeError if `secretKey` is not 32 bytes
 */
export function formatKeyFile(secretKey: Uint8Array): string {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== ED25519_SECRET_KEY_LENGTH) {
    throw new RangeError(`secretKey must be ${ED25519_SECRET_KEY_LENGTH} bytes`);
  }
  const body: KeyFileJson = {
    type: 'Ed25519',
    did: didKeyFromPublicKey(getPublicKey(secretKey)),
    secretKey: toBase64Url(secretKey),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/**
 * Parses a key file. Accepted: the `keygen` JSON (`secretKey` as base64url, base64 or hex),
 * or bare text holding the 32-byte seed as hex, base64url or base64. The did:key is re-derived
 * from the seed; a `did` field that disagrees is refused rather than trusted.
 * @param text - the file's content
 * @returns the identity
 * @throws DataLedgerError `CLI_KEYFILE_INVALID`
 */
export function parseKeyFile(text: string): KeyFileIdentity {
  const trimmed = text.trim();
  let encoded: string;
  let claimedDid: string | undefined;
  if (trimmed.startsWith('{')) {
    let json: unknown;
    try {
      json = parseJson(trimmed, { maxBytes: 65_536 });
    } catch (cause) {
      throw cliError('CLI_KEYFILE_INVALID', 'key file is not valid JSON', cause);
    }
    const obj = json as { secretKey?: unknown; did?: unknown };
    if (typeof obj.secretKey !== 'string') throw cliError('CLI_KEYFILE_INVALID', 'key file has no "secretKey" string');
    encoded = obj.secretKey;
    if (typeof obj.did === 'string') claimedDid = obj.did;
  } else {
    encoded = trimmed;
  }
  const secretKey = decodeSeed(encoded);
  if (secretKey === undefined) {
    throw cliError('CLI_KEYFILE_INVALID', `key file secret must be a ${ED25519_SECRET_KEY_LENGTH}-byte Ed25519 seed (hex, base64url or base64)`);
  }
  const publicKey = getPublicKey(secretKey);
  const did = didKeyFromPublicKey(publicKey);
  if (claimedDid !== undefined && claimedDid !== did) {
    throw cliError('CLI_KEYFILE_INVALID', 'key file "did" does not match its secret key');
  }
  return { secretKey, publicKey, did };
}

function decodeSeed(encoded: string): Uint8Array | undefined {
  const decoders: Array<(s: string) => Uint8Array> = [fromHex, fromBase64Url, fromBase64];
  for (const decode of decoders) {
    try {
      const bytes = decode(encoded);
      if (bytes.length === ED25519_SECRET_KEY_LENGTH) return bytes;
    } catch {
      // not this encoding; try the next
    }
  }
  return undefined;
}

/**
 * Reads and parses a key file.
 * @param path - the file
 * @returns the identity
 * @throws DataLedgerError `CLI_FILE_UNREADABLE` or `CLI_KEYFILE_INVALID`
 */
export async function readKeyFile(path: string): Promise<KeyFileIdentity> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw cliError('CLI_FILE_UNREADABLE', `cannot read key file ${path}`, cause);
  }
  return parseKeyFile(text);
}

/**
 * Writes a secret to a new file readable by its owner only (mode 0600). The file is created
 * exclusively unless `overwrite` is set, so an existing key is never clobbered by accident.
 * @param path - destination
 * @param text - the content
 * @param overwrite - replace an existing file
 * @throws DataLedgerError `CLI_FILE_EXISTS` when the file exists and `overwrite` is false
 */
export async function writeSecretFile(path: string, text: string, overwrite: boolean = false): Promise<void> {
  let handle;
  try {
    handle = await open(path, overwrite ? 'w' : 'wx', 0o600);
  } catch (cause) {
    if ((cause as { code?: string }).code === 'EEXIST') {
      throw cliError('CLI_FILE_EXISTS', `${path} exists; pass --force to replace it`, cause);
    }
    throw cliError('CLI_FILE_UNWRITABLE', `cannot write ${path}: ${(cause as Error).message}`, cause);
  }
  try {
    // The mode given to open() applies only on creation; an overwritten file keeps its old
    // mode, so set it explicitly before the secret is written.
    await chmod(path, 0o600);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

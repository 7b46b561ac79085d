import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { equalBytes, fromBase64, isDataLedgerError, toBase64 } from '@dataledger/core';
import { cosignCheckpoint, cosignerVerifierKey, openCheckpoint, verifyConsistency, type Checkpoint } from '@dataledger/provenance';
import { DataLedgerClient } from '@dataledger/service';
import { cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { readKeyFile, type KeyFileIdentity } from '../keyfile.ts';
import { readCheckpointState, writeCheckpointState } from '../state.ts';
import { checkVerifierKeys } from './verify.ts';
import { networkCause } from './remote.ts';

/** Options of `dataledger checkpoint watch`. */
export interface CheckpointWatchOptions {
  /** Trusted verifier keys; default: the key the service publishes, pinned at first sight. */
  logKey?: string[] | undefined;
  /** File holding the last verified checkpoint across runs. */
  state?: string | undefined;
  /** Key file to cosign verified checkpoints with. */
  cosign?: string | undefined;
  /** Witness name used in cosignatures. */
  witnessName: string;
  /** Seconds between polls. */
  interval: number;
  /** Poll once. */
  once?: boolean | undefined;
  /** Stop after this many polls. */
  count?: number | undefined;
  /** One JSON line per poll. */
  json?: boolean | undefined;
}

/** What one poll found. */
export interface WatchObservation {
  /**
   * `ok`: signed by a trusted key and consistent with what was seen before; `split-view`: signed,
   * but not a view of the same append-only log; `untrusted`: no trusted signature; `error`: could
   * not check (network).
   */
  status: 'ok' | 'split-view' | 'untrusted' | 'error';
  origin?: string;
  size?: number;
  rootHash?: string;
  /** Size of the previously verified checkpoint this one was checked against. */
  previousSize?: number;
  code?: string;
  message?: string;
  /** The witness cosignature line, when cosigning. */
  cosignature?: string;
}

interface Verified {
  text: string;
  checkpoint: Checkpoint;
}

/**
 * Checks that `next` extends `prev`: the same origin, never a smaller tree, the same root at
 * the same size, and otherwise an RFC 9162 §2.1.4 consistency proof fetched from the log.
 * @returns undefined when consistent, else the code and reason of the split view
 */
async function checkExtends(
  prev: Checkpoint,
  next: Checkpoint,
  fetchProof: (size1: number, size2: number) => Promise<Uint8Array[]>,
): Promise<{ code: string; message: string } | undefined> {
  if (prev.origin !== next.origin) return { code: 'CLI_WATCH_ORIGIN_CHANGED', message: `origin changed from ${prev.origin} to ${next.origin}` };
  if (next.size < prev.size) return { code: 'CLI_WATCH_LOG_SHRANK', message: `tree shrank from ${prev.size} to ${next.size}` };
  if (next.size === prev.size) {
    return equalBytes(prev.rootHash, next.rootHash)
      ? undefined
      : { code: 'CLI_WATCH_ROOT_MISMATCH', message: `two different roots signed for size ${next.size}` };
  }
  if (prev.size === 0) return undefined; // every tree extends the empty tree
  const proof = await fetchProof(prev.size, next.size);
  const ok = verifyConsistency({ size1: prev.size, size2: next.size, root1: prev.rootHash, root2: next.rootHash, proof });
  return ok ? undefined : { code: 'CLI_WATCH_INCONSISTENT', message: `no valid consistency proof from size ${prev.size} to ${next.size}` };
}

function describe(cp: Checkpoint): Pick<WatchObservation, 'origin' | 'size' | 'rootHash'> {
  return { origin: cp.origin, size: cp.size, rootHash: toBase64(cp.rootHash) };
}

/**
 * `dataledger checkpoint watch URL`: polls the service's signed checkpoint, checks each one
 * against the last verified one (consistency proof from the service's consistency route),
 * and reports a split view — two checkpoints that cannot both be views of one append-only log.
 * With `--cosign`, each verified checkpoint is cosigned (C2SP tlog-cosignature) and offered
 * to the service.
 * @param url - base URL of the service
 * @param options - see {@link CheckpointWatchOptions}
 * @param io - streams; `io.stopSignal` ends the loop
 * @returns 0 when every checkpoint seen was consistent, 1 on a split view or a bad signature
 * @throws DataLedgerError `CLI_USAGE`, `CLI_HTTP_ERROR` (only when the first poll cannot reach the service)
 */
export async function checkpointWatchCommand(url: string, options: CheckpointWatchOptions, io: CliIo): Promise<ExitStatus> {
  let base: URL;
  try {
    base = new URL(url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http(s)');
  } catch (cause) {
    throw cliError('CLI_USAGE', `${url} is not an http(s) URL`, cause);
  }
  const client = new DataLedgerClient({ baseUrl: base.toString().replace(/\/$/, '') });
  const witness: KeyFileIdentity | undefined = options.cosign === undefined ? undefined : await readKeyFile(resolve(io.cwd, options.cosign));
  const statePath = options.state === undefined ? undefined : resolve(io.cwd, options.state);

  let trusted = checkVerifierKeys(options.logKey ?? []);
  if (witness !== undefined) {
    io.stderr.write(`witness key (C2SP cosignature vkey): ${cosignerVerifierKey(options.witnessName, witness.publicKey)}\n`);
  }
  const report = (obs: WatchObservation): void => {
    if (options.json === true) io.stdout.write(`${JSON.stringify(obs)}\n`);
    else if (obs.status === 'ok') {
      const from = obs.previousSize === undefined ? '' : ` (consistent with size ${obs.previousSize})`;
      io.stdout.write(`ok: ${obs.origin} size ${obs.size} root ${obs.rootHash}${from}\n`);
      if (obs.cosignature !== undefined) io.stdout.write(`cosigned: ${obs.cosignature}\n`);
    } else if (obs.status === 'split-view') {
      io.stdout.write(`SPLIT VIEW: ${obs.code}: ${obs.message}\n`);
    } else if (obs.status === 'untrusted') {
      io.stdout.write(`UNTRUSTED CHECKPOINT: ${obs.code}: ${obs.message}\n`);
    } else io.stderr.write(`error: ${obs.code ?? ''} ${obs.message ?? ''}\n`);
  };

  if (trusted.length === 0) {
    let key: string;
    try {
      key = await client.logKey();
    } catch (cause) {
      throw cliError('CLI_HTTP_ERROR', `cannot read the log key from ${url}: ${networkCause(cause)}`, cause);
    }
    trusted = checkVerifierKeys([key.trim()]);
    io.stderr.write(`note: trusting the key the service publishes, pinned for this run: ${trusted[0]}\n`);
  }

  let previous: Verified | undefined = statePath === undefined ? undefined : await readCheckpointState(statePath, trusted);

  const fetchProof = async (size1: number, size2: number): Promise<Uint8Array[]> => {
    const proof = (await client.consistencyProof(size1, size2)) as unknown;
    const list = Array.isArray(proof) ? proof : (proof as { proof?: unknown }).proof;
    if (!Array.isArray(list)) throw cliError('CLI_HTTP_ERROR', 'consistency proof answer has no proof list');
    return list.map((h: unknown) => (typeof h === 'string' ? fromBase64(h) : (h as Uint8Array)));
  };

  const limit = options.once === true ? 1 : options.count;
  let polls = 0;
  let status: ExitStatus = EXIT.OK;
  for (;;) {
    polls += 1;
    let text: string | undefined;
    try {
      text = await client.checkpoint();
    } catch (cause) {
      if (limit === 1) throw cliError('CLI_HTTP_ERROR', `cannot read the checkpoint from ${url}: ${networkCause(cause)}`, cause);
      report({ status: 'error', code: 'CLI_HTTP_ERROR', message: networkCause(cause) });
    }
    if (text !== undefined) {
      const obs = await observe(text);
      report(obs);
      if (obs.status === 'split-view' || obs.status === 'untrusted') {
        status = EXIT.INVALID;
        break; // proof of misbehaviour (or of an impostor): stop and keep the evidence in the output
      }
    }
    if (limit !== undefined && polls >= limit) break;
    if (io.stopSignal?.aborted === true) break;
    try {
      await sleep(options.interval * 1000, undefined, io.stopSignal === undefined ? {} : { signal: io.stopSignal });
    } catch {
      break; // stopped
    }
  }
  return status;

  async function observe(text: string): Promise<WatchObservation> {
    let current: Verified;
    try {
      current = { text, checkpoint: openCheckpoint(text, trusted).checkpoint };
    } catch (err) {
      // A checkpoint no trusted key signed is not a view of this log at all.
      return {
        status: 'untrusted',
        code: isDataLedgerError(err) ? err.code : 'CHECKPOINT_UNVERIFIED',
        message: 'checkpoint is not signed by a trusted log key',
      };
    }
    const obs: WatchObservation = { status: 'ok', ...describe(current.checkpoint) };
    if (previous !== undefined) {
      let problem: { code: string; message: string } | undefined;
      try {
        problem = await checkExtends(previous.checkpoint, current.checkpoint, fetchProof);
      } catch (err) {
        return { ...obs, status: 'error', code: isDataLedgerError(err) ? err.code : 'CLI_HTTP_ERROR', message: (err as Error).message };
      }
      obs.previousSize = previous.checkpoint.size;
      if (problem !== undefined) {
        return {
          ...obs,
          status: 'split-view',
          code: problem.code,
          message: `${problem.message}; previous ${previous.text.split('\n').slice(0, 3).join(' / ')}`,
        };
      }
    }
    previous = current;
    if (statePath !== undefined) await writeCheckpointState(statePath, current.text);
    if (witness !== undefined) {
      // cosignCheckpoint returns the note with the witness's line appended; the line is the cosignature.
      const cosigned = cosignCheckpoint(current.text, { name: options.witnessName, secretKey: witness.secretKey });
      obs.cosignature = cosigned.trimEnd().split('\n').at(-1) ?? '';
    }
    return obs;
  }
}

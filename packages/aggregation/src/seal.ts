/**
 * The node-seal runtime and one SEAL context per parameter set. A context takes ~0.5 s
 * to build, so contexts are cached for the life of the process (one per preset and plain
 * modulus; a process serves few of them) and never freed.
 */
import initialize from 'node-seal';
import type { BatchEncoder, CKKSEncoder, Evaluator, MainModule, SEALContext } from 'node-seal';
import { aggError } from './errors.ts';
import { POLY_MODULUS_DEGREE, type ResolvedJob } from './job.ts';
import { type SealShape, ciphertextByteLength, secretKeyByteLength } from './format.ts';

/** CKKS preset: data primes 60+40+40 bits, special prime 60 (218-bit budget at n = 8192). */
export const CKKS_COEFF_MODULUS_BITS: readonly number[] = [60, 40, 40, 60];
/** CKKS encoding scale. Sums only add, so the scale never changes. */
export const CKKS_SCALE: number = 2 ** 40;

/** Everything one parameter set needs, built once. */
export interface SealParams {
  seal: MainModule;
  scheme: 'bfv' | 'ckks';
  context: SEALContext;
  evaluator: Evaluator;
  batchEncoder: BatchEncoder | null;
  ckksEncoder: CKKSEncoder | null;
  /** BFV plain modulus (0n for CKKS). */
  plainModulus: bigint;
  slots: number;
  /** Shape of a fresh ciphertext (first data level). */
  ciphertext: SealShape;
  /** Shape of a serialized public key (key level). */
  publicKey: SealShape;
  /** Exact byte length of a serialized ciphertext (compr_mode none). */
  ciphertextBytes: number;
  /** Exact byte length of a serialized public key. */
  publicKeyBytes: number;
  /** Exact byte length of a serialized secret key. */
  secretKeyBytes: number;
}

let runtime: Promise<MainModule> | undefined;
const contexts = new Map<string, Promise<SealParams>>();

/** Loads the node-seal WebAssembly module once per thread. */
export function loadSeal(): Promise<MainModule> {
  runtime ??= initialize();
  return runtime;
}

function parmsIdOf(ctx: SEALContext, which: 'first' | 'key'): BigUint64Array {
  const p = which === 'first' ? ctx.firstParmsId() : ctx.keyParmsId();
  try {
    return new BigUint64Array(p.values() as BigUint64Array);
  } finally {
    p.delete();
  }
}

async function build(scheme: 'bfv' | 'ckks', plain: bigint): Promise<SealParams> {
  const seal = await loadSeal();
  const n = POLY_MODULUS_DEGREE;
  const parms = new seal.EncryptionParameters(scheme === 'bfv' ? seal.SchemeType.bfv : seal.SchemeType.ckks);
  try {
    parms.setPolyModulusDegree(n);
    let plainModulus = 0n;
    const coeff =
      scheme === 'bfv' ? seal.CoeffModulus.BFVDefault(n, seal.SecLevelType.tc128) : seal.CoeffModulus.Create(n, Int32Array.from(CKKS_COEFF_MODULUS_BITS));
    const keyModuli = coeff.size();
    parms.setCoeffModulus(coeff);
    coeff.delete();
    if (scheme === 'bfv') {
      // The job's batching prime t ≡ 1 (mod 2n), chosen by resolveJob.
      const t = new seal.Modulus(plain);
      plainModulus = t.value();
      parms.setPlainModulus(t);
      t.delete();
    }
    const context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
    const first = context.firstContextData();
    const qualifiers = first.qualifiers();
    const ok = context.parametersSet() && (scheme === 'ckks' || qualifiers.usingBatching);
    free(qualifiers, first);
    if (!ok) {
      context.delete();
      throw aggError('AGG_SEAL_FAILURE', 'SEAL rejected the preset parameters', { scheme, plainModulus: plain.toString() });
    }
    const dataModuli = keyModuli - 1;
    const ciphertext: SealShape = {
      parmsId: parmsIdOf(context, 'first'),
      ntt: scheme === 'ckks',
      polyModulusDegree: n,
      moduli: dataModuli,
      scale: scheme === 'ckks' ? CKKS_SCALE : 1,
    };
    const publicKey: SealShape = { parmsId: parmsIdOf(context, 'key'), ntt: true, polyModulusDegree: n, moduli: keyModuli, scale: 1 };
    const batchEncoder = scheme === 'bfv' ? new seal.BatchEncoder(context) : null;
    const ckksEncoder = scheme === 'ckks' ? new seal.CKKSEncoder(context) : null;
    return {
      seal,
      scheme,
      context,
      evaluator: new seal.Evaluator(context),
      batchEncoder,
      ckksEncoder,
      plainModulus,
      slots: scheme === 'bfv' ? n : n / 2,
      ciphertext,
      publicKey,
      ciphertextBytes: ciphertextByteLength(ciphertext),
      publicKeyBytes: ciphertextByteLength(publicKey),
      secretKeyBytes: secretKeyByteLength(n, keyModuli),
    };
  } finally {
    parms.delete();
  }
}

/**
 * The cached SEAL parameter set of a job (built on first use).
 * @param job - a resolved job
 */
export function sealParamsFor(job: Pick<ResolvedJob, 'scheme' | 'plainModulus'>): Promise<SealParams> {
  const key = `${job.scheme}:${job.plainModulus}`;
  let p = contexts.get(key);
  if (p === undefined) {
    p = build(job.scheme, job.plainModulus);
    contexts.set(key, p);
    p.catch(() => contexts.delete(key));
  }
  return p;
}

/** Frees SEAL handles, ignoring ones already freed. */
export function free(...handles: ({ delete(): void; isDeleted(): boolean } | null | undefined)[]): void {
  for (const h of handles) {
    if (h !== null && h !== undefined && !h.isDeleted()) h.delete();
  }
}

/**
 * Runs a SEAL call, turning a WebAssembly exception (SEAL's C++ `invalid_argument`, an
 * emscripten abort) into a coded error instead of letting it escape uncaught.
 */
export function guardSeal<T>(code: 'AGG_CIPHERTEXT_MALFORMED' | 'AGG_KEY_INVALID' | 'AGG_RESULT_INVALID' | 'AGG_SEAL_FAILURE', what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err !== null && typeof err === 'object' && (err as { name?: unknown }).name === 'DataLedgerError') throw err;
    throw aggError(code, `${what}: SEAL refused it`, { what }, err);
  }
}

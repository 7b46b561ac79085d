/**
 * The running sum: one accumulator ciphertext per slot chunk. Memory is constant: each
 * chunk holds three SEAL ciphertexts (the sum, a spare the next sum is written into, and a
 * load buffer), reused for every contribution, so folding never allocates per contribution.
 */
import type { Ciphertext } from 'node-seal';
import { aggError } from './errors.ts';
import { type SealParams, free, guardSeal } from './seal.ts';

/** A constant-memory homomorphic accumulator. */
export class Folder {
  readonly params: SealParams;
  readonly chunks: number;
  #acc: Ciphertext[];
  #spare: Ciphertext[];
  #load: Ciphertext[];
  #empty = true;
  #disposed = false;

  /**
   * @param params - the job's SEAL parameter set
   * @param chunks - ciphertexts per contribution
   */
  constructor(params: SealParams, chunks: number) {
    this.params = params;
    this.chunks = chunks;
    const mk = (): Ciphertext[] => Array.from({ length: chunks }, () => new params.seal.Ciphertext());
    this.#acc = mk();
    this.#spare = mk();
    this.#load = mk();
  }

  /** True until something is folded. */
  get empty(): boolean {
    return this.#empty;
  }

  /**
   * Adds one contribution's ciphertexts, all or nothing: each is loaded into a buffer first,
   * then every sum is written into the spare accumulators, and only when all succeeded do
   * the spares become the sums. A failure leaves the running total unchanged.
   * @param ciphertexts - serialized ciphertexts whose layout was already checked ({@link checkCiphertextBytes})
   * @throws DataLedgerError `AGG_CIPHERTEXT_MALFORMED` (SEAL refused to load: a coefficient out of range, a transparent ciphertext), `AGG_SEAL_FAILURE`
   */
  add(ciphertexts: readonly Uint8Array[]): void {
    if (this.#disposed) throw new Error('Folder: disposed');
    if (ciphertexts.length !== this.chunks) throw new RangeError(`ciphertexts: expected ${this.chunks}`);
    const { context, evaluator } = this.params;
    for (let i = 0; i < this.chunks; i++) {
      const ct = this.#load[i] as Ciphertext;
      // SEAL's load checks metadata and that every coefficient is reduced modulo its prime
      // (Ciphertext::load → is_valid_for); it never reads sizes we did not already check.
      guardSeal('AGG_CIPHERTEXT_MALFORMED', `ciphertexts[${i}]`, () => ct.loadFromArray(context, ciphertexts[i] as Uint8Array));
      // A transparent ciphertext (c1 = 0) is no encryption under the job key.
      if (ct.isTransparent()) throw aggError('AGG_CIPHERTEXT_MALFORMED', `ciphertexts[${i}]: transparent`, { index: i });
    }
    if (this.#empty) {
      const prev = this.#acc;
      this.#acc = this.#load;
      this.#load = prev;
      this.#empty = false;
      return;
    }
    for (let i = 0; i < this.chunks; i++) {
      guardSeal('AGG_CIPHERTEXT_MALFORMED', `ciphertexts[${i}]`, () =>
        evaluator.add(this.#acc[i] as Ciphertext, this.#load[i] as Ciphertext, this.#spare[i] as Ciphertext),
      );
    }
    const prev = this.#acc;
    this.#acc = this.#spare;
    this.#spare = prev;
  }

  /** The serialized sums (compr_mode none, deterministic), or `[]` when nothing was folded. */
  sums(): Uint8Array[] {
    if (this.#empty) return [];
    const none = this.params.seal.ComprModeType.none;
    return this.#acc.map((ct) => ct.saveToArray(none) as Uint8Array);
  }

  /** Frees every SEAL object. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    free(...this.#acc, ...this.#spare, ...this.#load);
  }
}

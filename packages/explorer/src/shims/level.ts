/**
 * `level` and `memory-level` for the browser bundle: provenance's record stores name them,
 * and the explorer never opens a store (it reads the log over HTTP). Any use fails loudly.
 */

/** Not available in the explorer. */
export class Level {
  constructor() {
    throw new Error('record stores are not available in the explorer');
  }
}

/** Not available in the explorer. */
export class MemoryLevel {
  constructor() {
    throw new Error('record stores are not available in the explorer');
  }
}

/**
 * `node:os` and `node:worker_threads` for the browser bundle. Only provenance's worker
 * verification pool (a Node batch accelerator) names them, and the explorer never starts it:
 * any use fails loudly.
 */
function unavailable(): never {
  throw new Error('not available in the browser');
}

/** Not available in the browser. */
export function availableParallelism(): number {
  return 1;
}

/** Not available in the browser. */
export class Worker {
  constructor() {
    unavailable();
  }
}

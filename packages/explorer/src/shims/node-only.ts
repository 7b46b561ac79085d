/**
 * `node:os`, `node:worker_threads` and `node:module` for the browser bundle. Provenance's
 * worker verification pool (a Node batch accelerator) names the first two, and the explorer
 * never starts it; core asks the last for libsodium. Any use fails loudly.
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

/**
 * `node:module`'s `createRequire`: core asks it for libsodium (sodium-native), which a
 * browser cannot load, and takes its @noble/curves backend instead.
 */
export function createRequire(_url: string): (id: string) => never {
  return unavailable;
}

/** Injected by the bundler wherever the global `Buffer` is named (build.ts `inject`). */
export { Buffer } from './buffer.ts';

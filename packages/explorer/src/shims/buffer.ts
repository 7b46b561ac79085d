/**
 * `Buffer` for the browser bundle: the `buffer` package (Node's API on Uint8Array) plus the
 * `base64url` encoding (RFC 4648 §5) that Node has and the package lacks. core and provenance
 * call `Buffer` as a global; the bundler injects this module in its place (build.ts).
 */
// `buffer/index.js`, not `buffer`: in Node the bare name is the built-in module, and the tests
// of this shim must exercise the package the browser gets.
import { Buffer } from 'buffer/index.js';

const from = Buffer.from as (...args: unknown[]) => Buffer;
const nativeToString = Buffer.prototype.toString as (this: Buffer, encoding?: string, start?: number, end?: number) => string;

// base64-js already decodes the URL-safe alphabet; core checks the canonical form itself
// (it re-encodes and compares), so decoding base64url as base64 is exact.
(Buffer as unknown as { from: (...args: unknown[]) => Buffer }).from = function fromWithBase64Url(...args: unknown[]): Buffer {
  if (typeof args[0] === 'string' && args[1] === 'base64url') return from.call(Buffer, args[0], 'base64');
  return from.apply(Buffer, args);
};

Buffer.prototype.toString = function toStringWithBase64Url(this: Buffer, encoding?: string, start?: number, end?: number): string {
  if (encoding === 'base64url') return nativeToString.call(this, 'base64', start, end).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return nativeToString.call(this, encoding, start, end);
};

export { Buffer };

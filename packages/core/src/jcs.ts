/**
 * RFC 8785 JSON Canonicalization Scheme (JCS).
 *
 * - Object members are sorted by their names' UTF-16 code units (RFC 8785 §3.2.3).
 * - Numbers are serialised as ECMAScript `Number.prototype.toString` does
 *   (RFC 8785 §3.2.2.3), which is exactly what `JSON.stringify` emits for finite numbers.
 * - Strings use the ECMAScript JSON escaping (RFC 8785 §3.2.2.2).
 *
 * Values with no JSON form (NaN, ±Infinity, bigint, functions, symbols, class
 * instances such as Date or Map, lone surrogates) are refused with a TypeError:
 * a signature over a value that has no canonical form would be meaningless.
 * Object members whose value is `undefined` are omitted, as `JSON.stringify` does,
 * so optional fields may be left undefined.
 */

/** A JSON value as JCS sees it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

// RFC 8785 §3.2.2.2 forbids lone surrogates (I-JSON, RFC 7493 §2.1).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function compareUtf16(a: string, b: string): number {
  // JS string comparison is already by UTF-16 code units.
  return a < b ? -1 : a > b ? 1 : 0;
}

function serialize(value: unknown, path: string, depth: number, seen: Set<object>): string {
  if (depth > 512) throw new TypeError(`canonicalize: ${path} is nested deeper than 512 levels`);
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new TypeError(`canonicalize: ${path} contains a lone surrogate`);
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalize: ${path} is ${String(value)}, which has no JSON form`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (seen.has(value)) throw new TypeError(`canonicalize: ${path} is a circular reference`);
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        const parts: string[] = [];
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) throw new TypeError(`canonicalize: ${path}[${i}] is undefined`);
          parts.push(serialize(item, `${path}[${i}]`, depth + 1, seen));
        }
        out = `[${parts.join(',')}]`;
      } else {
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          throw new TypeError(`canonicalize: ${path} is not a plain object`);
        }
        const rec = value as Record<string, unknown>;
        const keys = Object.keys(rec).sort(compareUtf16);
        const parts: string[] = [];
        for (const k of keys) {
          const v = rec[k];
          if (v === undefined) continue;
          if (LONE_SURROGATE.test(k)) throw new TypeError(`canonicalize: ${path} has a key with a lone surrogate`);
          parts.push(`${JSON.stringify(k)}:${serialize(v, `${path}.${k}`, depth + 1, seen)}`);
        }
        out = `{${parts.join(',')}}`;
      }
      seen.delete(value);
      return out;
    }
    default:
      throw new TypeError(`canonicalize: ${path} is a ${typeof value}, which has no JSON form`);
  }
}

/**
 * Canonical JSON text of `value` (RFC 8785).
 * @param value - a JSON-compatible value
 * @returns the canonical text; UTF-8 encode it to sign or hash it
 * @throws TypeError for NaN, ±Infinity, bigint, functions, symbols, non-plain objects,
 *   lone surrogates and cycles
 * @example
 * ```ts
 * canonicalize({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 * ```
 */
export function canonicalize(value: unknown): string {
  if (value === undefined) throw new TypeError('canonicalize: value is undefined');
  return serialize(value, '$', 0, new Set());
}

/**
 * UTF-8 bytes of the canonical form of `value` (what gets hashed and signed).
 * @throws TypeError as {@link canonicalize}
 */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalize(value));
}

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

// Thrown inside the recursion and re-thrown with the path of the offending value; building
// a path string for every member up front would cost more than the serialisation itself.
class JcsPathError extends Error {
  readonly segments: string[] = [];
}

const MAX_DEPTH = 512;

function serialize(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      // RFC 8785 §3.2.2.2: strings are I-JSON (RFC 7493 §2.1), so no lone surrogates.
      if (!value.isWellFormed()) throw new JcsPathError('contains a lone surrogate');
      return JSON.stringify(value);
    case 'number':
      // RFC 8785 §3.2.2.3: ECMAScript Number serialisation, which JSON.stringify implements.
      if (!Number.isFinite(value)) throw new JcsPathError(`is ${String(value)}, which has no JSON form`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      // Also stops cycles: a cyclic value is nested infinitely deep.
      if (depth >= MAX_DEPTH) throw new JcsPathError(`is nested deeper than ${MAX_DEPTH} levels (or is circular)`);
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          try {
            if (item === undefined) throw new JcsPathError('is undefined');
            out += (i === 0 ? '' : ',') + serialize(item, depth + 1);
          } catch (e) {
            if (e instanceof JcsPathError) e.segments.push(`[${i}]`);
            throw e;
          }
        }
        return `${out}]`;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new JcsPathError('is not a plain object');
      const rec = value as Record<string, unknown>;
      // RFC 8785 §3.2.3: sort by UTF-16 code units, which is what the default sort compares.
      const keys = Object.keys(rec).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = rec[k];
        if (v === undefined) continue;
        try {
          if (!k.isWellFormed()) throw new JcsPathError('has a key with a lone surrogate');
          out += `${first ? '' : ','}${JSON.stringify(k)}:${serialize(v, depth + 1)}`;
        } catch (e) {
          if (e instanceof JcsPathError) e.segments.push(`.${k}`);
          throw e;
        }
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new JcsPathError(`is a ${typeof value}, which has no JSON form`);
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
  try {
    return serialize(value, 0);
  } catch (e) {
    if (!(e instanceof JcsPathError)) throw e;
    throw new TypeError(`canonicalize: $${e.segments.reverse().join('')} ${e.message}`);
  }
}

const encoder = new TextEncoder();

/**
 * UTF-8 bytes of the canonical form of `value` (what gets hashed and signed).
 * @throws TypeError as {@link canonicalize}
 */
export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalize(value));
}

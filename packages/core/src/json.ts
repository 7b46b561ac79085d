/**
 * A JSON reader safe at trust boundaries.
 *
 * Why not plain `JSON.parse`:
 * - V8 on Node 24–26 (nodejs/node#63785, open) caches decoded member names: once a text whose
 *   member name is a single backslash (`{"h":[],"\\":0}`) has been parsed, a later member name
 *   written as a one-character escape (`"\""`, `"\n"`, `"\/"`, `"\u0041"`) reads back as `\`.
 *   One request can thus change what every later request means. Both sides of the bug need an
 *   escape inside a member name, so a text with no backslash in any member name can neither
 *   poison nor be misread: those texts go to `JSON.parse` (fast), the others to a reader of our
 *   own that decodes every name itself.
 * - `JSON.parse` keeps the last of duplicate member names; a signed record read one way by a
 *   verifier and another way by an application is an attack. I-JSON (RFC 7493 §2.3) forbids
 *   duplicates, and so do we, on both paths.
 * - I-JSON (RFC 7493 §2.1) forbids lone surrogates, which also have no RFC 8785 form; numbers
 *   beyond the range of an IEEE 754 double (RFC 7493 §2.2: `1e400`) are refused for the same
 *   reason (they would silently become Infinity).
 * - Size and nesting are bounded before anything is built.
 */
import { CoreError } from './errors.ts';
import type { JsonValue } from './jcs.ts';

/** Options of {@link parseJson}. */
export interface ParseJsonOptions {
  /** Largest accepted input in UTF-8 bytes (default {@link DEFAULT_JSON_MAX_BYTES}; `Infinity` allowed). */
  maxBytes?: number;
  /** Deepest accepted nesting of arrays and objects (default {@link DEFAULT_JSON_MAX_DEPTH}). */
  maxDepth?: number;
  /**
   * Also refuse a member named `__proto__`, and a `constructor` member whose value has a
   * `prototype` member (the prototype-poisoning shapes HTTP frameworks refuse). Default false:
   * like `JSON.parse`, such names become ordinary own properties.
   */
  forbidPrototypeKeys?: boolean;
}

/** Default input limit of {@link parseJson}: 16 MiB. */
export const DEFAULT_JSON_MAX_BYTES: number = 16 * 1024 * 1024;
/** Default nesting limit of {@link parseJson} (the same as `canonicalize`'s). */
export const DEFAULT_JSON_MAX_DEPTH = 512;

const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function invalid(reason: string, position: number): CoreError {
  return new CoreError('CORE_JSON_INVALID', `json: ${reason} at position ${position}`, { details: { reason, position } });
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const QUOTE = 0x22;
/** The scan's nesting stack, reused (the scan is synchronous and never re-entered). */
const SHARED_STACK = new Uint8Array(DEFAULT_JSON_MAX_DEPTH + 1);
const BACKSLASH = 0x5c;

/** What one linear pass over the text found. */
interface Scan {
  /** Some member name contains a backslash, or a `\u` escape names a surrogate: read it ourselves. */
  strict: boolean;
  /** Number of `:` outside strings: the number of members, when the text is valid JSON. */
  members: number;
}

/**
 * One pass over the text: string boundaries, nesting depth, member count, and whether any
 * member name holds an escape. A `"` outside a string always opens one (no other JSON token
 * holds a quote), so on valid JSON — and on any invalid text up to its first error, where
 * `JSON.parse` stops — this sees the same strings, names and values as the parser does. A
 * string counts as a member name when it follows `{`, or `,` inside an object, or is followed
 * by `:` — the second rule catches invalid texts where the two views could differ.
 */
function scan(text: string, maxDepth: number): Scan {
  const stack = maxDepth < SHARED_STACK.length ? SHARED_STACK : new Uint8Array(maxDepth + 1); // 1 = object, 2 = array
  let depth = 0;
  let prev = 0; // last significant character outside strings
  let members = 0;
  let strict = false;
  const n = text.length;
  // Next backslash at or after the current string (n when none): strings without one are
  // skipped with one native indexOf.
  let nextBackslash = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const close = text.indexOf('"', i + 1);
      if (close < 0) break; // unterminated: not JSON, the strict reader will say where
      if (nextBackslash <= i) {
        nextBackslash = text.indexOf('\\', i + 1);
        if (nextBackslash < 0) nextBackslash = n;
      }
      if (nextBackslash > close) {
        i = close;
        prev = QUOTE;
        continue;
      }
      for (i = nextBackslash; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          const e = text.charCodeAt(i + 1);
          // \uD800–\uDFFF: the strict reader checks the pairing.
          if (e === 0x75 && (text.charCodeAt(i + 2) | 0x20) === 0x64 && /[89abAB]/.test(text.charAt(i + 3))) strict = true;
          i++;
        }
      }
      nextBackslash = -1;
      if (!strict) {
        const nameByPosition = prev === 0x7b || (prev === 0x2c && depth > 0 && stack[depth] === 1);
        let j = i + 1;
        while (j < n && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x0a || text.charCodeAt(j) === 0x0d || text.charCodeAt(j) === 0x09)) j++;
        if (nameByPosition || text.charCodeAt(j) === 0x3a) strict = true;
      }
      // The strict reader checks everything else (depth included) itself.
      if (strict) return { strict, members };
      prev = QUOTE;
      continue;
    }
    switch (c) {
      case 0x7b: // {
      case 0x5b: // [
        if (depth >= maxDepth) throw invalid(`nested deeper than ${maxDepth} levels`, i);
        stack[++depth] = c === 0x7b ? 1 : 2;
        break;
      case 0x7d: // }
      case 0x5d: // ]
        if (depth > 0) depth--;
        break;
      case 0x3a: // :
        members++;
        break;
      case 0x20:
      case 0x0a:
      case 0x0d:
      case 0x09:
        continue;
      default:
        break;
    }
    prev = c;
  }
  return { strict, members };
}

/**
 * Counts the members of every object in a value `JSON.parse` built, and checks what it cannot:
 * finite numbers, and (optionally) no prototype-poisoning names. -1 when a check fails (the
 * strict reader then reports it with its position).
 */
function walk(v: unknown, forbidProto: boolean): number {
  if (typeof v === 'number') return Number.isFinite(v) ? 0 : -1;
  if (v === null || typeof v !== 'object') return 0;
  let count = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const n = walk(v[i], forbidProto);
      if (n < 0) return -1;
      count += n;
    }
    return count;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  count += keys.length;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = o[k];
    if (forbidProto && isPrototypeKey(k, x)) return -1;
    const n = walk(x, forbidProto);
    if (n < 0) return -1;
    count += n;
  }
  return count;
}

function isPrototypeKey(name: string, value: unknown): boolean {
  return name === '__proto__' || (name === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype'));
}

function checkPrototypeKey(name: string, value: unknown, position: number): void {
  if (isPrototypeKey(name, value)) throw invalid(`a member named ${name} (prototype poisoning)`, position);
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * The strict reader: RFC 8259 grammar, every member name decoded here (never by `JSON.parse`),
 * duplicates refused as they are met (RFC 7493 §2.3), lone surrogates refused (§2.1).
 */
class StrictReader {
  readonly #t: string;
  readonly #maxDepth: number;
  readonly #forbidProto: boolean;
  #i = 0;

  constructor(text: string, maxDepth: number, forbidProto: boolean) {
    this.#t = text;
    this.#maxDepth = maxDepth;
    this.#forbidProto = forbidProto;
  }

  read(): JsonValue {
    const v = this.#value(0);
    this.#ws();
    if (this.#i !== this.#t.length) throw invalid('unexpected data after the value', this.#i);
    return v;
  }

  #ws(): void {
    const t = this.#t;
    let i = this.#i;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.#i = i;
  }

  #value(depth: number): JsonValue {
    this.#ws();
    const t = this.#t;
    const c = t.charCodeAt(this.#i);
    switch (c) {
      case 0x7b:
        return this.#object(depth + 1);
      case 0x5b:
        return this.#array(depth + 1);
      case QUOTE:
        return this.#string();
      case 0x74:
        return this.#literal('true', true);
      case 0x66:
        return this.#literal('false', false);
      case 0x6e:
        return this.#literal('null', null);
      default: {
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.#number();
        throw invalid(Number.isNaN(c) ? 'unexpected end of text' : 'unexpected character', this.#i);
      }
    }
  }

  #literal<V extends JsonValue>(word: string, value: V): V {
    if (!this.#t.startsWith(word, this.#i)) throw invalid('unexpected character', this.#i);
    this.#i += word.length;
    return value;
  }

  #number(): number {
    NUMBER_RE.lastIndex = this.#i;
    const m = NUMBER_RE.exec(this.#t);
    if (m === null) throw invalid('malformed number', this.#i);
    const v = Number(m[0]);
    if (!Number.isFinite(v)) throw invalid('a number is out of the range of an IEEE 754 double', this.#i);
    this.#i += m[0].length;
    return v;
  }

  #string(): string {
    const t = this.#t;
    const start = this.#i + 1;
    let i = start;
    let out = '';
    let runStart = start;
    let escapedSurrogate = false;
    for (;;) {
      if (i >= t.length) throw invalid('unterminated string', start - 1);
      const c = t.charCodeAt(i);
      if (c === QUOTE) break;
      if (c < 0x20) throw invalid('unescaped control character in a string', i);
      if (c !== BACKSLASH) {
        i++;
        continue;
      }
      out += t.slice(runStart, i);
      const e = t.charCodeAt(i + 1);
      switch (e) {
        case QUOTE:
          out += '"';
          break;
        case BACKSLASH:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          const hex = t.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw invalid('malformed \\u escape', i);
          const code = Number.parseInt(hex, 16);
          if (code >= 0xd800 && code <= 0xdfff) escapedSurrogate = true;
          out += String.fromCharCode(code);
          i += 4;
          break;
        }
        default:
          throw invalid('unknown escape', i);
      }
      i += 2;
      runStart = i;
    }
    out += t.slice(runStart, i);
    this.#i = i + 1;
    if (escapedSurrogate && !out.isWellFormed()) throw invalid('a string holds a lone surrogate', start - 1);
    return out;
  }

  #array(depth: number): JsonValue[] {
    if (depth > this.#maxDepth) throw invalid(`nested deeper than ${this.#maxDepth} levels`, this.#i);
    this.#i++;
    const out: JsonValue[] = [];
    this.#ws();
    if (this.#t.charCodeAt(this.#i) === 0x5d) {
      this.#i++;
      return out;
    }
    for (;;) {
      out.push(this.#value(depth));
      this.#ws();
      const c = this.#t.charCodeAt(this.#i);
      this.#i++;
      if (c === 0x5d) return out;
      if (c !== 0x2c) throw invalid("expected ',' or ']'", this.#i - 1);
    }
  }

  #object(depth: number): { [key: string]: JsonValue } {
    if (depth > this.#maxDepth) throw invalid(`nested deeper than ${this.#maxDepth} levels`, this.#i);
    this.#i++;
    const out: { [key: string]: JsonValue } = {};
    this.#ws();
    if (this.#t.charCodeAt(this.#i) === 0x7d) {
      this.#i++;
      return out;
    }
    for (;;) {
      this.#ws();
      const at = this.#i;
      if (this.#t.charCodeAt(at) !== QUOTE) throw invalid('expected a member name', at);
      const name = this.#string();
      this.#ws();
      if (this.#t.charCodeAt(this.#i) !== 0x3a) throw invalid("expected ':'", this.#i);
      this.#i++;
      const value = this.#value(depth);
      // RFC 7493 §2.3: member names must be unique.
      if (Object.hasOwn(out, name)) throw invalid(`duplicate member name ${JSON.stringify(name)}`, at);
      if (this.#forbidProto) checkPrototypeKey(name, value, at);
      // A data property, as JSON.parse makes: assignment would set the prototype for __proto__.
      if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      else out[name] = value;
      this.#ws();
      const c = this.#t.charCodeAt(this.#i);
      this.#i++;
      if (c === 0x7d) return out;
      if (c !== 0x2c) throw invalid("expected ',' or '}'", this.#i - 1);
    }
  }
}

/**
 * Parses untrusted JSON text (or UTF-8 bytes) into a JSON value, immune to the V8 member-name
 * bug (nodejs/node#63785) and strict where `JSON.parse` is lenient: duplicate member names,
 * lone surrogates and numbers beyond a double are refused (I-JSON, RFC 7493 §2), and size and
 * depth are bounded.
 * @param input - the text, or its UTF-8 bytes (a byte order mark is refused, RFC 8259 §8.1)
 * @param options - `maxBytes`, `maxDepth`, `forbidPrototypeKeys`
 * @returns the value; objects are plain objects whose members are own data properties
 * @throws DataLedgerError `CORE_INPUT_TOO_LARGE` beyond `maxBytes` (details `bytes`, `limit`);
 *   `CORE_JSON_INVALID` for anything that is not one I-JSON value within `maxDepth`
 *   (details `reason`, `position`)
 * @example
 * ```ts
 * parseJson('{"a":[1,"x"]}') // { a: [1, 'x'] }
 * parseJson('{"a":1,"a":2}') // throws CORE_JSON_INVALID (duplicate member name)
 * ```
 */
export function parseJson(input: string | Uint8Array, options: ParseJsonOptions = {}): JsonValue {
  const maxBytes = options.maxBytes ?? DEFAULT_JSON_MAX_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_JSON_MAX_DEPTH;
  if (!(maxBytes >= 0)) throw new RangeError('options.maxBytes: expected a non-negative number');
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 1) throw new RangeError('options.maxDepth: expected a positive integer');
  const forbidProto = options.forbidPrototypeKeys === true;
  let text: string;
  if (typeof input === 'string') {
    // UTF-8 takes 1 to 3 bytes per UTF-16 code unit: count exactly only when it could matter.
    if (input.length > maxBytes) throw tooLarge(input.length, maxBytes);
    if (input.length * 3 > maxBytes) {
      const bytes = utf8Length(input);
      if (bytes > maxBytes) throw tooLarge(bytes, maxBytes);
    }
    text = input;
  } else if (input instanceof Uint8Array) {
    if (input.length > maxBytes) throw tooLarge(input.length, maxBytes);
    try {
      text = td.decode(input);
    } catch (cause) {
      throw new CoreError('CORE_JSON_INVALID', 'json: not UTF-8', { cause, details: { reason: 'not UTF-8', position: 0 } });
    }
  } else {
    throw new TypeError('input: expected a string or a Uint8Array');
  }
  if (text.charCodeAt(0) === 0xfeff) throw invalid('a byte order mark', 0);
  // RFC 7493 §2.1: no lone surrogates, written raw (escaped ones are found by the scan).
  if (!text.isWellFormed()) throw invalid('the text holds a lone surrogate', 0);
  const found = scan(text, maxDepth);
  if (found.strict) return new StrictReader(text, maxDepth, forbidProto).read();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: the strict reader says where, with a coded error.
    return new StrictReader(text, maxDepth, forbidProto).read();
  }
  // Fewer own members than `:` in the text means a name repeated within an object; -1 a
  // number beyond a double or a refused name.
  if (walk(value, forbidProto) !== found.members) return new StrictReader(text, maxDepth, forbidProto).read();
  return value as JsonValue;
}

function tooLarge(bytes: number, limit: number): CoreError {
  return new CoreError('CORE_INPUT_TOO_LARGE', `json: ${bytes} bytes exceeds the limit of ${limit}`, { details: { bytes, limit } });
}

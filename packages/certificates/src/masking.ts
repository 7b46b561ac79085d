/**
 * Desensitisation (脱敏) of public outputs: one masking rule per identifier category and
 * asset classification, after the de-identification practice of GB/T 37964-2019 (个人信息
 * 去标识化指南), whose Annex A names the techniques used here: masking (屏蔽: keep part of an
 * identifier, a fixed character for the rest) and suppression (抑制: remove the value). The table is
 * `README.md` "Desensitisation (masking table)", pinned to {@link MASKING_TABLE} by a test.
 *
 * Every rule is idempotent (masking a masked value changes nothing) and, below `core`, keeps the
 * value's length in characters, so a table or a form laid out for the clear value still fits.
 * A value that does not have its category's shape is masked entirely (fail closed: a
 * malformed identifier is no reason to publish it).
 */
import type { Classification } from './payloads.ts';

/** An identifier category of the masking table. */
export type MaskCategory = 'personName' | 'residentId' | 'phone' | 'freeText';

/** Every category, in table order. */
export const MASK_CATEGORIES: readonly MaskCategory[] = ['personName', 'residentId', 'phone', 'freeText'];

/** One row of {@link MASKING_TABLE}: what the category is, and its rule per classification. */
export interface MaskingRow {
  readonly category: MaskCategory;
  /** What values of the category look like (how they are detected). */
  readonly detects: string;
  /** The rule for `general` assets. */
  readonly general: string;
  /** The rule for `important` assets. */
  readonly important: string;
  /** The rule for `core` assets. */
  readonly core: string;
  /** An example value and its mask below `core`. */
  readonly example: { readonly value: string; readonly masked: string };
}

// The two-character compound surnames (复姓) that are kept whole: the common ones of the
// 百家姓. A name starting with one keeps both characters when it has at least three.
const COMPOUND_SURNAMES: readonly string[] = [
  '欧阳',
  '司马',
  '诸葛',
  '上官',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '长孙',
  '宇文',
  '司徒',
  '夏侯',
  '轩辕',
  '令狐',
  '钟离',
  '端木',
  '西门',
  '南宫',
  '独孤',
  '澹台',
  '申屠',
  '太史',
  '百里',
];

/** The compound surnames kept whole by the `personName` rule. */
export const MASK_COMPOUND_SURNAMES: readonly string[] = COMPOUND_SURNAMES;

/** What a suppressed (`core`) value is replaced by, whatever its length (GB/T 37964 suppression). */
export const SUPPRESSED_VALUE = '***';

const MASK = '*';
const CORE_RULE = 'replaced by `***`';

/**
 * The masking table: one row per identifier category, one rule per classification. `general`
 * and `important` mask (keep a part, `*` for the rest); `core` suppresses the whole value.
 */
export const MASKING_TABLE: readonly MaskingRow[] = [
  {
    category: 'personName',
    detects: 'a person’s name (Han script, or Latin script)',
    general:
      'Han: the surname (the first character, or the compound surname such as 欧阳 when the name has 3+ characters), then one `*` per other character (`·` kept). Latin: the first word, then `*` for every letter or digit of the others; a one-word name keeps its first letter',
    important: 'as general',
    core: CORE_RULE,
    example: { value: '欧阳修', masked: '欧阳*' },
  },
  {
    category: 'residentId',
    detects:
      'GB 11643 resident ID number: 17 digits and a check digit (digit or X), the check digit valid, optionally grouped 6-8-4 by spaces or hyphens; full-width digits too',
    general: 'the first 6 and the last 4 characters, `*` for the 8 between (the birth date); separators kept',
    important: 'as general',
    core: CORE_RULE,
    example: { value: '11010519491231002X', masked: '110105********002X' },
  },
  {
    category: 'phone',
    detects:
      'mainland mobile number `1[3-9]` and 9 digits, optionally after `+86`, `0086` or `86`, optionally grouped 3-4-4 by spaces or hyphens; full-width digits too',
    general: 'the prefix and the first 3 and last 4 digits, `****` for the 4 between',
    important: 'as general',
    core: CORE_RULE,
    example: { value: '+86 13812345678', masked: '+86 138****5678' },
  },
  {
    category: 'freeText',
    detects: 'any text',
    general: 'every resident ID number and mobile number found in it masked as above; the rest kept',
    important: 'as general',
    core: CORE_RULE,
    example: { value: '联系人电话13812345678', masked: '联系人电话138****5678' },
  },
];

// GB 11643-1999 §5.2 check digit (ISO 7064 MOD 11-2): weights 2^(17-i) mod 11, check value
// (12 - sum mod 11) mod 11, 10 written X.
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

// Full-width forms (U+FF10–FF19 digits, Ｘ ｘ ＋ －, the ideographic space) read as their ASCII
// forms for detection, one UTF-16 unit for one, so places found in the folded text are places
// in the text: a number typed in full width is as identifying as the same number in ASCII.
const FULL_WIDTH = /[\uFF10-\uFF19\uFF38\uFF58\uFF0B\uFF0D\u3000]/g;
function fold(text: string): string {
  return text.replace(FULL_WIDTH, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

// 6 (region) - 8 (birth date) - 4 (sequence and check digit), the groups optionally separated.
const ID_SOURCE = '[0-9]{6}[ -]?[0-9]{8}[ -]?[0-9]{3}[0-9Xx]';

/**
 * True when `value` is a GB 11643 resident ID number: 17 digits and a valid check digit (a
 * digit, or `X`/`x` for 10), optionally grouped 6-8-4 by spaces or hyphens, in ASCII or
 * full-width digits.
 * @param value - the candidate
 */
export function isResidentId(value: string): boolean {
  const v = fold(value);
  if (!new RegExp(`^${ID_SOURCE}$`).test(v)) return false;
  const id = v.replace(/[ -]/g, '');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (id.charCodeAt(i) - 48) * (ID_WEIGHTS[i] as number);
  const check = (12 - (sum % 11)) % 11;
  const last = id[17] as string;
  return check === 10 ? last === 'X' || last === 'x' : last === String(check);
}

// The country prefix, then 1[3-9]x, an optional separator, 4 digits, an optional separator, 4 digits.
const PHONE_SOURCE = '(?:(?:\\+86|0086|86)[ -]?)?1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}';

/**
 * True when `value` is a mainland mobile number (`1[3-9]` and 9 digits), optionally after
 * `+86` / `0086` / `86` and grouped 3-4-4 by spaces or hyphens, in ASCII or full-width digits.
 * @param value - the candidate
 */
export function isMobileNumber(value: string): boolean {
  return new RegExp(`^${PHONE_SOURCE}$`, 'u').test(fold(value));
}

// In free text: not inside a longer run of digits (nor right after a `+`), so an 18-digit ID
// never yields a phone number and a phone number is never the tail of an account number.
const PHONE_IN_TEXT = new RegExp(`(?<![0-9+])${PHONE_SOURCE}(?![0-9])`, 'gu');
const ID_IN_TEXT = new RegExp(`(?<![0-9])${ID_SOURCE}(?![0-9])`, 'g');

/** One identifier found in a text. */
export interface FoundIdentifier {
  category: 'residentId' | 'phone';
  /** UTF-16 offset of its first character. */
  start: number;
  /** UTF-16 offset after its last character. */
  end: number;
}

/**
 * The resident ID numbers (check digit valid) and mobile numbers in a text, in order.
 * @param text - any text
 * @returns their places (never their values, so a caller cannot log them by accident)
 */
export function findIdentifiers(text: string): FoundIdentifier[] {
  const folded = fold(text);
  const out: FoundIdentifier[] = [];
  for (const m of folded.matchAll(ID_IN_TEXT)) {
    if (isResidentId(m[0])) out.push({ category: 'residentId', start: m.index, end: m.index + m[0].length });
  }
  for (const m of folded.matchAll(PHONE_IN_TEXT)) {
    const start = m.index;
    const end = start + m[0].length;
    if (!out.some((f) => f.start < end && start < f.end)) out.push({ category: 'phone', start, end });
  }
  return out.sort((a, b) => a.start - b.start);
}

const HAN = /\p{Script=Han}/u;
const NAME_SEPARATORS = new Set(['·', '•', '・', '.', ' ', '-']);
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

function maskPersonName(value: string): string {
  const chars = [...value];
  if (HAN.test(value)) {
    // 张三 → 张*, 欧阳修 → 欧阳*: the surname, then one * per other character.
    const keep = chars.length >= 3 && COMPOUND_SURNAMES.includes(chars.slice(0, 2).join('')) ? 2 : 1;
    return chars.map((c, i) => (i < keep || NAME_SEPARATORS.has(c) ? c : MASK)).join('');
  }
  // Latin script: the first word (a pinyin surname, or a given name in Western order) when the
  // name has more than one word; the first letter of a one-word name.
  const first = /\S+/u.exec(value);
  if (first === null) return value;
  const firstEnd = first.index + first[0].length;
  const more = /\S/u.test(value.slice(firstEnd));
  let seen = 0;
  const keepUntil = more ? firstEnd : -1;
  return chars
    .map((c) => {
      const at = seen;
      seen += c.length;
      if (at < keepUntil) return c;
      if (!more && at === first.index) return c;
      return LETTER_OR_DIGIT.test(c) ? MASK : c;
    })
    .join('');
}

function maskResidentId(clear: string): string {
  const value = fold(clear);
  if (!/^[0-9*]{6}[ -]?[0-9*]{8}[ -]?[0-9*]{3}[0-9Xx*]$/.test(value)) return MASK.repeat([...value].length);
  // The 8 characters between the region code and the sequence/check are the birth date.
  let n = 0;
  return [...value]
    .map((c) => {
      if (c === ' ' || c === '-') return c;
      const i = n++;
      return i < 6 || i >= 14 ? c : MASK;
    })
    .join('');
}

function maskPhone(clear: string): string {
  const value = fold(clear);
  const prefix = /^(?:\+86|0086|86)(?=[ -]?1)[ -]?/.exec(value)?.[0] ?? '';
  const rest = value.slice(prefix.length);
  const digits = [...rest].filter((c) => /[0-9*]/.test(c)).length;
  const shaped = digits === 11 && /^[0-9*]{3}[ -]?[0-9*]{4}[ -]?[0-9*]{4}$/.test(rest);
  let n = 0;
  return (
    prefix +
    [...rest]
      .map((c) => {
        if (!/[0-9*]/.test(c)) return shaped ? c : MASK;
        const i = n++;
        // 3 + 4: the 4th to 7th digits are hidden.
        return shaped && (i < 3 || i >= 7) ? c : MASK;
      })
      .join('')
  );
}

function maskFound(text: string): string {
  let out = '';
  let at = 0;
  for (const f of findIdentifiers(text)) {
    // the maskers read full-width digits as ASCII: the kept digits come out in ASCII
    const value = text.slice(f.start, f.end);
    out += text.slice(at, f.start) + (f.category === 'residentId' ? maskResidentId(value) : maskPhone(value));
    at = f.end;
  }
  return out + text.slice(at);
}

/**
 * Masks one value by its category's rule for an asset of the given classification
 * ({@link MASKING_TABLE}).
 * @param category - what the value is
 * @param value - the clear value
 * @param classification - the classification of the asset it belongs to (default `general`)
 * @returns the masked value: same length below `core`, `***` for `core`
 * @example maskValue('residentId', '11010519491231002X') // '110105********002X'
 */
export function maskValue(category: MaskCategory, value: string, classification: Classification = 'general'): string {
  if (typeof value !== 'string') throw new TypeError('value: expected a string');
  if (classification === 'core') return SUPPRESSED_VALUE;
  switch (category) {
    case 'personName':
      return maskPersonName(value);
    case 'residentId':
      return maskResidentId(value);
    case 'phone':
      return maskPhone(value);
    case 'freeText':
      return maskFound(value);
    default:
      throw new TypeError(`category: not a masking category: ${String(category)}`);
  }
}

/**
 * Masks every resident ID number and mobile number in a text (the `freeText` rule).
 * @param text - any text
 * @param classification - the asset's classification (default `general`; `core` gives `***`)
 * @returns the text with each identifier masked in place
 */
export function maskText(text: string, classification: Classification = 'general'): string {
  return maskValue('freeText', text, classification);
}

/**
 * What {@link desensitise} masks: member path → category. A path is dotted member names
 * (`holder.name`, `source.department`); an array on the way is entered item by item
 * (`scope` masks each scope item).
 */
export type DesensitiseSpec = Readonly<Record<string, MaskCategory>>;

function maskAt(value: unknown, path: readonly string[], category: MaskCategory, classification: Classification): unknown {
  if (Array.isArray(value)) return value.map((v) => maskAt(v, path, category, classification));
  if (path.length === 0) return typeof value === 'string' ? maskValue(category, value, classification) : value;
  if (typeof value !== 'object' || value === null) return value;
  const [head, ...tail] = path as [string, ...string[]];
  if (!Object.hasOwn(value, head)) return value;
  return { ...value, [head]: maskAt((value as Record<string, unknown>)[head], tail, category, classification) };
}

/**
 * A masked copy of a JSON value: each member the spec names is masked by its category's rule.
 * The input is not changed; members the spec does not name are copied as they are.
 * @param value - a JSON value (e.g. a record payload)
 * @param spec - member path → category
 * @param classification - the asset's classification (default `general`)
 * @returns the masked copy
 * @example desensitise({ holder: { name: '张三' } }, { 'holder.name': 'personName' }) // { holder: { name: '张*' } }
 */
export function desensitise<T>(value: T, spec: DesensitiseSpec, classification: Classification = 'general'): T {
  let out: unknown = value;
  for (const [path, category] of Object.entries(spec)) out = maskAt(out, path.split('.'), category, classification);
  return out as T;
}

/**
 * The free-text members of each record type's payload that are public on the log: a resident ID
 * number or mobile number in one of them would be published for good (the log is append-only),
 * so {@link publicTextPii} looks there. Paths are dotted; an array is checked item by item.
 * Members confidential by default (`description`, `opinion`: disclosure policy) are checked
 * only when a deployment makes them public.
 */
export const PUBLIC_TEXT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  'ledger.genesis': ['ledgerName'],
  'asset.registered': ['name', 'source.department', 'source.authorisationBasis'],
  'asset.changed': ['changes.name', 'changes.source.department', 'changes.source.authorisationBasis'],
  'certificate.suspended': ['reason'],
  'certificate.reinstated': ['reason'],
  'certificate.revoked': ['reason'],
  'licence.granted': ['purpose', 'scope'],
  'licence.revoked': ['reason'],
  'asset.frozen': ['reason'],
  'asset.unfrozen': ['reason'],
  'asset.cancelled': ['reason'],
  'crossborder.approved': ['purpose'],
  'consent.granted': ['purpose'],
  'disclosure.erased': ['reason'],
};

/** An unmasked identifier in a public member of a payload. */
export interface PublicTextFinding {
  /** JSON Pointer (RFC 6901) of the member: `/source/department`, `/scope/2`. */
  path: string;
  category: 'residentId' | 'phone';
}

function findAt(value: unknown, path: readonly string[], pointer: string): PublicTextFinding | null {
  if (typeof value === 'string') {
    if (path.length > 0) return null;
    const f = findIdentifiers(value)[0];
    return f === undefined ? null : { path: pointer, category: f.category };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const f = findAt(value[i], path, `${pointer}/${i}`);
      if (f !== null) return f;
    }
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (path.length === 0) {
    // A whole object made public (a consent's `person`): every string in it is public text.
    for (const [k, v] of Object.entries(value)) {
      const f = findAt(v, [], `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      if (f !== null) return f;
    }
    return null;
  }
  const [head, ...tail] = path as [string, ...string[]];
  if (!Object.hasOwn(value, head)) return null;
  return findAt((value as Record<string, unknown>)[head], tail, `${pointer}/${head.replace(/~/g, '~0').replace(/\//g, '~1')}`);
}

/**
 * The first unmasked resident ID number or mobile number in the public free text of a payload
 * ({@link PUBLIC_TEXT_MEMBERS}, plus the members a deployment makes public).
 * @param type - the record type
 * @param payload - the payload (already of its type's shape)
 * @param options - `public`: members made public by the disclosure policy, as `type:path`
 *   entries (`asset.registered:description`); those of other types are ignored
 * @returns where it is (never the value), or null
 */
export function publicTextPii(type: string, payload: unknown, options: { public?: readonly string[] } = {}): PublicTextFinding | null {
  const extra = (options.public ?? []).filter((e) => e.startsWith(`${type}:`)).map((e) => e.slice(type.length + 1));
  for (const path of [...(PUBLIC_TEXT_MEMBERS[type] ?? []), ...extra]) {
    const f = findAt(payload, path.split('.'), '');
    if (f !== null) return f;
  }
  return null;
}

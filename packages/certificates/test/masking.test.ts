/**
 * The masking table (README "Desensitisation (masking table)", after GB/T 37964-2019 masking
 * and suppression): each rule against hand-written outputs, the laws every rule
 * keeps (same length below `core`, the hidden part never shown, idempotent) with fast-check,
 * and the README's table pinned to the code's.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MASKING_TABLE, MASK_COMPOUND_SURNAMES, desensitise, findIdentifiers, isMobileNumber, isResidentId, maskText, maskValue } from '../src/index.ts';

const cps = (s: string): number => [...s].length;

// GB 11643-1999 §5.2 (ISO 7064 MOD 11-2), written from the standard: weight of position i
// (1-based from the right, the check digit being position 1) is 2^(i-1) mod 11; the check
// value a1 satisfies sum(a_i * W_i) ≡ 1 (mod 11).
function checkDigit(first17: string): string {
  let sum = 0;
  for (let j = 0; j < 17; j++) sum += Number(first17[j]) * (2 ** (18 - j - 1) % 11);
  for (let a = 0; a <= 10; a++) if ((sum + a) % 11 === 1) return a === 10 ? 'X' : String(a);
  throw new Error('unreachable');
}

/** Any valid resident ID number (18 characters, the check digit computed above). */
const id = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 17, maxLength: 17 }).map((d) => d.join('') + checkDigit(d.join('')));

describe('personName', () => {
  it('Han names: the surname (compound surnames whole), one * per other character', () => {
    expect(maskValue('personName', '张三')).toBe('张*');
    expect(maskValue('personName', '王小明')).toBe('王**');
    expect(maskValue('personName', '欧阳修')).toBe('欧阳*');
    expect(maskValue('personName', '诸葛孔明')).toBe('诸葛**');
    expect(maskValue('personName', '上官婉儿')).toBe('上官**');
    // two characters: the compound cannot be the whole name
    expect(maskValue('personName', '司马')).toBe('司*');
    expect(maskValue('personName', '阿依古丽·买买提')).toBe('阿***·***');
  });

  it('Latin names: the first word, then * for each letter; a one-word name keeps its first letter', () => {
    expect(maskValue('personName', 'Zhang San')).toBe('Zhang ***');
    expect(maskValue('personName', 'John Ronald Tolkien')).toBe('John ****** *******');
    expect(maskValue('personName', "Mary-Jane O'Neil")).toBe("Mary-Jane *'****");
    expect(maskValue('personName', 'Madonna')).toBe('M******');
  });

  it('core: suppressed whole', () => {
    expect(maskValue('personName', '张三', 'core')).toBe('***');
    expect(maskValue('personName', 'John Smith', 'core')).toBe('***');
    expect(maskValue('personName', '欧阳修', 'important')).toBe('欧阳*');
  });

  const singles = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周'];
  const compounds = ['欧阳', '司马', '诸葛', '上官', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯', '轩辕', '令狐', '钟离', '端木'];
  const given = fc.array(fc.constantFrom(...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚'), { minLength: 1, maxLength: 3 }).map((a) => a.join(''));

  it('Han: same length, the surname kept, every given-name character hidden, idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...singles), fc.constantFrom(...compounds)), given, (surname, name) => {
        const full = surname + name;
        const m = maskValue('personName', full);
        expect(cps(m)).toBe(cps(full));
        expect(m).toBe(surname + '*'.repeat(cps(name)));
        expect(maskValue('personName', m)).toBe(m);
        expect(maskValue('personName', full, 'core')).toBe('***');
      }),
    );
  });

  it('Latin: same length, no letter after the first word, idempotent', () => {
    const word = fc.stringMatching(/^[A-Z][a-z]{0,9}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
        const full = words.join(' ');
        const m = maskValue('personName', full);
        expect(m.length).toBe(full.length);
        if (words.length > 1) {
          expect(m.startsWith(`${words[0]} `)).toBe(true);
          expect(/[A-Za-z]/.test(m.slice((words[0] as string).length))).toBe(false);
        } else {
          expect(m).toBe(full[0] + '*'.repeat(full.length - 1));
        }
        expect(maskValue('personName', m)).toBe(m);
      }),
    );
  });
});

describe('residentId (GB 11643)', () => {
  it('detects 17 digits and a valid check digit', () => {
    // the standard's own examples
    expect(isResidentId('11010519491231002X')).toBe(true);
    expect(isResidentId('440524188001010014')).toBe(true);
    expect(isResidentId('110101199003074514')).toBe(true);
    expect(isResidentId('110101199003074515')).toBe(false);
    expect(isResidentId('11010519491231002')).toBe(false);
    expect(isResidentId('1101051949123100201')).toBe(false);
    // grouped 6-8-4, and in full-width digits
    expect(isResidentId('110105 19491231 002X')).toBe(true);
    expect(isResidentId('110105-19491231-002x')).toBe(true);
    expect(isResidentId('１１０１０５１９４９１２３１００２Ｘ')).toBe(true);
    expect(isResidentId('1101 0519491231 002X')).toBe(false);
  });

  it('keeps the first 6 and the last 4, * for the birth date', () => {
    expect(maskValue('residentId', '11010519491231002X')).toBe('110105********002X');
    expect(maskValue('residentId', '440524188001010014')).toBe('440524********0014');
    expect(maskValue('residentId', '110105********002X')).toBe('110105********002X');
    // not an ID number's shape: masked entirely
    expect(maskValue('residentId', 'not-an-id')).toBe('*********');
    expect(maskValue('residentId', '110105 19491231 002X')).toBe('110105 ******** 002X');
    // full width is read as ASCII: the kept digits come out in ASCII
    expect(maskValue('residentId', '４４０５２４１８８００１０１００１４')).toBe('440524********0014');
    expect(maskValue('residentId', '11010519491231002X', 'core')).toBe('***');
  });

  it('same length, the 8 middle characters never shown, idempotent', () => {
    fc.assert(
      fc.property(id, (v) => {
        expect(isResidentId(v)).toBe(true);
        const m = maskValue('residentId', v);
        expect(m.length).toBe(18);
        expect(m.slice(0, 6)).toBe(v.slice(0, 6));
        expect(m.slice(6, 14)).toBe('********');
        expect(m.slice(14)).toBe(v.slice(14));
        expect(m.includes(v.slice(6, 14))).toBe(false);
        expect(maskValue('residentId', m)).toBe(m);
        expect(isResidentId(m)).toBe(false);
      }),
    );
  });
});

describe('phone (mainland mobile)', () => {
  it('detects 1[3-9] and 9 digits, with an optional +86 and 3-4-4 grouping', () => {
    expect(isMobileNumber('13812345678')).toBe(true);
    expect(isMobileNumber('+86 138-1234-5678')).toBe(true);
    expect(isMobileNumber('12812345678')).toBe(false);
    expect(isMobileNumber('1381234567')).toBe(false);
    expect(isMobileNumber('＋８６ １３８１２３４５６７８')).toBe(true);
  });

  it('keeps 3 + 4 digits and the prefix', () => {
    expect(maskValue('phone', '13812345678')).toBe('138****5678');
    expect(maskValue('phone', '+8613812345678')).toBe('+86138****5678');
    expect(maskValue('phone', '+86 139-1234-5678')).toBe('+86 139-****-5678');
    expect(maskValue('phone', '0086 15012345678')).toBe('0086 150****5678');
    expect(maskValue('phone', '12345')).toBe('*****');
    expect(maskValue('phone', '１３８１２３４５６７８')).toBe('138****5678');
    expect(maskValue('phone', '13812345678', 'core')).toBe('***');
  });

  const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
  const phone = fc.tuple(fc.constantFrom('', '+86', '+86 ', '+86-', '0086'), fc.integer({ min: 3, max: 9 }), digits(9), fc.constantFrom('', ' ', '-'));

  it('same length, the 4 middle digits never shown, idempotent', () => {
    fc.assert(
      fc.property(phone, ([prefix, second, rest, sep]) => {
        const national = `1${second}${rest}`;
        const v = `${prefix}${national.slice(0, 3)}${sep}${national.slice(3, 7)}${sep}${national.slice(7)}`;
        expect(isMobileNumber(v)).toBe(true);
        const m = maskValue('phone', v);
        expect(m.length).toBe(v.length);
        expect(m).toBe(`${prefix}${national.slice(0, 3)}${sep}****${sep}${national.slice(7)}`);
        expect(maskValue('phone', m)).toBe(m);
        expect(findIdentifiers(m)).toEqual([]);
      }),
    );
  });
});

describe('freeText', () => {
  it('masks every ID number and mobile number in place, nothing else', () => {
    expect(maskText('联系人：张三，身份证号11010519491231002X，手机+86 13812345678。')).toBe('联系人：张三，身份证号110105********002X，手机+86 138****5678。');
    expect(maskText('IDs 440524188001010014 and 110101199003074514; call 139-1234-5678')).toBe(
      'IDs 440524********0014 and 110101********4514; call 139-****-5678',
    );
    // an invalid check digit, a 19-digit account number and a 14-digit number are not identifiers
    expect(maskText('110101199003074515 6222021234567890123 13812345678901')).toBe('110101199003074515 6222021234567890123 13812345678901');
    expect(maskText('电话13812345678', 'core')).toBe('***');
    expect(maskText('身份证 110105 19491231 002X，电话１３８１２３４５６７８。')).toBe('身份证 110105 ******** 002X，电话138****5678。');
    expect(maskValue('freeText', '电话13812345678', 'important')).toBe('电话138****5678');
  });

  it('finds each identifier by place', () => {
    expect(findIdentifiers('a 11010519491231002X b 13812345678')).toEqual([
      { category: 'residentId', start: 2, end: 20 },
      { category: 'phone', start: 23, end: 34 },
    ]);
  });

  // Filler without digits or '+': identifiers are delimited by it.
  const filler = fc.array(fc.constantFrom(...'ab XY数据来源部门，。：-()'), { maxLength: 8 }).map((a) => a.join(''));
  const phone = fc
    .tuple(fc.integer({ min: 3, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 }))
    .map(([s, d]) => `1${s}${d.join('')}`);
  const part = fc.oneof(
    filler.map((t) => ({ text: t, hide: null as null | [number, number] })),
    fc.tuple(id, fc.constantFrom('', ' ', '-')).map(([t, sep]) => ({
      text: `${t.slice(0, 6)}${sep}${t.slice(6, 14)}${sep}${t.slice(14)}`,
      hide: [6 + sep.length, 14 + sep.length] as [number, number],
    })),
    phone.map((t) => ({ text: t, hide: [3, 7] as [number, number] })),
  );

  it('same length, every hidden middle starred, nothing left to find, idempotent', () => {
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), (parts) => {
        let text = '';
        const hidden: [number, number][] = [];
        for (const p of parts) {
          text += ' ';
          if (p.hide !== null) hidden.push([text.length + p.hide[0], text.length + p.hide[1]]);
          text += p.text;
        }
        const m = maskText(text);
        expect(m.length).toBe(text.length);
        for (const [a, b] of hidden) expect(m.slice(a, b)).toBe('*'.repeat(b - a));
        expect(findIdentifiers(m)).toEqual([]);
        expect(maskText(m)).toBe(m);
        expect(maskText(text, 'core')).toBe('***');
      }),
    );
  });
});

describe('desensitise', () => {
  it('masks the members a spec names, in a copy, entering arrays', () => {
    const payload = { holder: { id: 'did:key:z6Mk', name: '欧阳修' }, scope: ['read', 'call 13812345678'], note: '13812345678' };
    const out = desensitise(payload, { 'holder.name': 'personName', scope: 'freeText', missing: 'phone' });
    expect(out).toEqual({ holder: { id: 'did:key:z6Mk', name: '欧阳*' }, scope: ['read', 'call 138****5678'], note: '13812345678' });
    expect(payload.holder.name).toBe('欧阳修');
    expect(desensitise(payload, { 'holder.name': 'personName' }, 'core')).toEqual({ ...payload, holder: { id: 'did:key:z6Mk', name: '***' } });
  });
});

describe('the README masking table', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Desensitisation (masking table)'));
  const rows = section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .slice(0, 4)
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );

  it('has one row per category, in order, with the classification columns of the issue', () => {
    expect(section).toContain('| category | detects | general | important | core | example |');
    expect(section).toContain('GB/T 37964');
    expect(rows.map((r) => r[0])).toEqual(['`personName`', '`residentId`', '`phone`', '`freeText`']);
    expect(rows.map((r) => r[3])).toEqual(['as general', 'as general', 'as general', 'as general']);
    expect(rows.map((r) => r[4])).toEqual(['replaced by `***`', 'replaced by `***`', 'replaced by `***`', 'replaced by `***`']);
    expect(rows.map((r) => r[5])).toEqual([
      '`欧阳修` → `欧阳*`',
      '`11010519491231002X` → `110105********002X`',
      '`+86 13812345678` → `+86 138****5678`',
      '`联系人电话13812345678` → `联系人电话138****5678`',
    ]);
  });

  it('says what the code does', () => {
    expect(
      MASKING_TABLE.map((r) => [`\`${r.category}\``, r.detects, r.general, r.important, r.core, `\`${r.example.value}\` → \`${r.example.masked}\``]),
    ).toEqual(rows);
    for (const r of MASKING_TABLE) {
      expect(maskValue(r.category, r.example.value, 'general')).toBe(r.example.masked);
      expect(maskValue(r.category, r.example.value, 'core')).toBe('***');
    }
  });

  it('lists the compound surnames the code keeps whole', () => {
    const listed = /The compound surnames kept whole: ([^.]+)\./s.exec(section)?.[1]?.split(/\s+/) ?? [];
    expect(listed.slice(0, 17)).toEqual([
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
    ]);
    expect(listed).toEqual([...MASK_COMPOUND_SURNAMES]);
  });

  it('states the k rule with its default', () => {
    expect(section).toMatch(/1 to k−1 contributors is suppressed/);
    expect(section).toMatch(/5 by default/);
  });
});

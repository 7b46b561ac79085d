/**
 * C2SP signed-note, tlog-checkpoint and tlog-cosignature. Known-answer vectors from
 * golang.org/x/mod/sumdb/note (note_test.go: PeterNeumann, EnochRoot) and the C2SP
 * signed-note example (example.com/foo); Ed25519 is deterministic, so signing must
 * reproduce the published notes byte for byte.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromBase64, isDataLedgerError, keyPairFromSeed, sha256 } from '@dataledger/core';
import {
  cosignatureTimestamp,
  cosignCheckpoint,
  cosignerVerifierKey,
  openCheckpoint,
  parseCheckpoint,
  parseVerifierKey,
  signCheckpoint,
  splitNote,
  verifierKey,
  verifyCosignature,
  type Checkpoint,
} from '../src/index.ts';
import { formatCheckpoint, noteKeyId, openNote, signNote } from '../src/checkpoint.ts';

const EM = '\u2014';
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = `${EM} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;
const ENOCH_SIG = `${EM} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n`;
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE = `This is an example message.\n\n${EM} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n`;

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDataLedgerError(e) ? e.code : `not coded: ${String(e)}`;
  }
  return undefined;
}

const goSeed = fromBase64(GO_SKEY.split('+').slice(4).join('+')).slice(1);
const peter = { name: 'PeterNeumann', secretKey: goSeed };

describe('C2SP signed-note (golang.org/x/mod/sumdb/note vectors)', () => {
  it('derives the published verifier key and key ID', () => {
    const { publicKey } = keyPairFromSeed(goSeed);
    expect(verifierKey('PeterNeumann', publicKey)).toBe(GO_VKEY);
    expect(Buffer.from(noteKeyId('PeterNeumann', publicKey)).toString('hex')).toBe('c74f20a3');
    expect(parseVerifierKey(GO_VKEY)).toMatchObject({ name: 'PeterNeumann', publicKey, type: 1 });
  });

  it('reproduces the published signed note byte for byte', () => {
    expect(signNote(GO_TEXT, peter)).toBe(`${GO_TEXT}\n${PETER_SIG}`);
  });

  it('opens notes with known keys, ignoring unknown signers', () => {
    const both = `${GO_TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    expect(openNote(both, [GO_VKEY, ENOCH_VKEY])).toEqual({ body: GO_TEXT, verifiedBy: [GO_VKEY, ENOCH_VKEY] });
    expect(openNote(both, [ENOCH_VKEY])).toEqual({ body: GO_TEXT, verifiedBy: [ENOCH_VKEY] });
    expect(openNote(SPEC_NOTE, [SPEC_VKEY, GO_VKEY]).verifiedBy).toEqual([SPEC_VKEY]);
    expect(codeOf(() => openNote(SPEC_NOTE, [GO_VKEY]))).toBe('CHECKPOINT_UNVERIFIED');
    expect(codeOf(() => openNote(both.replace('cryptography', 'cryptographY'), [GO_VKEY]))).toBe('CHECKPOINT_SIGNATURE_INVALID');
    // Same name, different key ID (or the reverse): unknown, ignored.
    const other = keyPairFromSeed(new Uint8Array(32).fill(9));
    const impostor = signNote(GO_TEXT, { name: 'PeterNeumann', secretKey: other.secretKey });
    expect(codeOf(() => openNote(impostor, [GO_VKEY]))).toBe('CHECKPOINT_UNVERIFIED');
    expect(codeOf(() => openNote(`${GO_TEXT}\n${PETER_SIG}${PETER_SIG}`, [GO_VKEY]))).toBe('CHECKPOINT_SIGNATURE_INVALID');
  });

  it('ignores unknown signers whatever their (valid) names, signature types and lengths', () => {
    const odd = keyPairFromSeed(new Uint8Array(32).fill(11));
    // Names may hold any non-space, non-plus characters: U+FEFF and U+200B are not Unicode
    // spaces (White_Space), nor are '-', '/', ':', '@' or non-Latin letters.
    const names = ['a\uFEFFb', 'zero\u200Bwidth', 'witness.example/w-1:x@y', '见证人', 'emoji\u{1F600}'];
    let note = `${GO_TEXT}\n${PETER_SIG}`;
    for (const name of names) {
      const line = signNote(GO_TEXT, { name, secretKey: odd.secretKey }).slice(GO_TEXT.length + 1);
      note += line;
      expect(parseVerifierKey(verifierKey(name, odd.publicKey)).name).toBe(name);
    }
    // The key ID of a known key under another name is another key: ignored (signed-note
    // §Signatures: unknown unless both name and ID match).
    const peterId = Buffer.from(noteKeyId('PeterNeumann', keyPairFromSeed(goSeed).publicKey));
    note += `${EM} PeterNeumann2 ${Buffer.concat([peterId, Buffer.alloc(64, 1)]).toString('base64')}\n`;
    // An unknown signature type (say ECDSA, 0x02) of another length is ignored too.
    note += `${EM} other.example/ecdsa ${Buffer.from(new Uint8Array(4 + 71).fill(7)).toString('base64')}\n`;
    expect(openNote(note, [GO_VKEY])).toEqual({ body: GO_TEXT, verifiedBy: [GO_VKEY] });
    // A line matching a known key's name and ID (a colliding key, say) must verify, or the
    // note is rejected even though the genuine signature is there too.
    const colliding = `${note}${EM} PeterNeumann ${Buffer.concat([peterId, Buffer.alloc(64, 2)]).toString('base64')}\n`;
    expect(codeOf(() => openNote(colliding, [GO_VKEY]))).toBe('CHECKPOINT_SIGNATURE_INVALID');
    // And each odd name verifies when its key is trusted.
    for (const name of names) expect(openNote(note, [verifierKey(name, odd.publicKey)]).verifiedBy).toHaveLength(1);
    // Real Unicode spaces and '+' are still refused in names.
    for (const name of ['a b', 'a\u00A0b', 'a\u2003b', 'a\u3000b', 'a\u0085b', 'a+b', 'a\tb']) {
      expect(() => verifierKey(name, odd.publicKey)).toThrow(TypeError);
    }
  });

  it('refuses malformed notes and keys with coded errors', () => {
    const notes = [
      '',
      GO_TEXT,
      `${GO_TEXT}\n`,
      `${GO_TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `${GO_TEXT}\n- PeterNeumann x08go/ZJ=\n`,
      `${GO_TEXT}\n${EM} PeterNeumann !!!\n`,
      `${GO_TEXT}\n${EM} PeterNeumann AAAA\n`,
      `${GO_TEXT}\n${EM}  PeterNeumann x08go\n`,
      `bell\u0007\n\n${PETER_SIG}`,
      `${'x\n'.repeat(10)}\n${PETER_SIG.repeat(101)}`,
    ];
    for (const n of notes) expect(codeOf(() => openNote(n, [GO_VKEY]))).toBe('CHECKPOINT_NOTE_MALFORMED');
    const vkeys = [
      '',
      'PeterNeumann',
      'PeterNeumann+c74f20a3',
      'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
      'PeterNeumann+c74f20a3+!!',
      'PeterNeumann+c74f20a3+AhpcAQ==',
      'Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    ];
    for (const k of vkeys) expect(codeOf(() => parseVerifierKey(k))).toBe('CHECKPOINT_KEY_INVALID');
    expect(() => signNote('no newline', peter)).toThrow();
    expect(() => signNote(GO_TEXT, { name: 'bad name', secretKey: goSeed })).toThrow(TypeError);
  });

  it('splits text from signatures at the last empty line: the text may hold empty lines (signed-note §Format)', () => {
    // The signed-note spec's own example text has an empty line inside it.
    const text = 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n';
    const note = signNote(text, peter);
    expect(splitNote(note).body).toBe(text);
    expect(openNote(note, [GO_VKEY])).toEqual({ body: text, verifiedBy: [GO_VKEY] });
  });
});

const logKey = keyPairFromSeed(new Uint8Array(32).fill(7));
const origin = 'example.com/ledger';
const logSigner = { name: origin, secretKey: logKey.secretKey };
const logVkey = verifierKey(origin, logKey.publicKey);
const cp: Checkpoint = { origin, size: 20852163, rootHash: fromBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=') };

describe('C2SP tlog-checkpoint', () => {
  it('formats and parses the note text', () => {
    const body = formatCheckpoint(cp);
    expect(body).toBe(`${origin}\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n`);
    expect(parseCheckpoint(body)).toEqual(cp);
    const ext = { ...cp, extensions: ['ext one', 'two'] };
    expect(parseCheckpoint(formatCheckpoint(ext))).toEqual(ext);
    expect(parseCheckpoint(`${origin}\n0\n${Buffer.from(sha256()).toString('base64')}\n`).size).toBe(0);
  });

  it('refuses malformed bodies with CHECKPOINT_MALFORMED', () => {
    const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
    const bodies = [
      `${origin}\n1\n${root}`,
      `${origin}\n1\n`,
      `\n1\n${root}\n`,
      `${origin}\n01\n${root}\n`,
      `${origin}\n-1\n${root}\n`,
      `${origin}\n1.0\n${root}\n`,
      `${origin}\n99999999999999999999\n${root}\n`,
      `${origin}\n1\nAAAA\n`,
      `${origin}\n1\n${root}x\n`,
      `${origin}\n1\n${root}\n\n`,
      `${origin}\n1\n${root}\next\n\n`,
    ];
    for (const b of bodies) expect(codeOf(() => parseCheckpoint(b))).toBe('CHECKPOINT_MALFORMED');
  });

  it('signs and opens checkpoints; any single-bit change to the note is rejected', () => {
    const note = signCheckpoint(cp, logSigner);
    expect(openCheckpoint(note, [logVkey])).toEqual({ checkpoint: cp, verifiedBy: [logVkey] });
    const bytes = Buffer.from(note, 'utf8');
    let accepted = 0;
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const b = Buffer.from(bytes);
      b[bit >> 3]! ^= 1 << (bit & 7);
      const text = b.toString('utf8');
      try {
        openCheckpoint(text, [logVkey]);
        // Only acceptable if nothing signed changed (never, since every bit is signed or keys the signature).
        accepted++;
      } catch (e) {
        expect(isDataLedgerError(e)).toBe(true);
      }
    }
    expect(accepted).toBe(0);
  });
});

describe('C2SP tlog-cosignature (type 0x04)', () => {
  const witness = keyPairFromSeed(new Uint8Array(32).fill(3));
  const wName = 'witness.example.com/w1';
  const wVkey = cosignerVerifierKey(wName, witness.publicKey);

  it('adds a timestamped cosignature that verifies and is ignored by log-key verifiers', () => {
    const note = signCheckpoint(cp, logSigner);
    const cosigned = cosignCheckpoint(note, { name: wName, secretKey: witness.secretKey, timestamp: 1679315147 });
    expect(cosigned.startsWith(note)).toBe(true);
    expect(parseVerifierKey(wVkey).type).toBe(4);
    expect(verifyCosignature(cosigned, wVkey)).toBe(true);
    expect(cosignatureTimestamp(cosigned, wVkey)).toBe(1679315147);
    expect(verifyCosignature(note, wVkey)).toBe(false);
    // Log key verifiers ignore the cosignature; both kinds verify together.
    expect(openCheckpoint(cosigned, [logVkey]).verifiedBy).toEqual([logVkey]);
    expect(openNote(cosigned, [logVkey, wVkey]).verifiedBy).toEqual([logVkey, wVkey]);
    expect(openNote(cosigned, [wVkey]).verifiedBy).toEqual([wVkey]);
    // A note signature key (0x01) of the same witness key does not match a cosignature.
    expect(codeOf(() => openNote(cosigned, [verifierKey(wName, witness.publicKey)]))).toBe('CHECKPOINT_UNVERIFIED');
    // The line format: base64(keyID ‖ u64 timestamp ‖ 64-byte signature).
    const line = cosigned.slice(note.length).trim();
    const raw = fromBase64(line.split(' ')[2]!);
    expect(raw.length).toBe(76);
    expect(Buffer.from(raw.subarray(0, 4))).toEqual(Buffer.from(noteKeyId(wName, witness.publicKey, 4)));
    expect(Buffer.from(raw.subarray(4, 12)).readBigUInt64BE()).toBe(1679315147n);
  });

  it('any change to a cosigned checkpoint or its timestamp is rejected', () => {
    const note = signCheckpoint(cp, logSigner);
    const cosigned = cosignCheckpoint(note, { name: wName, secretKey: witness.secretKey, timestamp: 1700000000 });
    // The cosignature covers the checkpoint body and its own line, not the log's signature line.
    const bodyBits = Buffer.byteLength(formatCheckpoint(cp)) * 8;
    const ownStart = Buffer.byteLength(note) * 8;
    const total = Buffer.byteLength(cosigned) * 8;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bodyBits + (total - ownStart) - 1 }), (n) => {
        const bit = n < bodyBits ? n : ownStart + (n - bodyBits);
        const b = Buffer.from(cosigned, 'utf8');
        b[bit >> 3]! ^= 1 << (bit & 7);
        let ok = false;
        try {
          ok = verifyCosignature(b.toString('utf8'), wVkey);
        } catch (e) {
          expect(isDataLedgerError(e)).toBe(true);
        }
        expect(ok).toBe(false);
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});

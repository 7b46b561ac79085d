/**
 * The log: the latest checkpoint (signed by the trusted key) with its witnesses, the
 * consistency of the log since the last visit (RFC 9162 §2.1.4.2), and the entries page by
 * page.
 */
import { splitNote, verifyConsistency, verifyCosignature } from '@dataledger/provenance';
import { fromBase64, toBase64 } from '@dataledger/core';
import { h } from '../dom.ts';
import { formatTime, recordTypeName, t } from '../i18n.ts';
import { consistencyProof, cosignatures } from '../api.ts';
import { assetOf, loadLedger, type VerifiedLedger } from '../ledger.ts';
import { lastSeen, remember, trustedKey } from '../trust.ts';
import { actorLabel, assetLink, errorBox, recordLink } from './common.ts';

/** Entries per page. */
const PAGE_SIZE = 25;

async function witnessList(note: string, logKeyName: string): Promise<HTMLElement> {
  const { signatures } = splitNote(note);
  const others = signatures.filter((s) => s.name !== logKeyName);
  let published: { witnessKey: string }[] = [];
  try {
    published = await cosignatures();
  } catch {
    // witnesses stay listed by name only
  }
  if (others.length === 0) return h('p', { class: 'muted' }, t('noWitnesses'));
  return h(
    'ul',
    { class: 'witnesses' },
    ...others.map((s) => {
      const key = published.find((p) => p.witnessKey.startsWith(`${s.name}+`));
      let ok: boolean | null = null;
      try {
        ok = key === undefined ? null : verifyCosignature(note, key.witnessKey);
      } catch {
        ok = false;
      }
      return h(
        'li',
        { 'data-witness': s.name, 'data-verified': ok === null ? 'unknown' : String(ok) },
        h('code', {}, s.name),
        ' — ',
        ok === null ? '' : h('span', { class: ok ? 'ok-text' : 'bad-text' }, ok ? t('witnessOk') : t('witnessBad')),
      );
    }),
  );
}

async function consistency(ledger: VerifiedLedger): Promise<HTMLElement> {
  const { vkey } = await trustedKey();
  const cp = ledger.checkpoint;
  const seen = lastSeen(vkey);
  const box = (cls: string, text: string, state: string): HTMLElement => h('div', { class: `verdict ${cls}`, role: 'status', 'data-consistency': state }, text);
  if (seen === null) {
    remember(vkey, cp);
    return box('info', t('consistencyFirst'), 'first');
  }
  if (seen.size === cp.size && toBase64(seen.rootHash) === toBase64(cp.rootHash)) return box('ok', t('consistencySame', { size: cp.size }), 'same');
  let ok = false;
  try {
    if (seen.size <= cp.size) {
      const proof = (await consistencyProof(seen.size, cp.size)).map((p) => fromBase64(p));
      ok = verifyConsistency({ size1: seen.size, size2: cp.size, root1: seen.rootHash, root2: cp.rootHash, proof });
    }
  } catch {
    ok = false;
  }
  // Only a checkpoint proven to extend the remembered one replaces it.
  if (ok) remember(vkey, cp);
  return ok
    ? box('ok', t('consistencyOk', { size1: seen.size, size2: cp.size }), 'consistent')
    : box('bad', t('consistencyBad', { size1: seen.size }), 'inconsistent');
}

function entriesTable(ledger: VerifiedLedger, page: number): HTMLElement {
  const size = ledger.records.length;
  const pages = Math.max(1, Math.ceil(size / PAGE_SIZE));
  const p = Math.min(Math.max(1, page), pages);
  // Newest first: page 1 holds the latest records.
  const end = size - (p - 1) * PAGE_SIZE;
  const start = Math.max(0, end - PAGE_SIZE);
  const rows = ledger.records.slice(start, end).reverse();
  return h(
    'section',
    { 'aria-labelledby': 'entries-title' },
    h('h3', { id: 'entries-title' }, t('entriesTitle')),
    h(
      'table',
      { class: 'entries' },
      h('caption', {}, t('pageOf', { from: start, to: Math.max(start, end - 1), size })),
      h('thead', {}, h('tr', {}, ...(['colIndex', 'colTime', 'colType', 'colActor', 'colAsset'] as const).map((k) => h('th', { scope: 'col' }, t(k))))),
      h(
        'tbody',
        {},
        ...rows.map((r) => {
          const rn = assetOf(r, ledger.state);
          return h(
            'tr',
            { 'data-index': r.index },
            h('td', {}, recordLink(r.index)),
            h('td', {}, h('time', { datetime: r.time }, formatTime(r.time))),
            h('td', { title: r.type }, recordTypeName(r.type)),
            h('td', {}, actorLabel(r.actor, ledger.state)),
            h('td', {}, rn === null ? '' : assetLink(rn)),
          );
        }),
      ),
    ),
    h(
      'nav',
      { class: 'pager', 'aria-label': t('entriesTitle') },
      p > 1 ? h('a', { href: `#/log/${p - 1}`, rel: 'prev' }, `← ${t('prev')}`) : null,
      h('span', {}, `${p} / ${pages}`),
      p < pages ? h('a', { href: `#/log/${p + 1}`, rel: 'next' }, `${t('next')} →`) : null,
    ),
  );
}

function assetSearch(): HTMLElement {
  const input = h('input', { type: 'text', id: 'asset-rn', spellcheck: 'false', autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'search' },
    h('label', { for: 'asset-rn' }, t('findAsset')),
    h('div', { class: 'row' }, input, h('button', { type: 'submit' }, t('show'))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const rn = input.value.trim();
    if (rn !== '') location.hash = `#/asset/${encodeURIComponent(rn)}`;
  });
  return form;
}

/** The log view. */
export async function logView(page: number): Promise<HTMLElement> {
  let ledger: VerifiedLedger;
  try {
    ledger = await loadLedger();
  } catch (err) {
    return h('section', {}, h('h2', {}, t('navLog')), errorBox(err), h('p', {}, t('logSigBad')));
  }
  const cp = ledger.checkpoint;
  const { vkey } = await trustedKey();
  return h(
    'div',
    {},
    h(
      'section',
      { 'aria-labelledby': 'cp-title' },
      h('h2', { id: 'cp-title' }, t('checkpointTitle')),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('origin')),
        h('dd', {}, h('code', {}, cp.origin)),
        h('dt', {}, t('treeSize')),
        h('dd', { id: 'tree-size' }, String(cp.size)),
        h('dt', {}, t('rootHash')),
        h('dd', {}, h('code', { class: 'hash' }, toBase64(cp.rootHash))),
        h('dt', {}, t('signatures')),
        h('dd', {}, h('span', { class: 'ok-text' }, `✔ ${t('logSig')}`)),
      ),
      h('h3', {}, t('witnesses')),
      await witnessList(ledger.note, vkey.split('+')[0] ?? ''),
      h('h3', {}, t('consistencyTitle')),
      await consistency(ledger),
      h(
        'div',
        { class: `verdict ${ledger.verified ? 'ok' : 'bad'}`, 'data-ledger-verified': String(ledger.verified) },
        ledger.verified ? t('ledgerVerified', { size: cp.size }) : t('ledgerNotVerified'),
      ),
    ),
    assetSearch(),
    ledger.verified ? entriesTable(ledger, page) : null,
  );
}

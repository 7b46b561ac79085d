/**
 * One record: its fields, the actor's signature, and its RFC 9162 inclusion proof verified
 * in the browser against the checkpoint the trusted key signed.
 */
import { recordLeafHash, verifyInclusion, verifyRecordSignature, type LedgerRecord } from '@dataledger/provenance';
import { fromBase64, toBase64 } from '@dataledger/core';
import { h } from '../dom.ts';
import { formatTime, recordTypeName, t } from '../i18n.ts';
import { checkpointNote, entry, inclusionProof } from '../api.ts';
import { openTrusted } from '../trust.ts';
import { assetOf, loadLedger } from '../ledger.ts';
import { actorLabel, assetLink, errorBox } from './common.ts';

/** The record view. */
export async function recordView(index: number): Promise<HTMLElement> {
  try {
    const checkpoint = await openTrusted(await checkpointNote());
    const record: LedgerRecord = await entry(index);
    const leaf = recordLeafHash(record);
    let proven = false;
    if (record.index === index && index < checkpoint.size) {
      const p = await inclusionProof(index, checkpoint.size);
      proven = verifyInclusion({ leafHash: leaf, index, treeSize: checkpoint.size, proof: p.proof.map((x) => fromBase64(x)), root: checkpoint.rootHash });
    }
    const signed = verifyRecordSignature(record);
    const ledger = await loadLedger();
    const rn = assetOf(record, ledger.state);
    return h(
      'section',
      { 'aria-labelledby': 'record-title' },
      h('h2', { id: 'record-title' }, t('recordTitle', { index })),
      h(
        'div',
        { class: `verdict ${proven ? 'ok' : 'bad'}`, role: 'status', 'data-proof': proven ? 'verified' : 'not-verified' },
        proven ? `✔ ${t('proofOk', { index, size: checkpoint.size })}` : `✘ ${t('proofBad')}`,
      ),
      h('p', { class: signed ? 'ok-text' : 'bad-text', 'data-signature': String(signed) }, signed ? `✔ ${t('sigOk')}` : `✘ ${t('sigBad')}`),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('colType')),
        h('dd', {}, recordTypeName(record.type), ' ', h('code', {}, record.type)),
        h('dt', {}, t('colTime')),
        h('dd', {}, h('time', { datetime: record.time }, formatTime(record.time))),
        h('dt', {}, t('colActor')),
        h('dd', {}, actorLabel(record.actor, ledger.state)),
        h('dt', {}, t('colAsset')),
        h('dd', {}, rn === null ? '—' : assetLink(rn)),
        h('dt', {}, t('leafHash')),
        h('dd', {}, h('code', { class: 'hash' }, toBase64(leaf))),
      ),
      h('h3', {}, t('payload')),
      h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(record.payload, null, 2)),
    );
  } catch (err) {
    return h('section', {}, h('h2', {}, t('recordTitle', { index })), errorBox(err));
  }
}

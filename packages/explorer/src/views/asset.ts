/** An asset's history: every record that concerns it, as a timeline, each linked to its record. */
import { h } from '../dom.ts';
import { formatTime, recordTypeName, t, type MessageKey } from '../i18n.ts';
import { assetOf, loadLedger } from '../ledger.ts';
import { actorLabel, errorBox, recordLink } from './common.ts';

/** The asset history view. */
export async function assetView(rn: string): Promise<HTMLElement> {
  try {
    const ledger = await loadLedger();
    const asset = ledger.state.assets.get(rn);
    const events = ledger.records.filter((r) => assetOf(r, ledger.state) === rn);
    return h(
      'section',
      { 'aria-labelledby': 'asset-title' },
      h('h2', { id: 'asset-title' }, t('assetHistory', { rn })),
      h(
        'div',
        { class: `verdict ${ledger.verified ? 'ok' : 'bad'}` },
        ledger.verified ? t('ledgerVerified', { size: ledger.checkpoint.size }) : t('ledgerNotVerified'),
      ),
      asset === undefined
        ? null
        : h(
            'dl',
            { class: 'facts' },
            h('dt', {}, t('assetName')),
            h('dd', {}, asset.name),
            h('dt', {}, t('classificationLabel')),
            h('dd', {}, t(`classification_${asset.classification}` as MessageKey)),
            h('dt', {}, t('departmentLabel')),
            h('dd', {}, asset.source.department),
          ),
      events.length === 0
        ? h('p', {}, t('noHistory'))
        : h(
            'ol',
            { class: 'timeline' },
            ...events.map((r) =>
              h(
                'li',
                { 'data-type': r.type },
                h('span', { class: 'when' }, h('time', { datetime: r.time }, formatTime(r.time))),
                h('span', { class: 'what' }, recordLink(r.index, recordTypeName(r.type))),
                h('span', { class: 'who' }, actorLabel(r.actor, ledger.state)),
              ),
            ),
          ),
    );
  } catch (err) {
    return h('section', {}, h('h2', {}, t('historyTitle')), errorBox(err));
  }
}

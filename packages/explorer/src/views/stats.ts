/**
 * Statistics computed in the browser from the verified public entries (the registry's own
 * `statisticsReport` over the replayed state: assets by classification and source department,
 * circulation per month, licences by purpose), drawn with Chart.js; the report downloads as
 * JSON and CSV. Small cells are suppressed as the registry's report does (k = 5, GB/T 37964).
 */
import { CLASSIFICATIONS } from '@dataledger/certificates';
import { toBase64 } from '@dataledger/core';
import { h, onMount } from '../dom.ts';
import { t, type MessageKey } from '../i18n.ts';
import { loadLedger, type VerifiedLedger } from '../ledger.ts';
import { errorBox } from './common.ts';

type Charts = typeof import('../charts.ts');
type Series = import('../charts.ts').BarSeries;

// Chart.js is most of the page's weight: load it only here (its own chunk).
let chartsModule: Promise<Charts> | null = null;
function loadCharts(): Promise<Charts> {
  chartsModule ??= import('../charts.ts');
  return chartsModule;
}

/**
 * The downloadable report. A `null` count is a suppressed small cell (fewer than `minCell`
 * contributors, or the one more cell hidden so that a total does not give it back): the
 * registry's `statisticsReport` rule, README of `@dataledger/certificates` "Desensitisation".
 */
export interface ExplorerReport {
  checkpoint: { origin: string; size: number; rootHash: string };
  asOf: string | null;
  /** The small-cell threshold k. */
  minCell: number;
  /** The suppressed cells of the figures below (`assets.byDepartment.<key>`…). */
  suppressed: string[];
  assetsByClassification: Record<string, number | null>;
  assetsByDepartment: Record<string, number | null>;
  circulationByMonth: { month: string; transfers: number | null; licences: number | null }[];
  licencesByPurpose: Record<string, number | null>;
}

// The breakdowns of the statistics report this page shows.
const SHOWN = ['assets.byClassification.', 'assets.byDepartment.', 'transfers.byPeriod.', 'licences.grantedByPeriod.', 'licences.byPurpose.'];

// A month missing from one breakdown had no such record (0); a suppressed one is null.
const cellOf = (cells: Record<string, number | null>, key: string): number | null => (Object.hasOwn(cells, key) ? (cells[key] as number | null) : 0);

/** The report of a verified ledger. */
export function reportOf(ledger: VerifiedLedger): ExplorerReport {
  const s = ledger.statistics;
  const months = [...new Set([...Object.keys(s.transfers.byPeriod), ...Object.keys(s.licences.grantedByPeriod)])].sort();
  return {
    checkpoint: { origin: ledger.checkpoint.origin, size: ledger.checkpoint.size, rootHash: toBase64(ledger.checkpoint.rootHash) },
    asOf: s.asOf,
    minCell: s.minCell,
    suppressed: s.suppressed.filter((p) => SHOWN.some((b) => p.startsWith(b))),
    assetsByClassification: { ...s.assets.byClassification },
    assetsByDepartment: { ...s.assets.byDepartment },
    circulationByMonth: months.map((month) => ({
      month,
      transfers: cellOf(s.transfers.byPeriod, month),
      licences: cellOf(s.licences.grantedByPeriod, month),
    })),
    licencesByPurpose: { ...s.licences.byPurpose },
  };
}

function csvCell(v: string | number): string {
  const s = String(v);
  // RFC 4180 quoting; a leading = + - @ is defused so a spreadsheet does not run it as a formula.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The report as CSV (RFC 4180): one `section,key,value[,value]` row per figure; a suppressed
 * cell reads `<k`, never 0.
 */
export function reportCsv(r: ExplorerReport): string {
  const cell = (v: number | null): string | number => v ?? `<${r.minCell}`;
  const rows: (string | number)[][] = [['section', 'key', 'value', 'value2']];
  rows.push(['checkpoint', 'origin', r.checkpoint.origin], ['checkpoint', 'size', r.checkpoint.size], ['checkpoint', 'rootHash', r.checkpoint.rootHash]);
  rows.push(['statistics', 'minCell', r.minCell]);
  for (const [k, v] of Object.entries(r.assetsByClassification)) rows.push(['assetsByClassification', k, cell(v)]);
  for (const [k, v] of Object.entries(r.assetsByDepartment)) rows.push(['assetsByDepartment', k, cell(v)]);
  for (const m of r.circulationByMonth) rows.push(['circulationByMonth', m.month, cell(m.transfers), cell(m.licences)]);
  for (const [k, v] of Object.entries(r.licencesByPurpose)) rows.push(['licencesByPurpose', k, cell(v)]);
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

function download(name: string, type: string, body: string): void {
  const url = URL.createObjectURL(new Blob([body], { type }));
  const a = h('a', { href: url, download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const charts: { destroy(): void }[] = [];

// A suppressed cell is drawn as no bar and read as "<k" / "不足k" (label and table), never as 0.
function chartFigure(lib: Charts, id: string, title: string, labels: string[], series: Series[], minCell: number): HTMLElement {
  const small = t('suppressedCell', { k: minCell });
  const shownLabels = labels.map((l, i) => (series.some((s) => s.data[i] === null) ? `${l} (${small})` : l));
  const canvas = h('canvas', { id, role: 'img', 'aria-label': title, width: 480, height: 260 });
  const table = h(
    'table',
    { class: 'data' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, title), ...series.map((s) => h('th', { scope: 'col' }, s.label)))),
    h(
      'tbody',
      {},
      ...labels.map((l, i) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, l),
          ...series.map((s) => {
            const v = s.data[i];
            return v === null ? h('td', { 'data-suppressed': '' }, small) : h('td', {}, String(v ?? 0));
          }),
        ),
      ),
    ),
  );
  const fig = h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, title),
    h('div', { class: 'canvas-box' }, canvas),
    h('details', {}, h('summary', {}, t('figures')), table),
  );
  onMount(() => {
    charts.push(lib.barChart(canvas, shownLabels, series));
  });
  return fig;
}

/** The statistics view. */
export async function statsView(): Promise<HTMLElement> {
  for (const c of charts.splice(0)) c.destroy();
  let ledger: VerifiedLedger;
  try {
    ledger = await loadLedger();
  } catch (err) {
    return h('section', {}, h('h2', {}, t('statsTitle')), errorBox(err));
  }
  const lib = await loadCharts();
  const r = reportOf(ledger);
  const stamp = (ledger.statistics.asOf ?? 'empty').replace(/[^0-9A-Za-z]/g, '');
  const jsonButton = h('button', { type: 'button', id: 'download-json' }, t('downloadJson'));
  jsonButton.addEventListener('click', () => download(`dataledger-statistics-${stamp}.json`, 'application/json', `${JSON.stringify(r, null, 2)}\n`));
  const csvButton = h('button', { type: 'button', id: 'download-csv' }, t('downloadCsv'));
  csvButton.addEventListener('click', () => download(`dataledger-statistics-${stamp}.csv`, 'text/csv', reportCsv(r)));
  const classes = CLASSIFICATIONS.filter((c) => c in r.assetsByClassification);
  const depts = Object.keys(r.assetsByDepartment).sort();
  const purposes = Object.keys(r.licencesByPurpose).sort();
  return h(
    'section',
    { 'aria-labelledby': 'stats-title' },
    h('h2', { id: 'stats-title' }, t('statsTitle')),
    h(
      'div',
      { class: `verdict ${ledger.verified ? 'ok' : 'bad'}` },
      ledger.verified ? t('ledgerVerified', { size: ledger.checkpoint.size }) : t('ledgerNotVerified'),
    ),
    h('p', { class: 'muted' }, t('statsFrom', { size: ledger.checkpoint.size })),
    h('p', { class: 'muted', id: 'stats-suppression' }, t('suppressedNote', { k: r.minCell })),
    h('div', { class: 'row' }, jsonButton, csvButton),
    h(
      'div',
      { class: 'charts' },
      chartFigure(
        lib,
        'chart-classification',
        t('byClassification'),
        classes.map((c) => t(`classification_${c}` as MessageKey)),
        [{ label: t('count'), data: classes.map((c) => cellOf(r.assetsByClassification, c)), color: '#1f6feb' }],
        r.minCell,
      ),
      chartFigure(
        lib,
        'chart-department',
        t('byDepartment'),
        depts,
        [{ label: t('count'), data: depts.map((d) => cellOf(r.assetsByDepartment, d)), color: '#2f855a' }],
        r.minCell,
      ),
      chartFigure(
        lib,
        'chart-month',
        t('perMonth'),
        r.circulationByMonth.map((m) => m.month),
        [
          { label: t('transfers'), data: r.circulationByMonth.map((m) => m.transfers), color: '#b7791f' },
          { label: t('licences'), data: r.circulationByMonth.map((m) => m.licences), color: '#6b46c1' },
        ],
        r.minCell,
      ),
      chartFigure(
        lib,
        'chart-purpose',
        t('byPurpose'),
        purposes,
        [{ label: t('count'), data: purposes.map((p) => cellOf(r.licencesByPurpose, p)), color: '#c53030' }],
        r.minCell,
      ),
    ),
  );
}

/**
 * Certificate verification in the browser: the library's `verifyCertificate` (VC Data
 * Integrity eddsa-jcs-2022, ledger evidence, issuer role evidence, Bitstring Status List)
 * against the pinned log key. The service's verification route is never called.
 */
import { disclosureMap, openDisclosuresText, verifyCertificate, type CertificateVerification, type JsonObject } from '@dataledger/certificates';
import { parseJson } from '@dataledger/core';
import { h, replace } from '../dom.ts';
import { t, type MessageKey } from '../i18n.ts';
import { certificate, statusList } from '../api.ts';
import { trustedKey } from '../trust.ts';
import { errorBox } from './common.ts';

// The form survives a language switch (the view is rebuilt).
const form = { cert: '', lists: '', skip: false, disclosures: '' };
let last: { result: CertificateVerification; ms: number; note: string } | null = null;
let lastError: unknown = null;

function parse(text: string, what: string): unknown {
  try {
    // Pasted and dropped files are untrusted: the safe reader (nodejs/node#63785, RFC 7493).
    return parseJson(text);
  } catch (err) {
    throw Object.assign(new Error(`${what}: ${t('badJson')} (${(err as Error).message})`), { code: 'JSON_INVALID' });
  }
}

function listUrls(cert: unknown): string[] {
  const cs = typeof cert === 'object' && cert !== null ? (cert as JsonObject).credentialStatus : undefined;
  const entries = Array.isArray(cs) ? cs : cs === undefined ? [] : [cs];
  const urls = entries
    .map((e) => (typeof e === 'object' && e !== null ? (e as JsonObject).statusListCredential : undefined))
    .filter((u): u is string => typeof u === 'string');
  return [...new Set(urls)];
}

async function fetchLists(cert: unknown): Promise<JsonObject[]> {
  const lists: JsonObject[] = [];
  for (const url of listUrls(cert)) {
    const list = await statusList(url);
    if (list === null) throw Object.assign(new Error(t('listNotHere', { url })), { code: 'HTTP_NOT_FOUND' });
    lists.push(list);
  }
  return lists;
}

/**
 * Verifies the certificate in the form.
 * @returns the verification and its duration (the library call only)
 */
async function run(): Promise<{ result: CertificateVerification; ms: number; note: string }> {
  const cert = parse(form.cert, t('certLabel'));
  // The disclosures file format (one per line, `#` comments): a line that is not a disclosure
  // is refused here with its line (DISCLOSURE_MALFORMED), as a certificate that is not JSON.
  const disclosures = form.disclosures.trim() === '' ? undefined : disclosureMap(openDisclosuresText(form.disclosures));
  const { vkey } = await trustedKey();
  let note = '';
  let lists: JsonObject[] = [];
  if (!form.skip) {
    if (form.lists.trim() === '') {
      try {
        lists = await fetchLists(cert);
        form.lists = JSON.stringify(lists, null, 2);
        note = t('listsFetched', { n: lists.length });
      } catch (err) {
        note = t('listsFetchFailed', { why: (err as Error).message });
      }
    } else {
      const parsed = parse(form.lists, t('listsLabel'));
      lists = (Array.isArray(parsed) ? parsed : [parsed]) as JsonObject[];
    }
  }
  const t0 = performance.now();
  const result = verifyCertificate(cert, {
    trustedLogKeys: [vkey],
    statusList: lists,
    skipStatusCheck: form.skip,
    ...(disclosures === undefined ? {} : { disclosures }),
  });
  const ms = performance.now() - t0;
  return { result, ms, note };
}

/** A disclosed value in plain words: money as amount, currency and method; other values as JSON. */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { amount?: unknown; currency?: unknown; method?: unknown } | null;
  if (typeof v === 'object' && v !== null && typeof v.amount === 'string' && typeof v.currency === 'string') {
    return `${v.amount} ${v.currency}${typeof v.method === 'string' ? ` (${v.method})` : ''}`;
  }
  return JSON.stringify(value);
}

/** The members the holder disclosed (RFC 9901 §4.2), and how many stay concealed. */
function disclosedView(result: CertificateVerification): HTMLElement | null {
  if (result.disclosed.length === 0 && result.concealed === 0) return null;
  return h(
    'section',
    { 'aria-labelledby': 'disclosed-title', id: 'disclosed' },
    h('h4', { id: 'disclosed-title' }, t('disclosedTitle')),
    result.disclosed.length === 0
      ? null
      : h(
          'table',
          { class: 'checks' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('memberCol')), h('th', { scope: 'col' }, t('valueCol')))),
          h(
            'tbody',
            {},
            ...result.disclosed.map((d) =>
              h(
                'tr',
                { 'data-disclosed': d.path },
                h('th', { scope: 'row' }, t(`member_${d.path}` as MessageKey)),
                h('td', { 'data-value': JSON.stringify(d.value) }, valueText(d.value)),
              ),
            ),
          ),
        ),
    result.concealed === 0 ? null : h('p', { class: 'muted', 'data-concealed': String(result.concealed) }, t('concealedCount', { n: result.concealed })),
  );
}

function resultView(r: { result: CertificateVerification; ms: number; note: string }): HTMLElement {
  const { result } = r;
  return h(
    'section',
    { 'aria-labelledby': 'result-title', id: 'result' },
    h('h3', { id: 'result-title' }, t('resultCol')),
    h(
      'div',
      { class: `verdict ${result.verified ? 'ok' : 'bad'}`, role: 'status', 'data-verdict': result.verified ? 'verified' : 'not-verified' },
      h('strong', {}, result.verified ? t('verdictOk') : t('verdictBad')),
    ),
    h('p', {}, `${t('statusVerdict')}: `, h('strong', { 'data-status': result.status }, t(`status_${result.status}` as MessageKey))),
    h(
      'table',
      { class: 'checks' },
      h('caption', { class: 'sr-only' }, t('resultCol')),
      h('thead', {}, h('tr', {}, ...(['checkCol', 'resultCol', 'detailCol', 'codeCol'] as const).map((k) => h('th', { scope: 'col' }, t(k))))),
      h(
        'tbody',
        {},
        ...result.checks.map((c) =>
          h(
            'tr',
            { 'data-check': c.name, 'data-ok': String(c.ok), class: c.ok ? 'ok' : 'bad' },
            h('th', { scope: 'row' }, t(`check_${c.name}` as MessageKey)),
            h('td', {}, h('span', { class: 'mark', 'aria-hidden': 'true' }, c.ok ? '✔ ' : '✘ '), c.ok ? t('pass') : t('fail')),
            h(
              'td',
              {},
              t(`${c.ok ? 'ok' : 'bad'}_${c.name}` as MessageKey),
              c.ok || c.message === undefined ? null : h('div', { class: 'muted small' }, c.message),
            ),
            h('td', {}, c.code === undefined ? '' : h('code', {}, c.code)),
          ),
        ),
      ),
    ),
    disclosedView(result),
    h('p', { class: 'muted', id: 'timing', 'data-ms': r.ms.toFixed(2) }, t('took', { ms: r.ms.toFixed(1) })),
    r.note === '' ? null : h('p', { class: 'muted' }, r.note),
  );
}

async function readFile(file: File): Promise<string> {
  return file.text();
}

/** The verification view. */
export function verifyView(): HTMLElement {
  const certArea = h('textarea', { id: 'cert-input', rows: 12, spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'cert-help' });
  certArea.value = form.cert;
  const listsArea = h('textarea', { id: 'lists-input', rows: 5, spellcheck: 'false', autocomplete: 'off' });
  listsArea.value = form.lists;
  const disclosuresArea = h('textarea', {
    id: 'disclosures-input',
    rows: 3,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'disclosures-help',
  });
  disclosuresArea.value = form.disclosures;
  const skip = h('input', { type: 'checkbox', id: 'skip-status' });
  skip.checked = form.skip;
  const out = h('div', { id: 'verify-out' });
  const button = h('button', { type: 'submit', id: 'verify-button', class: 'primary' }, t('verify'));
  const file = h('input', { type: 'file', id: 'cert-file', accept: 'application/json,.json,.jsonld' });

  const show = (): void => {
    if (lastError !== null) replace(out, errorBox(lastError));
    else if (last !== null) replace(out, resultView(last));
    else replace(out);
  };
  const submit = async (): Promise<void> => {
    form.cert = certArea.value;
    form.lists = listsArea.value;
    form.skip = skip.checked;
    form.disclosures = disclosuresArea.value;
    button.disabled = true;
    button.textContent = t('verifying');
    last = null;
    lastError = null;
    replace(out);
    try {
      last = await run();
      lastError = null;
      listsArea.value = form.lists;
    } catch (err) {
      lastError = err;
      last = null;
    } finally {
      button.disabled = false;
      button.textContent = t('verify');
    }
    show();
  };
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    if (f !== undefined) void readFile(f).then((text) => (certArea.value = text));
  });
  const drop = (e: DragEvent): void => {
    e.preventDefault();
    const f = e.dataTransfer?.files[0];
    if (f !== undefined) void readFile(f).then((text) => (certArea.value = text));
  };
  certArea.addEventListener('dragover', (e) => e.preventDefault());
  certArea.addEventListener('drop', drop);
  disclosuresArea.addEventListener('dragover', (e) => e.preventDefault());
  disclosuresArea.addEventListener('drop', (e) => {
    e.preventDefault();
    const f = e.dataTransfer?.files[0];
    if (f !== undefined) void readFile(f).then((text) => (disclosuresArea.value = text));
  });
  const fetchButton = h('button', { type: 'button', id: 'fetch-lists' }, t('fetchLists'));
  fetchButton.addEventListener('click', () => {
    void (async () => {
      try {
        const lists = await fetchLists(parse(certArea.value, t('certLabel')));
        listsArea.value = JSON.stringify(lists, null, 2);
      } catch (err) {
        lastError = err;
        show();
      }
    })();
  });
  const idInput = h('input', { type: 'text', id: 'cert-id', spellcheck: 'false', autocomplete: 'off', placeholder: 'urn:uuid:…' });
  const fetchCert = h('button', { type: 'button', id: 'fetch-cert' }, t('fetchCert'));
  fetchCert.addEventListener('click', () => {
    void (async () => {
      try {
        certArea.value = JSON.stringify(await certificate(idInput.value.trim()), null, 2);
        listsArea.value = '';
      } catch (err) {
        lastError = err;
        show();
      }
    })();
  });
  const formEl = h(
    'form',
    { id: 'verify-form' },
    h('label', { for: 'cert-input' }, t('certLabel')),
    h('p', { id: 'cert-help', class: 'muted small' }, t('drop')),
    certArea,
    h('div', { class: 'row' }, h('label', { for: 'cert-file' }, t('certFile')), file),
    h('label', { for: 'cert-id' }, t('certId')),
    h('div', { class: 'row' }, idInput, fetchCert),
    h('label', { for: 'lists-input' }, t('listsLabel')),
    listsArea,
    h('div', { class: 'row' }, fetchButton, h('span', { class: 'check' }, skip, h('label', { for: 'skip-status' }, t('skipStatus')))),
    h('label', { for: 'disclosures-input' }, t('disclosuresLabel')),
    h('p', { id: 'disclosures-help', class: 'muted small' }, t('disclosuresHelp')),
    disclosuresArea,
    h('div', { class: 'row' }, button),
  );
  formEl.addEventListener('submit', (e) => {
    e.preventDefault();
    void submit();
  });
  show();
  return h('section', { 'aria-labelledby': 'verify-title' }, h('h2', { id: 'verify-title' }, t('certTitle')), h('p', {}, t('certHelp')), formEl, out);
}

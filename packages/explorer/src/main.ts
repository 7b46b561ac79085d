/**
 * The explorer page: a hash router over five views (verify, log, record, asset history,
 * statistics), the trusted-key panel and the language switch. Loaded as one ES module under
 * a Content-Security-Policy without inline scripts (served by the service's explorer plugin).
 */
import { flushMount, h, replace } from './dom.ts';
import { lang, setLang, t } from './i18n.ts';
import { isVerifierKey, pinFromServer, pinKey, trustedKey } from './trust.ts';
import { verifyView } from './views/verify.ts';
import { logView } from './views/log.ts';
import { recordView } from './views/record.ts';
import { assetView } from './views/asset.ts';
import { statsView } from './views/stats.ts';
import { errorBox, loading } from './views/common.ts';
import { warmUp } from './warmup.ts';

const app = document.getElementById('app') as HTMLElement;

type Route = { name: 'verify' } | { name: 'log'; page: number } | { name: 'record'; index: number } | { name: 'asset'; rn: string } | { name: 'stats' };

function route(): Route {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const n = (s: string | undefined): number => (s !== undefined && /^(0|[1-9][0-9]{0,14})$/.test(s) ? Number(s) : Number.NaN);
  switch (parts[0]) {
    case 'log':
      return { name: 'log', page: Number.isNaN(n(parts[1])) ? 1 : n(parts[1]) };
    case 'record':
      return Number.isNaN(n(parts[1])) ? { name: 'log', page: 1 } : { name: 'record', index: n(parts[1]) };
    case 'asset':
      return { name: 'asset', rn: decodeURIComponent(parts.slice(1).join('/')) };
    case 'stats':
      return { name: 'stats' };
    default:
      return { name: 'verify' };
  }
}

async function trustPanel(): Promise<HTMLElement> {
  const key = await trustedKey();
  const input = h('input', {
    type: 'text',
    id: 'trusted-key',
    value: key.vkey,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'trust-help trust-source',
  });
  const message = h('span', { role: 'status', class: 'small' });
  const save = h('button', { type: 'submit', id: 'pin-key' }, t('trustSave'));
  const reset = h('button', { type: 'button', id: 'reset-key' }, t('trustReset'));
  const form = h(
    'form',
    { class: 'trust' },
    h('label', { for: 'trusted-key' }, t('trustTitle')),
    h('p', { id: 'trust-help', class: 'small muted' }, t('trustHelp')),
    h('div', { class: 'row' }, input, save, reset),
    h(
      'p',
      { id: 'trust-source', class: `small ${key.source === 'server' ? 'warn' : 'muted'}`, 'data-key-source': key.source },
      key.source === 'server' ? h('strong', {}, `⚠ ${t('trustFromServer')}`) : t('trustPinned'),
    ),
    message,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!isVerifierKey(input.value.trim())) {
      message.textContent = t('trustInvalid');
      input.setAttribute('aria-invalid', 'true');
      return;
    }
    pinKey(input.value);
    void renderThenWarm();
  });
  reset.addEventListener('click', () => {
    void pinFromServer().then(() => render());
  });
  return h(
    'details',
    { class: 'trust-panel', open: key.source === 'server' },
    h('summary', {}, `${t('trustTitle')}: `, h('code', {}, key.vkey.split('+')[0] ?? '')),
    form,
  );
}

function header(current: Route['name']): HTMLElement {
  const link = (href: string, name: Route['name'], label: string): HTMLElement =>
    h('a', { href, 'aria-current': current === name || (name === 'log' && current === 'record') ? 'page' : null }, label);
  const other = lang() === 'zh' ? 'en' : 'zh';
  const switcher = h('button', { type: 'button', id: 'lang-switch', lang: other, title: t('switchToLabel') }, t('switchTo'));
  switcher.addEventListener('click', () => {
    setLang(other);
    void renderThenWarm();
  });
  return h(
    'header',
    { class: 'top' },
    h('div', { class: 'brand' }, h('h1', {}, t('title')), h('p', { class: 'small' }, t('tagline'))),
    h(
      'nav',
      { 'aria-label': t('title') },
      link('#/verify', 'verify', t('navVerify')),
      link('#/log', 'log', t('navLog')),
      link('#/stats', 'stats', t('navStats')),
    ),
    switcher,
  );
}

let generation = 0;

/** Renders the current view, then warms the verifier up (see warmup.ts). */
async function renderThenWarm(): Promise<void> {
  await render();
  // After the first view is shown, not before: the page is usable first, fast second.
  setTimeout(() => {
    try {
      warmUp();
    } finally {
      document.body.dataset.warm = 'true';
    }
  }, 0);
}

async function render(): Promise<void> {
  const gen = ++generation;
  const r = route();
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  const main = h('main', { id: 'content', tabindex: -1 }, loading());
  replace(app, h('a', { class: 'skip', href: '#content' }, t('skip')), header(r.name), main, h('footer', {}, h('p', { class: 'small muted' }, t('footer'))));
  let view: HTMLElement;
  let panel: HTMLElement;
  try {
    panel = await trustPanel();
    view =
      r.name === 'verify'
        ? verifyView()
        : r.name === 'log'
          ? await logView(r.page)
          : r.name === 'record'
            ? await recordView(r.index)
            : r.name === 'asset'
              ? await assetView(r.rn)
              : await statsView();
  } catch (err) {
    panel = h('div');
    view = errorBox(err);
  }
  if (gen !== generation) return;
  replace(main, panel, view);
  flushMount();
  document.body.dataset.view = r.name;
  document.body.dataset.ready = String(gen);
}

// The skip link targets #content, which is not a route.
window.addEventListener('hashchange', () => {
  if (location.hash !== '#content') void renderThenWarm();
});
void renderThenWarm();

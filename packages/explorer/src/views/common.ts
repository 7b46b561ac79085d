/** Pieces shared by the views: loading and error states, actor labels, links. */
import { rolesOf, type RegistryState } from '@dataledger/certificates';
import { h, short } from '../dom.ts';
import { roleName, t } from '../i18n.ts';

/** A busy indicator. */
export function loading(): HTMLElement {
  return h('p', { class: 'muted', role: 'status' }, t('loading'));
}

/** An error box with the error's code. */
export function errorBox(err: unknown): HTMLElement {
  const code = (err as { code?: unknown }).code;
  return h(
    'div',
    { class: 'verdict bad', role: 'alert' },
    h('strong', {}, t('error')),
    ' ',
    typeof code === 'string' ? h('code', {}, code) : null,
    ' ',
    err instanceof Error ? err.message : String(err),
  );
}

/** An actor by its roles in the ledger, with the DID shortened (full in the title). */
export function actorLabel(did: string, state: RegistryState): HTMLElement {
  const roles = rolesOf(state, did).map(roleName);
  if (state.rootAuthority === did) roles.unshift(t('rootAuthority'));
  return h(
    'span',
    { class: 'actor', title: did },
    h('span', { class: 'role' }, roles.length > 0 ? roles.join(', ') : t('unknownRole')),
    ' ',
    h('code', { class: 'did' }, short(did, 14)),
  );
}

/** A link to a record. */
export function recordLink(index: number, label: string = `#${index}`): HTMLElement {
  return h('a', { href: `#/record/${index}` }, label);
}

/** A link to an asset's history. */
export function assetLink(rn: string): HTMLElement {
  return h('a', { href: `#/asset/${encodeURIComponent(rn)}` }, rn);
}

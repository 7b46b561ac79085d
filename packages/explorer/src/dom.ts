/**
 * A few DOM builders. Text always goes in as text nodes (never as HTML): everything the page
 * shows may come from an untrusted certificate or log entry.
 */

/** Attributes of {@link h}: strings set as attributes, `on*` functions as listeners. */
export type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/** A child of {@link h}: a node, text, or nothing. */
export type Child = Node | string | number | null | undefined | false | Child[];

/**
 * Creates an element.
 * @param tag - the element name
 * @param attrs - attributes (`false`/`null`/`undefined` are left out) and `on…` listeners
 * @param children - child nodes; strings become text nodes
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces the children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Shortens a long identifier for a table cell (the full value stays in `title`). */
export function short(value: string, keep = 12): string {
  return value.length <= keep * 2 + 1 ? value : `${value.slice(0, keep)}…${value.slice(-6)}`;
}

const mountQueue: (() => void)[] = [];

/** Runs `fn` once the view being built is in the document (charts need their size). */
export function onMount(fn: () => void): void {
  mountQueue.push(fn);
}

/** Runs the callbacks registered by {@link onMount}; the router calls it after showing a view. */
export function flushMount(): void {
  for (const fn of mountQueue.splice(0)) fn();
}

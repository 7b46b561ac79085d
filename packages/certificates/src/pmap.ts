/**
 * A small persistent (immutable) string-keyed map with structural sharing: a fixed-depth
 * 32-way trie over a 32-bit FNV-1a hash, with tiny leaf buckets. `set`/`delete` copy one
 * path (three 32-slot arrays and a bucket), so the registry state can be updated without
 * touching the previous state: a refused record leaves its input state as it was.
 */

type Bucket<V> = readonly (readonly [string, V])[];
type Node = readonly (Node | Bucket<unknown> | undefined)[];

const BITS = 5;
const WIDTH = 1 << BITS;
const DEPTH = 3;

function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function slot(h: number, level: number): number {
  return (h >>> (level * BITS)) & (WIDTH - 1);
}

/** An immutable map from strings to values; every update returns a new map. */
export class PMap<V> {
  /** Number of entries. */
  readonly size: number;
  readonly #root: Node | undefined;

  private constructor(root: Node | undefined, size: number) {
    this.#root = root;
    this.size = size;
  }

  /** The empty map. */
  static empty<V>(): PMap<V> {
    return new PMap<V>(undefined, 0);
  }

  /** A map of the given entries (later duplicates win). */
  static of<V>(entries: Iterable<readonly [string, V]>): PMap<V> {
    let m = PMap.empty<V>();
    for (const [k, v] of entries) m = m.set(k, v);
    return m;
  }

  #bucket(key: string): Bucket<V> | undefined {
    const h = hash(key);
    let node: Node | undefined = this.#root;
    for (let level = 0; level < DEPTH - 1 && node !== undefined; level++) node = node[slot(h, level)] as Node | undefined;
    return node === undefined ? undefined : (node[slot(h, DEPTH - 1)] as Bucket<V> | undefined);
  }

  /** The value of `key`, or undefined. */
  get(key: string): V | undefined {
    const b = this.#bucket(key);
    if (b === undefined) return undefined;
    for (const e of b) if (e[0] === key) return e[1];
    return undefined;
  }

  /** True when `key` is present. */
  has(key: string): boolean {
    const b = this.#bucket(key);
    return b?.some((e) => e[0] === key) ?? false;
  }

  #update(key: string, value: V | undefined, remove: boolean): PMap<V> {
    const h = hash(key);
    let delta = 0;
    const rec = (node: Node | undefined, level: number): Node | undefined => {
      const i = slot(h, level);
      const copy = node === undefined ? new Array<Node | Bucket<unknown> | undefined>(WIDTH).fill(undefined) : node.slice();
      if (level === DEPTH - 1) {
        const b = (copy[i] as Bucket<V> | undefined) ?? [];
        const at = b.findIndex((e) => e[0] === key);
        let nb: Bucket<V>;
        if (remove) {
          if (at === -1) return node;
          nb = b.filter((_, j) => j !== at);
          delta = -1;
        } else if (at === -1) {
          nb = [...b, [key, value as V]];
          delta = 1;
        } else {
          nb = b.map((e, j) => (j === at ? ([key, value as V] as const) : e));
        }
        copy[i] = nb.length === 0 ? undefined : (nb as Bucket<unknown>);
      } else {
        const child = rec(copy[i] as Node | undefined, level + 1);
        if (child === copy[i]) return node;
        copy[i] = child;
      }
      return copy;
    };
    const root = rec(this.#root, 0);
    return root === this.#root ? this : new PMap<V>(root, this.size + delta);
  }

  /** A new map with `key` set to `value`. */
  set(key: string, value: V): PMap<V> {
    return this.#update(key, value, false);
  }

  /** A new map without `key` (the same map when absent). */
  delete(key: string): PMap<V> {
    return this.#update(key, undefined, true);
  }

  /** All entries, in hash order. */
  *entries(): IterableIterator<[string, V]> {
    function* walk(node: Node | undefined, level: number): Generator<[string, V]> {
      if (node === undefined) return;
      for (const child of node) {
        if (child === undefined) continue;
        if (level === DEPTH - 1) for (const e of child as Bucket<V>) yield [e[0], e[1]];
        else yield* walk(child as Node, level + 1);
      }
    }
    yield* walk(this.#root, 0);
  }

  /** All values, in hash order. */
  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  /** All keys, in hash order. */
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
}

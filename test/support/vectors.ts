/**
 * Where the published conformance vectors live: `test/vectors/` inside the
 * repository (copied from the published sources, licences beside them).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the project root. */
export const projectRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of a file or folder under `test/vectors/`. */
export function vectorsPath(...parts: string[]): string {
  return join(projectRoot, 'test', 'vectors', ...parts);
}

/** Reads a vector file as UTF-8 text. */
export function readVectorText(...parts: string[]): string {
  return readFileSync(vectorsPath(...parts), 'utf8');
}

/** Parses a vector file as JSON. */
export function readVectorJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readVectorText(...parts)) as T;
}

/** Every file below a vectors folder, as paths relative to that folder, sorted. */
export function listVectorFiles(...parts: string[]): string[] {
  const root = vectorsPath(...parts);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

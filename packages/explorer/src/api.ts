/**
 * Reads from the service that served the page (same origin: the Content-Security-Policy
 * allows nothing else). Everything read here is data to verify, never a verdict.
 */
import type { JsonObject } from '@dataledger/certificates';
import { parseJson } from '@dataledger/core';
import type { LedgerRecord } from '@dataledger/provenance';

/** A failed read: the problem document's `code` when the service sent one. */
export class ReadError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

async function get(path: string, accept: string): Promise<Response> {
  const res = await fetch(path, { headers: { accept }, cache: 'no-store' });
  if (!res.ok) {
    let code = `HTTP_${res.status}`;
    let detail = res.statusText;
    try {
      const p = (await res.json()) as { code?: string; detail?: string; title?: string };
      code = p.code ?? code;
      detail = p.detail ?? p.title ?? detail;
    } catch {
      // not a problem document
    }
    throw new ReadError(code, `${path}: ${detail}`);
  }
  return res;
}

/**
 * JSON read, through core's safe reader: V8 (Chromium too) can misread escaped member names
 * after a text with a member named `\` (nodejs/node#63785), and duplicate names are refused
 * (RFC 7493 §2.3) — a server's answer is untrusted input to a verifier.
 */
export async function getJson(path: string): Promise<unknown> {
  return parseJson(await (await get(path, 'application/json')).text());
}

/** Text read (checkpoints, keys). */
export async function getText(path: string): Promise<string> {
  return (await get(path, 'text/plain')).text();
}

/** The log's verifier key as the server publishes it. */
export async function serverLogKey(): Promise<string> {
  return (await getText('/v1/log/key')).trim();
}

/** The current signed checkpoint note. */
export async function checkpointNote(): Promise<string> {
  return getText('/v1/log/checkpoint');
}

/** Records [start, end). */
export async function entries(start: number, end: number): Promise<LedgerRecord[]> {
  const body = (await getJson(`/v1/log/entries?start=${start}&end=${end}`)) as { entries: LedgerRecord[] };
  return body.entries;
}

/** One record. */
export async function entry(index: number): Promise<LedgerRecord> {
  return (await getJson(`/v1/log/entries/${index}`)) as LedgerRecord;
}

/** An inclusion proof in the tree of `treeSize`. */
export async function inclusionProof(index: number, treeSize: number): Promise<{ leafHash: string; proof: string[] }> {
  return (await getJson(`/v1/log/proof/inclusion?index=${index}&treeSize=${treeSize}`)) as { leafHash: string; proof: string[] };
}

/** A consistency proof between two tree sizes. */
export async function consistencyProof(size1: number, size2: number): Promise<string[]> {
  return ((await getJson(`/v1/log/proof/consistency?size1=${size1}&size2=${size2}`)) as { proof: string[] }).proof;
}

/** Witness cosignatures the service keeps (the witness keys are the service's claim). */
export async function cosignatures(): Promise<{ witnessKey: string; size: number; note: string }[]> {
  return ((await getJson('/v1/log/cosignatures')) as { cosignatures: { witnessKey: string; size: number; note: string }[] }).cosignatures;
}

/**
 * A status list credential named by a certificate, if this service publishes it. The list is
 * signed and its `id` must be the URL the certificate names, so where the bytes come from does
 * not matter for trust: the service's index (`GET /v1/status-lists`) says under which id it
 * serves that URL, whatever host the URL names.
 * @returns the credential, or null when this service does not publish that list
 */
export async function statusList(url: string): Promise<JsonObject | null> {
  const index = (await getJson('/v1/status-lists')) as { lists: { id: string; url: string }[] };
  const entry = index.lists.find((l) => l.url === url);
  if (entry === undefined) return null;
  return (await getJson(`/v1/status-lists/${encodeURIComponent(entry.id)}`)) as JsonObject;
}

/** A certificate published on this service (`GET /v1/certificates/{id}`), to verify here. */
export async function certificate(id: string): Promise<unknown> {
  return getJson(`/v1/certificates/${encodeURIComponent(id)}`);
}

/**
 * Shared set-up of the HTTP end-to-end tests: a service on a LevelDB ledger in a temp dir,
 * served on 127.0.0.1 with an ephemeral port, actors with one role each, and payload
 * builders for every lifecycle record type.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { didKeyFromPublicKey, fromBase64, generateKeyPair } from '@dataledger/core';
import { issueCertificate, type JsonObject } from '@dataledger/certificates';
import { assetPayload, licencePayload } from './fixtures.ts';
import { buildApp, DataLedgerClient, openService, type BuildAppOptions, type DataDirService } from '@dataledger/service';

export interface Actor {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  did: string;
}

export function newActor(): Actor {
  const k = generateKeyPair();
  return { ...k, did: didKeyFromPublicKey(k.publicKey) };
}

export interface Server {
  dir: string;
  service: DataDirService;
  app: FastifyInstance;
  base: string;
  root: Actor;
  client(actor?: Actor): DataLedgerClient;
  /** Closes the app and the service (the data dir stays). */
  stop(): Promise<void>;
  /** Stops and removes the data dir. */
  destroy(): Promise<void>;
}

export function tempDataDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'dataledger-http-')), 'data');
}

/** Opens (or creates) the data dir and serves it on 127.0.0.1:0. */
export async function startServer(dir: string = tempDataDir(), appOptions: Partial<BuildAppOptions> = {}): Promise<Server> {
  const service = await openService({ dataDir: dir });
  const app = await buildApp({ service, ...appOptions });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const base = `http://127.0.0.1:${port}`;
  const sk = service.rootAuthority.secretKey;
  if (sk === null) throw new Error('root key missing');
  const root: Actor = { secretKey: sk, publicKey: service.rootAuthority.publicKey, did: service.rootAuthority.did };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await app.close();
    await service.close();
  };
  return {
    dir,
    service,
    app,
    base,
    root,
    // Behind a configured public URL, signed reads cover its authority (the service checks that).
    client: (actor?: Actor) =>
      new DataLedgerClient({
        baseUrl: base,
        ...(appOptions.publicUrl === undefined ? {} : { publicUrl: appOptions.publicUrl }),
        ...(actor === undefined ? {} : { signer: actor }),
      }),
    stop,
    destroy: async () => {
      await stop();
      rmSync(join(dir, '..'), { recursive: true, force: true });
    },
  };
}

export const ROLE_NAMES = ['registry', 'regulator', 'appraiser', 'reviewer', 'exchange', 'holder'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** One actor per role, granted by the root over HTTP (one pre-chained batch). */
export async function grantRoles(s: Server): Promise<Record<RoleName, Actor>> {
  const out = {} as Record<RoleName, Actor>;
  for (const r of ROLE_NAMES) out[r] = newActor();
  await s.client(s.root).submitBatch(ROLE_NAMES.map((role) => ({ type: 'role.granted', payload: { subject: out[role].did, role } })));
  return out;
}

let rnCounter = 0;
/** A fresh registration number. */
export function newRegistrationNumber(prefix = 'RN'): string {
  rnCounter++;
  return `${prefix}-${Date.now().toString(36).toUpperCase()}-${rnCounter}-${Math.floor(Math.random() * 1e6)}`;
}

// The payload fixtures live once, in ./fixtures.ts (package tests use them too).
export { assetPayload, licencePayload };

/** Registers, reviews (approved) an asset held by `holder`. */
export async function registeredAsset(s: Server, roles: Record<RoleName, Actor>, holder: Actor = roles.holder): Promise<string> {
  const rn = newRegistrationNumber();
  await s.client(roles.registry).submit('asset.registered', assetPayload(rn, holder) as never);
  await s.client(roles.reviewer).submit('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: 'compliant' });
  return rn;
}

/**
 * The same certificate signed again from its own evidence, at another proof time `created`:
 * another text under the same id (what a publisher must refuse as a conflict).
 */
export function resignedCertificate(certificate: JsonObject, secretKey: Uint8Array, created: string): JsonObject {
  const ev = certificate.evidence as JsonObject[];
  const inc = (e: JsonObject) => ({ record: e.record as never, proof: (e.inclusionProof as string[]).map((h) => fromBase64(h)) });
  return issueCertificate({
    subject: certificate.credentialSubject as JsonObject,
    issued: inc(ev[0]!),
    checkpoint: ev[0]!.checkpoint as string,
    roleEvidence: { genesis: inc(ev[1]!), grant: inc(ev[2]!) },
    secretKey,
    created,
  }) as unknown as JsonObject;
}

/**
 * The OpenAPI 3.1 document: what the route schemas do not say by themselves. Problem answers
 * are declared as RFC 9457 `application/problem+json` on every operation (the error handler
 * answers every route that way); signed reads are documented as RFC 9421 HTTP Message
 * Signatures with a worked example (a real signature by a published demonstration key);
 * `servers` names the configured public URL, else the address the app listens on.
 * The example values are in `examples.ts`.
 */
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { ERROR_STATUS } from './errors.ts';
import { EXAMPLE_ASSET, exampleHead, withExamples, type SignedReadExample } from './examples.ts';
import { PROBLEM_CONTENT_TYPE, problemOf } from './problem.ts';
import { ProblemSchema } from './schemas.ts';

/** Name of the RFC 9421 security scheme in `components.securitySchemes`. */
export const SIGNATURE_SCHEME = 'httpMessageSignature';

/** The `security` requirement of a signed read. */
export const SIGNED_READ: { [SIGNATURE_SCHEME]: string[] }[] = [{ [SIGNATURE_SCHEME]: [] }];

/** `asset.registered` → `AssetRegistered` (for operation ids). */
export function pascalCaseOf(type: string): string {
  return type
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => `${w[0]?.toUpperCase() ?? ''}${w.slice(1)}`)
    .join('');
}

// ---------------------------------------------------------------------------------------
// RFC 9421 signed reads

/**
 * The security scheme's description: how to sign a read, with the worked example.
 * @param ex - the worked example
 * @returns Markdown
 */
export function signedReadDescription(ex: SignedReadExample): string {
  return [
    'Reads of non-public data are **RFC 9421 HTTP Message Signatures** (not an API key, not an `Authorization` scheme): the client signs the request',
    'with its Ed25519 key (RFC 9421 §3.3.6, `alg="ed25519"`) and sends two fields, `Signature-Input` and `Signature`. The key id is the',
    "signer's `did:key`; the server answers when that did holds a role the route asks for.",
    '',
    'The signature must:',
    '- cover `"@method"`, `"@authority"`, `"@path"` and `"@query"` (and `content-digest`, RFC 9530, when the request has a body);',
    '- carry `created` and `expires` (integers, seconds; at most 300 s apart), `keyid` (a did:key) and `alg="ed25519"`;',
    '- carry a fresh `nonce` (a nonce is remembered for the lifetime of the signature; a replay is refused);',
    "- be made for the service's public URL (`servers[0]`): `@authority` is that URL's host, whatever Host header a proxy sends.",
    '',
    'Errors: 401 `HTTP_SIGNATURE_MISSING`, 401 `HTTP_SIGNATURE_INVALID`, 400 `HTTP_DIGEST_MISMATCH`, 403 `HTTP_FORBIDDEN`.',
    'From a shell: `dataledger get PATH --url URL --key KEYFILE`; from a program: `signRequest` of `@dataledger/service`.',
    '',
    `**Worked example.** \`${ex.method} ${ex.url}\`, signed by the demonstration key with seed \`${ex.seedHex}\``,
    `(published here, so never use it): keyid \`${ex.keyid}\`.`,
    '',
    'Signature base (RFC 9421 §2.5), the exact bytes signed:',
    '',
    '```',
    ex.signatureBase,
    '```',
    '',
    'Request:',
    '',
    '```http',
    `${ex.method} ${new URL(ex.url).pathname} HTTP/1.1`,
    `Host: ${new URL(ex.url).host}`,
    `Signature-Input: ${ex.signatureInput}`,
    `Signature: ${ex.signature}`,
    '```',
  ].join('\n');
}

/** Header parameters of a signed read, for trying it from the docs page (documentation only: they are checked by the handler). */
function signedReadParameters(ex: SignedReadExample): Record<string, unknown>[] {
  return [
    {
      in: 'header',
      name: 'Signature-Input',
      required: true,
      description: 'RFC 9421 §4.1 Signature-Input: covered components and parameters (see the security scheme).',
      schema: { type: 'string', maxLength: 4096 },
      example: ex.signatureInput,
    },
    {
      in: 'header',
      name: 'Signature',
      required: true,
      description: 'RFC 9421 §4.2 Signature: the Ed25519 signature of the signature base, as a byte sequence.',
      schema: { type: 'string', maxLength: 4096 },
      example: ex.signature,
    },
  ];
}

// ---------------------------------------------------------------------------------------
// Problem responses

function problemDescription(low: number, high: number): string {
  const byStatus = new Map<number, string[]>();
  for (const [code, status] of Object.entries(ERROR_STATUS)) {
    if (status < low || status > high) continue;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const lines = [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(
      ([s, codes]) =>
        `- ${s}: ${codes
          .sort()
          .map((c) => `\`${c}\``)
          .join(', ')}`,
    );
  return ['RFC 9457 problem details (`application/problem+json`) with a stable `code`; clients branch on the code, never on the text.', '', ...lines].join(
    '\n',
  );
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

function problemResponse(key: string): Record<string, unknown> {
  const range = /^([45])XX$/i.exec(key);
  const [low, high] = range !== null ? [Number(range[1]) * 100, Number(range[1]) * 100 + 99] : [Number(key), Number(key)];
  let example: Record<string, unknown>;
  if (low <= 409 && 409 <= high) {
    example = {
      ...problemOf('LEDGER_INDEX_MISMATCH', 'the record was signed at index 9; the log is at 10', { head: exampleHead() }),
      instance: '/v1/assets/register',
    };
  } else if (low <= 503 && 503 <= high) {
    example = { ...problemOf('HTTP_SHUTTING_DOWN', 'the service is shutting down'), instance: '/v1/log/head' };
  } else {
    const code = Object.entries(ERROR_STATUS).find(([, s]) => s >= low && s <= high)?.[0] ?? (low < 500 ? 'HTTP_BAD_REQUEST' : 'HTTP_INTERNAL');
    example = { ...problemOf(code, 'see the code'), instance: '/v1/log/head' };
  }
  return { description: problemDescription(low, high), content: { [PROBLEM_CONTENT_TYPE]: { schema: PROBLEM_REF, example } } };
}

type Operation = {
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: Record<string, unknown>[];
  description?: string;
  responses?: Record<string, Record<string, unknown>>;
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Completes the generated document: every operation declares its problem answers as
 * `application/problem+json` (replacing the `application/json` fastify-swagger assumes),
 * signed reads get their header parameters and a pointer to the worked example.
 */
function completeDocument(doc: Record<string, unknown>, ex: SignedReadExample): Record<string, unknown> {
  const paths = (doc['paths'] ?? {}) as Record<string, Record<string, Operation>>;
  for (const item of Object.values(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op === undefined) continue;
      const responses = (op.responses ??= {});
      for (const key of Object.keys(responses)) if (/^[45]/.test(key)) responses[key] = problemResponse(key);
      // fastify-swagger names every success "Default Response"; say what it is instead.
      for (const [key, r] of Object.entries(responses)) {
        if (!/^2/.test(key) || r['description'] !== 'Default Response') continue;
        const media = Object.values((r['content'] ?? {}) as Record<string, { schema?: { description?: unknown } }>)[0];
        r['description'] = typeof media?.schema?.description === 'string' ? media.schema.description : `OK: ${op.summary ?? 'the answer'}`;
      }
      // Every route can answer a problem (rate limits, shutting down, internal errors).
      if (!Object.keys(responses).some((k) => k.startsWith('4'))) responses['4XX'] = problemResponse('4XX');
      if (!Object.keys(responses).some((k) => k.startsWith('5'))) responses['5XX'] = problemResponse('5XX');
      if (op.security?.some((s) => SIGNATURE_SCHEME in s) === true) {
        const names = new Set((op.parameters ?? []).map((p) => `${String(p['in'])}:${String(p['name']).toLowerCase()}`));
        op.parameters = [...(op.parameters ?? []), ...signedReadParameters(ex).filter((p) => !names.has(`header:${String(p['name']).toLowerCase()}`))];
        const note =
          'Signed read: an RFC 9421 HTTP Message Signature by a did:key holding the role named above (see the `httpMessageSignature` ' +
          'security scheme for the rules and a worked example).';
        op.description = op.description === undefined ? note : `${op.description}\n\n${note}`;
      }
    }
  }
  return doc;
}

/** Options of {@link swaggerOptions}. */
export interface OpenApiOptions {
  /** The `servers` entries, computed when the document is served (the listen address is known late). */
  servers: () => { url: string; description: string }[];
  /** The worked example of a signed read. */
  example: SignedReadExample;
  /** The service version. */
  version: string;
}

/**
 * The `@fastify/swagger` options of the service.
 * @param options - servers, the signed-read example and the version
 * @returns dynamic-mode options generating an OpenAPI 3.1 document
 */
export function swaggerOptions(options: OpenApiOptions): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'dataledger',
        version: options.version,
        summary: 'Public-data asset registration, circulation and supervision over a tamper-evident ledger',
        description:
          'Writes are signed ledger records (DESIGN.md "The ledger"): the client signs a record at the head of the log ' +
          '(`GET /v1/log/head`), posts it to the route of its type, and gets a receipt (index, leaf hash, RFC 9162 ' +
          'inclusion proof, C2SP checkpoint). Log reads follow the transparency-log conventions and are public. Reads of ' +
          'non-public data are RFC 9421 signed requests (security scheme `httpMessageSignature`). Every error is an ' +
          'RFC 9457 `application/problem+json` document with a stable `code`.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      tags: [
        { name: 'log', description: 'Transparency-log reads (C2SP tlog-checkpoint, RFC 9162 proofs) and witness cosignatures' },
        { name: 'registration', description: 'Registration (登记), review, valuation, certificates' },
        { name: 'circulation', description: 'Circulation (流通): transfers, licences, consents, cross-border approval' },
        { name: 'supervision', description: 'Supervision (监管): roles, freezes, certificate status, audit and statistics' },
        { name: 'aggregation', description: 'Encrypted statistics (隐私计算) with homomorphic encryption' },
        { name: 'meta', description: 'Liveness and the API description' },
      ],
      components: {
        securitySchemes: {
          [SIGNATURE_SCHEME]: {
            // OpenAPI 3.1 has no scheme type for RFC 9421; "http" with the scheme named after the
            // fields it uses is the closest, and the description carries the rules.
            type: 'http',
            scheme: 'Signature',
            description: signedReadDescription(options.example),
          },
        },
        schemas: {
          Problem: withExamples(ProblemSchema, problemOf('HTTP_NOT_FOUND', `no asset ${EXAMPLE_ASSET}`, { id: EXAMPLE_ASSET })),
        },
      },
    },
    transformObject: (documentObject) => {
      const generated = (documentObject as { openapiObject: Record<string, unknown> }).openapiObject;
      const doc = completeDocument(generated, options.example);
      // The document is generated once and cached; `servers` is read when it is served,
      // because the listen address is known only after `listen`.
      Object.defineProperty(doc, 'servers', { enumerable: true, configurable: true, get: options.servers });
      return doc;
    },
  };
}

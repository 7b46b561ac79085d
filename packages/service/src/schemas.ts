/**
 * Route schemas (TypeBox → JSON Schema), shared by validation, serialisation and OpenAPI.
 * They check the envelope; payloads are checked by the package that owns their meaning
 * (certificates' `parsePayload`), so its codes reach the client unchanged.
 */
import { Type, type TObject, type TSchema } from '@sinclair/typebox';

/** Standard base64 of a 32-byte hash. */
export const Base64HashSchema: TSchema = Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$', description: 'standard base64 of a 32-byte hash' });

/** A non-negative integer in a query string (strings: query values are not coerced). */
export const QueryIntSchema: TSchema = Type.String({ pattern: '^(0|[1-9][0-9]{0,14})$' });

/** A signed ledger record (DESIGN.md "The ledger"). */
export const LedgerRecordSchema: TObject = Type.Object(
  {
    v: Type.Literal(1),
    index: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    type: Type.String({ minLength: 1, maxLength: 128 }),
    time: Type.String({ minLength: 24, maxLength: 24, description: 'RFC 3339 UTC with milliseconds' }),
    actor: Type.String({ minLength: 1, maxLength: 128, description: 'Ed25519 did:key of the signer' }),
    prev: Type.String({ maxLength: 44, description: "base64 leaf hash of the previous record, '' for index 0" }),
    payload: Type.Object({}, { additionalProperties: true }),
    sig: Type.String({ minLength: 86, maxLength: 86, description: 'base64url Ed25519 signature' }),
  },
  { additionalProperties: false },
);

/** A receipt: where the record is and the proof that it is there. */
export const ReceiptSchema: TObject = Type.Object({
  index: Type.Integer(),
  leafHash: Type.String(),
  treeSize: Type.Integer(),
  inclusionProof: Type.Array(Type.String()),
  checkpoint: Type.String({ description: 'C2SP signed note (tlog-checkpoint)' }),
});

/** The head a writer builds on. */
export const HeadSchema: TObject = Type.Object({
  size: Type.Integer(),
  rootHash: Type.String(),
  lastLeafHash: Type.String(),
  lastTime: Type.Union([Type.String(), Type.Null()]),
});

/** RFC 9457 problem document (the error answer of every route). */
export const ProblemSchema: TObject = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    code: Type.String(),
    details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: true },
);

/** Error responses documented on every route. */
export const ERROR_RESPONSES: Record<string, TSchema> = {
  '4xx': { ...ProblemSchema, description: 'RFC 9457 problem (application/problem+json)' },
  '5xx': { ...ProblemSchema, description: 'RFC 9457 problem (application/problem+json)' },
};

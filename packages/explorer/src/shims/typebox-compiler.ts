/**
 * `@sinclair/typebox/compiler` for the browser bundle. The compiler generates its checks with
 * `new Function`, which the explorer's Content-Security-Policy forbids (no `unsafe-eval`);
 * TypeBox's value checker (`Check`, `Errors`) checks the same schemas by interpretation. Same answers, no eval.
 */
import type { TSchema } from '@sinclair/typebox';
import { Check } from '@sinclair/typebox/value';
import { Errors } from '@sinclair/typebox/errors';

/** What the certificates package uses of a compiled check. */
export interface TypeCheck<T extends TSchema> {
  Check(value: unknown): boolean;
  Errors(value: unknown): ReturnType<typeof Errors>;
  readonly schema: T;
}

/** `TypeCompiler.Compile` without code generation. */
export const TypeCompiler = {
  Compile<T extends TSchema>(schema: T): TypeCheck<T> {
    return {
      schema,
      Check: (value: unknown) => Check(schema, value),
      Errors: (value: unknown) => Errors(schema, value),
    };
  },
};

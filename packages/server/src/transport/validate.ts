import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { AppError } from '../errors.js';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** A compiled validator per schema (compiled once, on first use). */
export function checker<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check as TypeCheck<T>;
}

/** The value, typed, or `invalid_payload` naming the first field that is wrong and why. */
export function validate<T extends TSchema>(schema: T, value: unknown, where = 'data'): Static<T> {
  const check = checker(schema);
  if (check.Check(value)) return value;
  const first = check.Errors(value).First();
  const path = first?.path ? `${where}${first.path.replaceAll('/', '.')}` : where;
  throw new AppError('invalid_payload', `${path}: ${first?.message ?? 'invalid'}`);
}

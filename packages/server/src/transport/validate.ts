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

/** Query values arrive as strings: integers are parsed before validation. */
export function integers(query: Record<string, string | undefined>): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) out[key] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}

/** A list route's query: `limit` parsed as an integer, `cursor` kept as the string it is. */
export function listQuery(query: Record<string, string | undefined>): Record<string, number | string> {
  const { cursor, ...rest } = query;
  return cursor === undefined ? integers(rest) : { ...integers(rest), cursor };
}

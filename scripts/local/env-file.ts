/**
 * Environment variables for a local invocation, from a file in the format of `sam local invoke
 * --env-vars` and from `K=V` flags.
 *
 * @see https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/using-sam-cli-local-invoke.html
 */
import { readFileSync } from 'node:fs';

export type Env = Record<string, string>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const stringValues = (where: string, vars: Record<string, unknown>): Env => {
  const env: Env = {};
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value === 'string') env[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') env[name] = String(value);
    else throw new Error(`${where}.${name} must be a string, number or boolean`);
  }
  return env;
};

/**
 * Reads SAM's env-vars JSON: `{"Parameters": {...}}` applies to every function and
 * `{"<FunctionLogicalId>": {...}}` to one, overriding `Parameters`. Without `functionId`, a file
 * with exactly one function entry uses that entry.
 *
 * @example
 * parseEnvVars({ Parameters: { A: '1' }, StreamFn: { B: '2' } }, 'StreamFn'); // { A: '1', B: '2' }
 */
export const parseEnvVars = (json: unknown, functionId?: string): Env => {
  if (!isObject(json)) throw new Error('the env-vars file must hold a JSON object');
  for (const [key, value] of Object.entries(json)) {
    if (!isObject(value)) throw new Error(`'${key}' must map variable names to values`);
  }
  const entries = json as Record<string, Record<string, unknown>>;
  const functions = Object.keys(entries).filter((k) => k !== 'Parameters');
  let chosen: string | undefined = functionId;
  if (chosen === undefined && functions.length > 1) {
    throw new Error(`the env-vars file has entries for ${functions.join(', ')}: pick one with --function-id`);
  }
  chosen ??= functions[0];
  if (chosen !== undefined && functionId !== undefined && entries[chosen] === undefined) {
    throw new Error(`the env-vars file has no entry for '${chosen}'`);
  }
  return {
    ...stringValues('Parameters', entries['Parameters'] ?? {}),
    ...(chosen === undefined ? {} : stringValues(chosen, entries[chosen] ?? {})),
  };
};

export const readEnvFile = (path: string, functionId?: string): Env => {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new Error(`${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    return parseEnvVars(json, functionId);
  } catch (cause) {
    throw new Error(`${path}: ${(cause as Error).message}`, { cause });
  }
};

/** `K=V` flags (the value may contain '='). */
export const parseAssignments = (assignments: readonly string[]): Env => {
  const env: Env = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new Error(`'${a}' is not NAME=value`);
    env[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return env;
};

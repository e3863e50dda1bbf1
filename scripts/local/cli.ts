/** Shared plumbing of the local CLIs: run-as-main detection and exit codes. */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** A wrong flag or argument: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Whether the module at `url` is the script node (or tsx) was started with. */
export const isMain = (url: string): boolean => {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === url;
  } catch {
    return false;
  }
};

/**
 * Runs a CLI's main: its resolved number is the exit code; a `UsageError` exits 2 with the usage,
 * any other error 1 with its message. With `exit`, the process ends right away instead of when its
 * last socket closes (kafkajs and undici pools linger).
 */
export const runMain = (
  name: string,
  usage: string,
  main: () => Promise<number | undefined>,
  options: { exit?: boolean } = {},
): void => {
  const end = (): void => {
    if (options.exit) process.exit();
  };
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
      end();
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: unknown } | null)?.code;
      // node:util parseArgs rejects unknown or malformed flags with ERR_PARSE_ARGS_* codes.
      if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
        process.stderr.write(`${name}: ${message}\n\n${usage}`);
        process.exitCode = 2;
        return end();
      }
      process.stderr.write(`${name}: ${message}\n`);
      process.exitCode = 1;
      end();
    },
  );
};

export const integerFlag = (name: string, v: string | undefined, min = 0): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer of at least ${min}, not '${v}'`);
  return n;
};

export const oneOfFlag = <T extends string>(
  name: string,
  v: string | undefined,
  allowed: readonly T[],
): T | undefined => {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v))
    throw new UsageError(`--${name} must be ${allowed.join(' | ')}, not '${v}'`);
  return v as T;
};

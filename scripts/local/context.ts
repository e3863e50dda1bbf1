/**
 * A Lambda-like context and invocation for running the handler outside Lambda: the remaining time
 * counts down from the function timeout, and an invocation that overruns it fails as Lambda's
 * "Task timed out" would (the handler's work is not killed, only no longer awaited).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LocalFunctionOptions {
  /** @default 'msk-inference-local' */
  readonly functionName?: string;
  /**
   * The function timeout, in ms.
   * @default 60_000 (the CDK construct's default)
   */
  readonly timeoutMs?: number;
  /** @default 1024 */
  readonly memoryMb?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** The Lambda handler signature the runner calls (middy handlers accept this form). */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Lambda's error for an invocation that ran past the function timeout. */
export class TaskTimedOutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    this.name = 'TaskTimedOutError';
  }
}

/**
 * @example
 * const context = lambdaContext({ timeoutMs: 30_000 });
 * context.getRemainingTimeInMillis(); // ≈ 30000
 */
export const lambdaContext = (options: LocalFunctionOptions = {}, now: () => number = Date.now): Context => {
  const functionName = options.functionName ?? 'msk-inference-local';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const region = options.region ?? 'us-east-1';
  const deadline = now() + timeoutMs;
  const unsupported = (name: string) => (): never => {
    throw new Error(`context.${name} is not supported by the local runner; return a promise`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:${functionName}`,
    memoryLimitInMB: String(options.memoryMb ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
};

/**
 * Runs the handler once with a fresh context, as Lambda would: resolves with its response, or
 * rejects with its error or with `TaskTimedOutError`.
 *
 * @example
 * const response = await invoke(handler, event, { timeoutMs: 60_000 });
 */
export const invoke = async (
  handler: LambdaHandler,
  event: unknown,
  options: LocalFunctionOptions = {},
): Promise<unknown> => {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const context = lambdaContext({ ...options, timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TaskTimedOutError(timeoutMs)), timeoutMs);
  });
  const run = handler(event, context);
  try {
    return await Promise.race([run, timedOut]);
  } finally {
    clearTimeout(timer);
    run.catch(() => undefined);
  }
};

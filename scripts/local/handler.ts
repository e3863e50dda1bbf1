/**
 * Loads the stream handler in this process. The handler reads its configuration from
 * `process.env` when its module is first imported (cold start), so the environment is set first;
 * a module is imported once per process, so later loads return the same warm handler.
 */
import { pathToFileURL } from 'node:url';
import type { LambdaHandler } from './context.js';

/** The handler's TypeScript source (run through tsx or vitest). */
export const HANDLER_SOURCE = new URL('../../functions/stream-inference/index.ts', import.meta.url);

export interface LocalHandler {
  readonly handler: LambdaHandler;
  /** Closes the producer and model connections: call once, when done with the handler. */
  shutdown(): Promise<void>;
}

/**
 * Quiet defaults for local runs: no EMF metric blobs on stdout, warnings and errors only.
 * Anything the caller sets wins.
 */
export const LOCAL_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};

/**
 * @param env variables to set before the import (the Lambda function's environment)
 * @param entry the module exporting `handler` (and, optionally, `shutdown`): the source by default,
 *   or a bundle such as `cdk.out/asset.<hash>/index.mjs`
 * @example
 * const { handler, shutdown } = await loadHandler({ KAFKA_BROKER: '127.0.0.1:9092', ... });
 */
export const loadHandler = async (
  env: Readonly<Record<string, string>>,
  entry: URL | string = HANDLER_SOURCE,
): Promise<LocalHandler> => {
  for (const [name, value] of Object.entries({ ...LOCAL_ENV_DEFAULTS, ...env })) {
    if (name in env || process.env[name] === undefined) process.env[name] = value;
  }
  const url = typeof entry === 'string' ? pathToFileURL(entry).href : entry.href;
  const module = (await import(url)) as { handler?: unknown; shutdown?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`${url} exports no handler function`);
  const shutdown =
    typeof module.shutdown === 'function' ? (module.shutdown as () => Promise<void>) : undefined;
  return {
    handler: module.handler as LambdaHandler,
    shutdown: async () => {
      await shutdown?.();
    },
  };
};

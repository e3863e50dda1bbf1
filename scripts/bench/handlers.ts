/**
 * The real handler (functions/stream-inference/index.ts, middy and all), bundled as deployed and
 * loaded once per configuration: the module reads its configuration at import, so each
 * configuration is imported as its own module instance (a query string on the URL), as a fresh cold
 * start would.
 */
import { pathToFileURL } from 'node:url';
import { type LocalHandler, loadHandler } from '../local/handler.js';
import { bundleHandler } from './bundle.js';

/** Variables a previous configuration may have set that must not leak into the next. */
const CONFIG_VARIABLES = /^(KAFKA_|MODEL_|PROTOCOL$|TRANSPORT$|COALESCE_|SELDON_API$)/;

let loads = 0;

/** @param dir the bench's output folder, where the bundle is built (once per run) */
export const loadConfiguredHandler = async (
  env: Readonly<Record<string, string>>,
  dir: string,
): Promise<LocalHandler> => {
  const transport = env['TRANSPORT'] === 'grpc' ? 'grpc' : 'rest';
  const { file } = await bundleHandler(dir, transport);
  for (const name of Object.keys(process.env)) {
    if (CONFIG_VARIABLES.test(name) && !(name in env)) delete process.env[name];
  }
  return loadHandler(env, new URL(`${pathToFileURL(file).href}?bench=${++loads}`));
};

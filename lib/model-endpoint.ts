import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { StreamConfigError } from './errors.js';
import type { Transport } from './props.js';

/** The model endpoint as the handler reads it, plus the function to grant invoke on, if any. */
export interface ResolvedModelEndpoint {
  /** The value of `MODEL_ENDPOINT`. */
  readonly env: string;
  /** The ARN `lambda:InvokeFunction` is granted on, for a Lambda-hosted model. */
  readonly invokeArn?: string;
}

const ALLOWED =
  'http(s)://host[:port][/path], grpc(s)://host:port, host:port, lambda:<name or ARN>, or an IFunction';

const isFunction = (endpoint: string | IFunction): endpoint is IFunction => typeof endpoint !== 'string';

/**
 * Normalizes `modelEndpoint` to the handler's `MODEL_ENDPOINT` grammar and checks it against the
 * transport, with the same rules the handler applies at cold start (functions/stream-inference/config.ts),
 * so a mismatch fails at synth rather than on the first batch.
 *
 * @example
 * resolveModelEndpoint(stack, 'mlserver:8081', 'grpc'); // { env: 'grpc://mlserver:8081' }
 */
export const resolveModelEndpoint = (
  scope: Construct,
  endpoint: string | IFunction,
  transport: Transport,
): ResolvedModelEndpoint => {
  const fail = (message: string): never => {
    throw new StreamConfigError('modelEndpoint', message);
  };
  if (isFunction(endpoint)) {
    if (transport === 'grpc') fail('is a Lambda function, which takes REST JSON; set transport to rest');
    return { env: `lambda:${endpoint.functionArn}`, invokeArn: endpoint.functionArn };
  }
  // A token (a parameter, an import) cannot be checked here; the handler checks it at cold start.
  if (Token.isUnresolved(endpoint)) return { env: endpoint };

  const raw = endpoint.trim();
  if (raw.startsWith('lambda:')) {
    const name = raw.slice('lambda:'.length);
    if (name === '') fail(`'${raw}' names no function; allowed: ${ALLOWED}`);
    if (transport === 'grpc')
      fail(`'${raw}' is a Lambda function, which takes REST JSON; set transport to rest`);
    const invokeArn = name.startsWith('arn:')
      ? name
      : Stack.of(scope).formatArn({
          service: 'lambda',
          resource: 'function',
          resourceName: name,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        });
    return { env: raw, invokeArn };
  }
  if (/^[^\s:/]+:\d{1,5}$/.test(raw)) {
    // A bare address takes the transport's scheme: the seed's graph endpoints are host:port.
    return { env: `${transport === 'grpc' ? 'grpc' : 'http'}://${raw}` };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`'${raw}' is not a URL; allowed: ${ALLOWED}`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'http' || scheme === 'https') {
    if (transport === 'grpc') fail(`'${raw}' is a REST URL but transport is grpc; use grpc(s)://host:port`);
    return { env: raw };
  }
  if (scheme === 'grpc' || scheme === 'grpcs') {
    if (transport === 'rest') fail(`'${raw}' is a gRPC address but transport is rest; use http(s)://`);
    if (url.port === '') fail(`'${raw}' has no port; allowed: ${ALLOWED}`);
    return { env: raw };
  }
  return fail(`scheme '${scheme}' is not allowed; allowed: ${ALLOWED}`);
};

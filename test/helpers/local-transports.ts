/**
 * The model transports the transport tests drive against servers of their own (see
 * local-servers.ts), closed with the test's other closers, and the error a call that must fail
 * rejects with.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { RecordFailure } from '../../functions/stream-inference/failures.js';
import {
  GrpcTransport,
  type GrpcTransportOptions,
} from '../../functions/stream-inference/model/transport/grpc.js';
import {
  HttpTransport,
  type HttpTransportOptions,
} from '../../functions/stream-inference/model/transport/http.js';
import { LambdaTransport } from '../../functions/stream-inference/model/transport/lambda.js';
import type { Closers } from './local-servers.js';

/** Time budget and answer size of every transport here unless a test sets its own. */
const TIMEOUT_MS = 5_000;
const MAX_ANSWER_BYTES = 100_000;

/**
 * An HTTP transport to a V2 model at `url` (one connection, 5 s, answers up to 100 kB).
 *
 * @example
 * const transport = httpTransportTo(closers, await listen(closers, model), { connections: 2 });
 */
export const httpTransportTo = (
  closers: Closers,
  url: string,
  options: Partial<HttpTransportOptions> = {},
): HttpTransport => {
  const transport = new HttpTransport({
    url: new URL(url),
    path: '/v2/models/iris/infer',
    timeoutMs: TIMEOUT_MS,
    connections: 1,
    maxAnswerBytes: MAX_ANSWER_BYTES,
    ...options,
  });
  closers.push(() => transport.close());
  return transport;
};

/**
 * A gRPC transport (no TLS) calling `method` at `address` (5 s, answers up to 100 kB).
 *
 * @example
 * const transport = grpcTransportTo(closers, await listenGrpc(closers, METHOD, answer), METHOD);
 */
export const grpcTransportTo = (
  closers: Closers,
  address: string,
  method: string,
  options: Partial<GrpcTransportOptions> = {},
): GrpcTransport => {
  const transport = new GrpcTransport({
    address,
    tls: false,
    method,
    timeoutMs: TIMEOUT_MS,
    maxAnswerBytes: MAX_ANSWER_BYTES,
    ...options,
  });
  closers.push(() => transport.close());
  return transport;
};

/**
 * A transport invoking the function `iris-model` through the real Lambda SDK client, at a Lambda API
 * endpoint of the test's own (example credentials, no SDK retries).
 *
 * @example
 * const transport = await lambdaTransportTo(closers, await listen(closers, invokeApi));
 */
export const lambdaTransportTo = async (closers: Closers, endpoint: string): Promise<LambdaTransport> => {
  const client = new LambdaClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' },
    maxAttempts: 1,
  });
  const transport = await LambdaTransport.create({
    functionName: 'iris-model',
    timeoutMs: TIMEOUT_MS,
    maxAnswerBytes: MAX_ANSWER_BYTES,
    client,
  });
  closers.push(() => transport.close());
  return transport;
};

/**
 * The error `call` rejects with; a call that succeeds fails the test.
 *
 * @example
 * const error = await refusal(transport.infer(body));
 */
export const refusal = (call: Promise<unknown>): Promise<RecordFailure> =>
  call.then(
    () => {
      throw new Error('the call succeeded');
    },
    (error: unknown) => error as RecordFailure,
  );

/**
 * What the transport tests share: local servers closed after each test, and the error a call that
 * must fail rejects with.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { RecordFailure } from '../../functions/stream-inference/failures.js';

/**
 * Registers an `afterEach` that runs every closer a test pushed, and returns the list to push to.
 *
 * @example
 * const closers = closeAfterEach();
 * closers.push(() => transport.close());
 */
export const closeAfterEach = (): Array<() => Promise<unknown>> => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  return closers;
};

/**
 * An HTTP server on a free loopback port, closed with the test's other closers.
 *
 * @example
 * const url = await listen(closers, (req, res) => res.writeHead(401).end());
 */
export const listen = async (
  closers: Array<() => Promise<unknown>>,
  listener: RequestListener,
): Promise<string> => {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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

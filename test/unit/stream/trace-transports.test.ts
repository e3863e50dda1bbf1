/**
 * Each transport hands the call's trace context to the model in its own carrier: HTTP headers, gRPC
 * metadata, a Lambda model's client context.
 */
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import type { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { HttpTransport } from '../../../functions/stream-inference/model/transport/http.js';
import {
  clientContextOf,
  type LambdaTransport,
} from '../../../functions/stream-inference/model/transport/lambda.js';
import type { TracePropagation } from '../../../functions/stream-inference/model/transport/types.js';
import { closeAfterEach, listen, listenGrpc } from '../../helpers/local-servers.js';
import { grpcTransportTo, httpTransportTo, lambdaTransportTo } from '../../helpers/local-transports.js';

const closers = closeAfterEach();
const PROPAGATION: TracePropagation = {
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01',
  tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
};
const ANSWER = Buffer.from('{"outputs":[]}');

/** Where and how an Invoke carries the client context (fixtures/README.md). */
const CLIENT_CONTEXT = JSON.parse(
  readFileSync(new URL('fixtures/lambda-invoke-client-context.json', import.meta.url), 'utf8'),
) as { requestHeader: string; maxBase64Bytes: number; traceContextField: string };

/** An HTTP endpoint answering every request, keeping each request's headers. */
const httpModel = async (): Promise<{ transport: HttpTransport; seen: IncomingHttpHeaders[] }> => {
  const seen: IncomingHttpHeaders[] = [];
  const url = await listen(closers, (req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER));
  });
  return { transport: httpTransportTo(closers, url), seen };
};

describe('HTTP transport', () => {
  it('sends traceparent and tracestate as request headers, and none on an untraced call', async () => {
    // Prepare
    const { transport, seen } = await httpModel();

    // Act
    await transport.infer(Buffer.from('{}'), undefined, PROPAGATION);
    await transport.infer(Buffer.from('{}'));

    // Assess
    expect(seen[0]).toMatchObject(PROPAGATION);
    expect(seen[1]).not.toHaveProperty('traceparent');
    expect(seen[1]).not.toHaveProperty('tracestate');
  });
});

describe('gRPC transport', () => {
  it('sends traceparent and tracestate as call metadata', async () => {
    // Prepare
    const seen: Metadata[] = [];
    const address = await listenGrpc(closers, '/test.Model/Infer', (call, callback) => {
      seen.push(call.metadata);
      callback(null, ANSWER);
    });
    const transport = grpcTransportTo(closers, address, '/test.Model/Infer');

    // Act
    await transport.infer(Buffer.from('x'), undefined, PROPAGATION);
    await transport.infer(Buffer.from('x'));

    // Assess
    expect(seen[0]!.get('traceparent')).toEqual([PROPAGATION.traceparent]);
    expect(seen[0]!.get('tracestate')).toEqual([PROPAGATION.tracestate]);
    expect(seen[1]!.get('traceparent')).toEqual([]);
  });
});

/** A Lambda API endpoint answering every Invoke, keeping each request's client context header. */
const lambdaModel = async (): Promise<{ transport: LambdaTransport; seen: Array<string | undefined> }> => {
  const seen: Array<string | undefined> = [];
  const endpoint = await listen(closers, (req, res) => {
    const value = req.headers[CLIENT_CONTEXT.requestHeader.toLowerCase()];
    seen.push(typeof value === 'string' ? value : undefined);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER));
  });
  return { transport: await lambdaTransportTo(closers, endpoint), seen };
};

describe('Lambda transport', () => {
  it('sends the trace context in the client context, under custom', async () => {
    // Prepare
    const { transport, seen } = await lambdaModel();

    // Act
    const answer = await transport.infer(Buffer.from('{}'), undefined, PROPAGATION);
    await transport.infer(Buffer.from('{}'));

    // Assess
    expect(answer).toEqual(ANSWER);
    const decoded = JSON.parse(Buffer.from(seen[0]!, 'base64').toString('utf8')) as Record<string, unknown>;
    expect(decoded).toEqual({ [CLIENT_CONTEXT.traceContextField]: PROPAGATION });
    expect(seen[1]).toBeUndefined();
  });

  it("leaves the client context out, and still calls, when it would exceed Invoke's limit", async () => {
    // Prepare: a tracestate long enough to push the base64 JSON over the limit
    const { transport, seen } = await lambdaModel();
    const long = { ...PROPAGATION, tracestate: `big=${'x'.repeat(CLIENT_CONTEXT.maxBase64Bytes)}` };

    // Act
    const answer = await transport.infer(Buffer.from('{}'), undefined, long);

    // Assess
    expect(answer).toEqual(ANSWER);
    expect(seen).toEqual([undefined]);
  });

  it('keeps a client context of the largest base64 length within the limit, and drops the next', () => {
    // Prepare: base64 lengths come in steps of 4, so 3,580 is the last one within 3,583
    const withState = (n: number) => ({ ...PROPAGATION, tracestate: `a=${'x'.repeat(n - 2)}` });
    const sizeOf = (n: number) =>
      Buffer.from(JSON.stringify({ custom: withState(n) })).toString('base64').length;
    let n = 1;
    while (sizeOf(n + 1) <= CLIENT_CONTEXT.maxBase64Bytes) n++;

    // Act
    const largest = clientContextOf(withState(n));
    const over = clientContextOf(withState(n + 1));

    // Assess
    expect(largest?.length).toBe(3_580);
    expect(over).toBeUndefined();
  });
});

import { readFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { GrpcTransport } from '../../../functions/stream-inference/model/transport/grpc.js';
import type { HttpTransport } from '../../../functions/stream-inference/model/transport/http.js';
import type { LambdaTransport } from '../../../functions/stream-inference/model/transport/lambda.js';
import { closeAfterEach, listen, listenGrpc } from '../../helpers/local-servers.js';
import {
  grpcTransportTo,
  httpTransportTo,
  lambdaTransportTo,
  refusal,
} from '../../helpers/local-transports.js';

/**
 * What each transport makes of a model that refuses the function's credentials or does not serve
 * what was asked, over real HTTP, gRPC and the Lambda SDK against servers of the test's own.
 */

const closers = closeAfterEach();

const httpModel = async (code: number): Promise<HttpTransport> => {
  const url = await listen(closers, (req, res) => {
    req.resume();
    res.writeHead(code, { 'content-type': 'application/json' }).end('{"error":"no"}');
  });
  return httpTransportTo(closers, url);
};

const grpcModel = async (code: status): Promise<GrpcTransport> => {
  const address = await listenGrpc(closers, '/test.Model/Infer', (_, callback) =>
    callback({ code, details: 'no' }),
  );
  return grpcTransportTo(closers, address, '/test.Model/Infer');
};

/** A Lambda API endpoint answering every Invoke with `answer`, reached through the real SDK client. */
const lambdaModel = async (answer: RequestListener): Promise<LambdaTransport> =>
  lambdaTransportTo(closers, await listen(closers, answer));

describe('a model that asks to be called later', () => {
  // RFC 9110 §15.5.9 (408 Request Timeout), RFC 8470 §5.2 (425 Too Early), RFC 6585 §4 (429 Too
  // Many Requests): the request may be repeated later, unlike 400, which says the request is wrong.
  it.each([408, 425, 429])(
    'HTTP %i is model-unavailable: retried, never the record’s fault',
    async (code) => {
      // Prepare
      const transport = await httpModel(code);

      // Act
      const error = await refusal(transport.infer(Buffer.from('{}')));

      // Assess
      expect(error.policy).not.toBe('dead-letter');
      expect(error.policy).toBe('retry');
      expect(error).toMatchObject({ kind: 'model-unavailable', policy: 'retry', status: code });
    },
  );

  it('HTTP 400 is model-rejected: the record’s fault', async () => {
    // Prepare
    const transport = await httpModel(400);

    // Act
    const error = await refusal(transport.infer(Buffer.from('{}')));

    // Assess
    expect(error).toMatchObject({ kind: 'model-rejected', policy: 'dead-letter', status: 400 });
  });
});

describe('a model that refuses the credentials', () => {
  it.each([401, 403, 407])(
    'HTTP %i is model-unauthorized: retried, never the record’s fault',
    async (code) => {
      // Prepare
      const transport = await httpModel(code);

      // Act
      const error = await refusal(transport.infer(Buffer.from('{}')));

      // Assess
      expect(error.kind).toBe('model-unauthorized');
      expect(error.policy).toBe('retry');
      expect(error).toMatchObject({ kind: 'model-unauthorized', policy: 'retry', status: code });
      expect(error.message).toMatch(new RegExp(`^model answered HTTP ${code} \\(a body of \\d+ bytes\\)$`));
    },
  );

  it.each([
    ['UNAUTHENTICATED', status.UNAUTHENTICATED],
    ['PERMISSION_DENIED', status.PERMISSION_DENIED],
  ])('gRPC %s is model-unauthorized, as its HTTP equivalent', async (name, code) => {
    // Prepare
    const transport = await grpcModel(code);

    // Act
    const error = await refusal(transport.infer(Buffer.from('x')));

    // Assess
    expect(error.kind).toBe('model-unauthorized');
    expect(error).toMatchObject({ kind: 'model-unauthorized', policy: 'retry', status: code });
    expect(error.message).toBe(`model answered gRPC ${name} (${code})`);
  });
});

describe('a model that does not serve what was asked', () => {
  it('HTTP 404 is model-not-found, a suspect judged by whether the model answers others', async () => {
    // Prepare
    const transport = await httpModel(404);

    // Act
    const error = await refusal(transport.infer(Buffer.from('{}')));

    // Assess
    expect(error.kind).toBe('model-not-found');
    expect(error.policy).toBe('judge');
    expect(error).toMatchObject({ kind: 'model-not-found', status: 404 });
  });

  it('gRPC NOT_FOUND is model-not-found too', async () => {
    // Prepare
    const transport = await grpcModel(status.NOT_FOUND);

    // Act
    const error = await refusal(transport.infer(Buffer.from('x')));

    // Assess
    expect(error.kind).toBe('model-not-found');
    expect(error).toMatchObject({ kind: 'model-not-found', status: status.NOT_FOUND });
    expect(error.message).toBe(`model answered gRPC NOT_FOUND (${status.NOT_FOUND})`);
  });
});

describe('a model hosted in Lambda', () => {
  const documented = JSON.parse(
    readFileSync(new URL('./fixtures/lambda-invoke-errors.json', import.meta.url), 'utf8'),
  ) as Record<'common' | 'invoke', Array<{ errorType: string; status: number }>>;
  const apiError =
    (errorType: string, code: number): RequestListener =>
    (req, res) => {
      req.resume();
      res.writeHead(code, { 'content-type': 'application/json', 'x-amzn-errortype': errorType });
      res.end(JSON.stringify({ Type: 'User', message: `planted message for ${errorType}` }));
    };

  it.each(documented.common)(
    'an Invoke refused with $errorType ($status) is model-unauthorized',
    async ({ errorType, status: code }) => {
      // Prepare
      const transport = await lambdaModel(apiError(errorType, code));

      // Act
      const error = await refusal(transport.infer(Buffer.from('{}')));

      // Assess
      expect(error.kind).toBe('model-unauthorized');
      expect(error.message).toBe(`Lambda invoke failed (${errorType})`);
      expect(error.detail).toContain('planted message');
    },
  );

  it.each(documented.invoke)(
    'an Invoke refused with $errorType ($status) is model-unavailable: the function is the model',
    async ({ errorType, status: code }) => {
      // Prepare
      const transport = await lambdaModel(apiError(errorType, code));

      // Act
      const error = await refusal(transport.infer(Buffer.from('{}')));

      // Assess
      expect(error.policy).not.toBe('dead-letter');
      expect(error.policy).toBe('retry');
      expect(error).toMatchObject({ kind: 'model-unavailable', policy: 'retry' });
    },
  );

  it.each([
    [401, 'model-unauthorized'],
    [403, 'model-unauthorized'],
    [404, 'model-not-found'],
  ])('a function answering {statusCode: %i} is judged as an HTTP model: %s', async (code, kind) => {
    // Prepare: Lambda ran the function; its code answered in API Gateway's shape.
    const transport = await lambdaModel((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: code, body: '{"error":"no"}' }));
    });

    // Act
    const error = await refusal(transport.infer(Buffer.from('{}')));

    // Assess
    expect(error).toMatchObject({ kind, status: code });
  });
});

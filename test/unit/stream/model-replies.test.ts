import { readFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import type { InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { type sendUnaryData, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { FailureKind } from '../../../functions/stream-inference/failures.js';
import type { GrpcTransport } from '../../../functions/stream-inference/model/transport/grpc.js';
import type { HttpTransport } from '../../../functions/stream-inference/model/transport/http.js';
import { LambdaTransport } from '../../../functions/stream-inference/model/transport/lambda.js';
import { closeAfterEach, listen, listenGrpc } from '../../helpers/local-servers.js';
import { grpcTransportTo, httpTransportTo, refusal } from '../../helpers/local-transports.js';

const MARKER = 'REPLY-MARKER-c41d';
const MAX = 100_000;
const closers = closeAfterEach();

const httpModel = async (listener: RequestListener): Promise<HttpTransport> =>
  httpTransportTo(closers, await listen(closers, listener), {
    timeoutMs: 10_000,
    connections: 2,
    maxAnswerBytes: MAX,
  });

describe('HTTP model replies', () => {
  it.each([400, 500, 503])('keep a %i body out of the reason, as the detail', async (code) => {
    // Prepare
    const transport = await httpModel((req, res) => {
      req.resume();
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `could not convert string to float: '${MARKER}'` }));
    });

    // Act
    const error = await refusal(transport.infer(Buffer.from('{}')));

    // Assess
    expect(error.message).toMatch(new RegExp(`^model answered HTTP ${code} \\(a body of \\d+ bytes\\)$`));
    expect(error.status).toBe(code);
    expect(error.detail).toContain(MARKER);
  });

  it('stop reading a success past MAX_RECORD_BYTES, close the socket and refuse it as too-large', async () => {
    // Prepare: a chunked answer that never ends
    let sent = 0;
    let closed: Promise<void> = Promise.resolve();
    const transport = await httpModel((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      closed = new Promise((resolve) => res.on('close', resolve));
      const chunk = Buffer.alloc(16_384, 0x20);
      const timer = setInterval(() => {
        sent += chunk.length;
        res.write(chunk);
      }, 1);
      res.on('close', () => clearInterval(timer));
    });

    // Act
    const error = await refusal(transport.infer(Buffer.from('{}')));
    await closed;

    // Assess
    expect(error.kind).toBe(FailureKind.tooLarge);
    const read = Number(/read before stopping: (\d+) bytes/.exec(error.message)?.[1]);
    expect(read).toBeGreaterThan(MAX);
    expect(read).toBeLessThanOrEqual(MAX + 65_536);
    expect(error.message).toContain(`MAX_RECORD_BYTES ${MAX}`);
    expect(sent).toBeLessThan(MAX * 20);
  });

  it('refuse a success whose content-length is past MAX_RECORD_BYTES before reading it', async () => {
    // Prepare
    const transport = await httpModel((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX * 10) });
      res.write('{');
    });

    // Act
    const error = await refusal(transport.infer(Buffer.from('{}')));

    // Assess
    expect(error.kind).toBe(FailureKind.tooLarge);
    expect(error.message).toBe(
      `model answered HTTP 200 with a body that exceeds MAX_RECORD_BYTES ${MAX} (content-length: ${MAX * 10} bytes)`,
    );
  });
});

describe('gRPC model replies', () => {
  const METHOD = '/inference.GRPCInferenceService/ModelInfer';
  const grpcModel = async (answer: (callback: sendUnaryData<Buffer>) => void): Promise<GrpcTransport> => {
    const address = await listenGrpc(closers, METHOD, (_, callback) => answer(callback));
    return grpcTransportTo(closers, address, METHOD, { timeoutMs: 10_000, maxAnswerBytes: MAX });
  };

  it("name the status code and keep the server's details as the detail", async () => {
    // Prepare
    const transport = await grpcModel((callback) =>
      callback({ code: status.INVALID_ARGUMENT, details: `unexpected input '${MARKER}'` }),
    );

    // Act
    const error = await refusal(transport.infer(Buffer.from([])));

    // Assess
    expect(error.message).toBe('model answered gRPC INVALID_ARGUMENT (3)');
    expect(error.kind).toBe(FailureKind.modelRejected);
    expect(error.detail).toContain(MARKER);
  });

  it('refuse an answer past MAX_RECORD_BYTES as too-large, from its length prefix', async () => {
    // Prepare
    const transport = await grpcModel((callback) => callback(null, Buffer.alloc(MAX + 1)));

    // Act
    const error = await refusal(transport.infer(Buffer.from([])));

    // Assess
    expect(error.kind).toBe(FailureKind.tooLarge);
    expect(error.message).toBe(
      `model answer of ${MAX + 1} bytes exceeds MAX_RECORD_BYTES ${MAX}; it was not read`,
    );
  });
});

describe('Lambda model replies', () => {
  const documented = readFileSync(new URL('./fixtures/lambda-function-error.json', import.meta.url));
  const lambdaModel = (
    out: Omit<Partial<InvokeCommandOutput>, 'Payload'> & { Payload?: Uint8Array },
  ): LambdaTransport =>
    new LambdaTransport(
      {
        functionName: 'iris-model',
        timeoutMs: 1_000,
        maxAnswerBytes: MAX,
        client: {
          send: async () => ({ StatusCode: 200, ...out }),
          destroy: () => undefined,
        } as never as LambdaClient,
      },
      // The SDK module is only used to build the command.
      { InvokeCommand: class {} } as never,
    );

  it("name the function's error type and keep its errorMessage as the detail", async () => {
    // Prepare
    const transport = lambdaModel({ FunctionError: 'Unhandled', Payload: new Uint8Array(documented) });

    // Act
    const error = await refusal(transport.infer(Buffer.from('{}')));

    // Assess
    expect(error.message).toBe('model function failed (ReferenceError)');
    expect(error.detail).toBe('x is not defined');
  });

  it('refuse an answer past MAX_RECORD_BYTES as too-large', async () => {
    // Prepare
    const transport = lambdaModel({ Payload: new Uint8Array(MAX + 1) });

    // Act
    const error = await refusal(transport.infer(Buffer.from('{}')));

    // Assess
    expect(error.kind).toBe(FailureKind.tooLarge);
    expect(error.message).toBe(
      `model function answered ${MAX + 1} bytes, which exceeds MAX_RECORD_BYTES ${MAX}`,
    );
  });
});

/**
 * The model driven directly, with nothing in between: the limit each scenario compares the handler
 * with. Same client settings as the handler's transports (functions/stream-inference/transport/),
 * same concurrency.
 */
import { Agent, request } from 'node:http';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { runBounded } from './stats.js';

export interface DirectClient {
  /** Sends every body, at most `concurrency` in flight; resolves with the answers in order. */
  run(bodies: readonly Buffer[]): Promise<Buffer[]>;
  close(): void;
}

/**
 * POSTs over a kept-alive agent set up as HttpTransport's: `keepAlive`, `maxSockets` = concurrency,
 * `lifo`, and the socket timeout (MODEL_TIMEOUT_MS, default 10 s) on the agent.
 */
export const directHttp = (url: string, concurrency: number, timeoutMs = 10_000): DirectClient => {
  const target = new URL(url);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: concurrency,
    scheduling: 'lifo',
    timeout: timeoutMs,
  });
  const post = (body: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          agent,
          hostname: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': body.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const answer = Buffer.concat(chunks);
            if (res.statusCode === 200) resolve(answer);
            else reject(new Error(`HTTP ${res.statusCode}: ${answer.toString('utf8').slice(0, 200)}`));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    async run(bodies) {
      const answers: Buffer[] = new Array(bodies.length);
      await runBounded(bodies.length, concurrency, async (i) => {
        answers[i] = await post(bodies[i]!);
      });
      return answers;
    },
    close: () => agent.destroy(),
  };
};

const identity = (b: Buffer): Buffer => b;

/** Unary calls with raw bytes over one channel, set up as GrpcTransport's. */
export const directGrpc = (address: string, method: string, concurrency: number): DirectClient => {
  const client = new Client(address, credentials.createInsecure(), {
    'grpc.max_receive_message_length': 8 * 1024 * 1024,
    'grpc.max_send_message_length': 8 * 1024 * 1024,
    'grpc.keepalive_time_ms': 30_000,
  });
  const call = (body: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        method,
        identity,
        identity,
        body,
        new Metadata(),
        { deadline: Date.now() + 10_000 },
        (error: ServiceError | null, answer?: Buffer) =>
          error === null && answer !== undefined ? resolve(answer) : reject(error ?? new Error('no answer')),
      );
    });
  return {
    async run(bodies) {
      const answers: Buffer[] = new Array(bodies.length);
      await runBounded(bodies.length, concurrency, async (i) => {
        answers[i] = await call(bodies[i]!);
      });
      return answers;
    },
    close: () => client.close(),
  };
};

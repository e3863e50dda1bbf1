/**
 * Servers of the test's own on free loopback ports: HTTP (a model, a proxy, the Lambda API) and gRPC
 * (a model answering one method with raw bytes), each with the one way to stop it.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as GrpcServer, type handleUnaryCall, ServerCredentials } from '@grpc/grpc-js';
import { afterEach } from 'vitest';

/** A server the test started: where to reach it, and how to stop it. */
export interface LocalServer {
  /** `http://127.0.0.1:<port>` for HTTP, `127.0.0.1:<port>` for gRPC. */
  readonly address: string;
  /** Stops the server, dropping the connections still open (a model that never answers holds one). */
  readonly close: () => Promise<void>;
}

/** What a gRPC method of {@link startGrpcServer} does with a call; requests and replies are raw bytes. */
export type RawUnaryHandler = handleUnaryCall<Buffer, Buffer>;

/** Closers of one test, run after it: see {@link closeAfterEach}. */
export type Closers = Array<() => Promise<unknown>>;

const identity = (b: Buffer): Buffer => b;

/**
 * Registers an `afterEach` that runs every closer a test pushed, and returns the list to push to.
 *
 * @example
 * const closers = closeAfterEach();
 * closers.push(() => transport.close());
 */
export const closeAfterEach = (): Closers => {
  const closers: Closers = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  return closers;
};

/**
 * An HTTP server on a free loopback port.
 *
 * @example
 * const model = await startHttpServer((req, res) => res.writeHead(503).end());
 * // … MODEL_ENDPOINT: model.address …
 * await model.close();
 */
export const startHttpServer = async (listener: RequestListener): Promise<LocalServer> => {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};

/**
 * An HTTP server on a free loopback port, closed with the test's other closers; returns its URL.
 *
 * @example
 * const url = await listen(closers, (req, res) => res.writeHead(401).end());
 */
export const listen = async (closers: Closers, listener: RequestListener): Promise<string> => {
  const server = await startHttpServer(listener);
  closers.push(server.close);
  return server.address;
};

/**
 * A gRPC server (no TLS) on a free loopback port serving one unary method, requests and replies as
 * raw bytes, so that a test answers whatever it likes.
 *
 * @example
 * const model = await startGrpcServer('/test.Model/Infer', (_, callback) => callback(null, answer));
 * // … MODEL_ENDPOINT: `grpc://${model.address}` …
 * await model.close();
 */
export const startGrpcServer = async (method: string, handle: RawUnaryHandler): Promise<LocalServer> => {
  const server = new GrpcServer();
  server.register(method, handle, identity, identity, 'unary');
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { address: `127.0.0.1:${port}`, close: async () => server.forceShutdown() };
};

/**
 * A {@link startGrpcServer} closed with the test's other closers; returns its address.
 *
 * @example
 * const address = await listenGrpc(closers, METHOD, (_, callback) => callback({ code: status.NOT_FOUND }));
 */
export const listenGrpc = async (
  closers: Closers,
  method: string,
  handle: RawUnaryHandler,
): Promise<string> => {
  const server = await startGrpcServer(method, handle);
  closers.push(server.close);
  return server.address;
};

/**
 * The whole body of a request to a local server.
 *
 * @example
 * const payload = await requestBody(req);
 */
export const requestBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

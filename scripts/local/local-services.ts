/**
 * The local services (README.md, "Local services"): where each protocol's iris model answers,
 * the handler environment that points at it, and a check that a port is answering.
 */
import { connect } from 'node:net';
import type { Protocol, Transport } from '../../functions/stream-inference/config.js';

export const LOCAL_BROKER = '127.0.0.1:9092';
export const LOCAL_MODEL_NAME = 'iris';

/** `MODEL_ENDPOINT` of the local server for each protocol and transport. */
export const LOCAL_ENDPOINTS = {
  v2: { rest: 'http://127.0.0.1:8080', grpc: 'grpc://127.0.0.1:8081' },
  seldon: { rest: 'http://127.0.0.1:9000', grpc: 'grpc://127.0.0.1:5000' },
  tensorflow: { rest: 'http://127.0.0.1:8501', grpc: 'grpc://127.0.0.1:8500' },
} as const satisfies Record<Protocol, Record<Transport, string>>;

export interface TopicNames {
  readonly input: string;
  readonly output: string;
  readonly errors: string;
}

/** The model part of the handler's environment for a local server. */
export const localModelEnv = (protocol: Protocol, transport: Transport): Record<string, string> => ({
  MODEL_ENDPOINT: LOCAL_ENDPOINTS[protocol][transport],
  MODEL_NAME: LOCAL_MODEL_NAME,
  PROTOCOL: protocol,
  TRANSPORT: transport,
  // The local seldon-core server is a bare microservice (no graph/orchestrator in front).
  ...(protocol === 'seldon' ? { SELDON_API: 'microservice' } : {}),
});

/**
 * The whole handler environment for the local broker and server. The plaintext, no-auth settings
 * are spelled out so that the same file also overrides a synthesized template's MSK settings
 * under `sam local invoke --env-vars`.
 */
export const localHandlerEnv = (
  protocol: Protocol,
  transport: Transport,
  topics: TopicNames,
  broker = LOCAL_BROKER,
): Record<string, string> => ({
  KAFKA_BROKER: broker,
  KAFKA_AUTH: 'none',
  KAFKA_TLS: 'false',
  KAFKA_INPUT_TOPIC: topics.input,
  KAFKA_OUTPUT_TOPIC: topics.output,
  KAFKA_ERROR_TOPIC: topics.errors,
  ...localModelEnv(protocol, transport),
});

/** `host:port` of an endpoint URL or broker address. */
export const hostPort = (address: string): { host: string; port: number } => {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
};

/** Whether something accepts TCP connections at the address (`host:port` or a URL with a port). */
export const isListening = (address: string, timeoutMs = 1_000): Promise<boolean> => {
  const { host, port } = hostPort(address);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
};

/**
 * A gRPC server of the test's own in front of a real model server: it forwards each call's bytes to
 * the upstream's method, or, as the test's plan says per call, answers a status code of its choice,
 * answers bytes of its choice, or never answers. What a misbehaving model, sidecar or gateway does.
 *
 * ```ts
 * const proxy = await startGrpcFaultProxy('127.0.0.1:8081', '/inference.GRPCInferenceService/ModelInfer',
 *   (n) => (n % 5 === 0 ? { refuse: status.UNAVAILABLE } : 'forward'));
 * // MODEL_ENDPOINT=grpc://<proxy.address>
 * ```
 */
import {
  Client,
  credentials,
  status as GrpcStatus,
  Metadata,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';

/** What the proxy does with one call. */
export type ProxyAction =
  | 'forward'
  /** Keeps the call open and never answers (until the client gives up or the proxy closes). */
  | 'hang'
  | { readonly refuse: GrpcStatus }
  /** Answers OK with these bytes, without asking the upstream. */
  | { readonly reply: Buffer };

/** Decides the n-th call's fate (from 1), knowing its request bytes. */
export type ProxyPlan = (n: number, request: Buffer) => ProxyAction;

export interface GrpcFaultProxy {
  /** `host:port` to point MODEL_ENDPOINT at (`grpc://…`). */
  readonly address: string;
  /** Calls received, and how many of each action were taken ('forward', 'hang', a code name, 'reply'). */
  readonly calls: () => number;
  readonly taken: () => Readonly<Record<string, number>>;
  close(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

const actionName = (action: ProxyAction): string =>
  typeof action === 'string' ? action : 'refuse' in action ? GrpcStatus[action.refuse] : 'reply';

/**
 * Starts the proxy on a free loopback port.
 *
 * @example
 * const proxy = await startGrpcFaultProxy(upstream, method, () => 'hang');
 */
export const startGrpcFaultProxy = async (
  upstream: string,
  method: string,
  plan: ProxyPlan,
): Promise<GrpcFaultProxy> => {
  const client = new Client(upstream, credentials.createInsecure());
  const server = new Server();
  let calls = 0;
  const taken: Record<string, number> = {};
  server.register(
    method,
    (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      const action = plan(++calls, call.request);
      const name = actionName(action);
      taken[name] = (taken[name] ?? 0) + 1;
      if (action === 'hang') return;
      if (action !== 'forward') {
        if ('reply' in action) return callback(null, action.reply);
        return callback({ code: action.refuse, details: `injected by the test's proxy: ${name}` });
      }
      const upstreamCall = client.makeUnaryRequest(
        method,
        identity,
        identity,
        call.request,
        new Metadata(),
        { deadline: call.getDeadline() },
        (error, answer?: Buffer) => callback(error, answer),
      );
      call.on('cancelled', () => upstreamCall.cancel());
    },
    identity,
    identity,
    'unary',
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    calls: () => calls,
    taken: () => ({ ...taken }),
    close: async () => {
      // Hanging calls end here: forceShutdown cancels them (the client sees UNAVAILABLE or CANCELLED).
      server.forceShutdown();
      client.close();
    },
  };
};

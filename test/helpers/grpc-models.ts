/**
 * Each protocol's gRPC model as the gRPC fault tests reach it: which local server serves it, the
 * method the handler calls, and the handler's environment for it (without MODEL_ENDPOINT, which
 * points at the shared server, a private copy of it, or a proxy of the test's own).
 *
 * ```ts
 * const { server, method, env } = GRPC_MODELS.v2;
 * const proxy = await startGrpcFaultProxy(modelServers[server].grpcAddress, method, plan);
 * const loaded = await loadHandler({ ...env, MODEL_ENDPOINT: `grpc://${proxy.address}`, … });
 * ```
 */
import type { Protocol } from '../../functions/stream-inference/config.js';
import type { ModelServerName } from './models.js';

export interface GrpcModel {
  readonly server: ModelServerName;
  readonly method: string;
  /** The handler's environment for this protocol over gRPC, without MODEL_ENDPOINT. */
  readonly env: Readonly<Record<string, string>>;
}

export const GRPC_MODELS: Readonly<Record<Protocol, GrpcModel>> = {
  v2: {
    server: 'mlserver',
    method: '/inference.GRPCInferenceService/ModelInfer',
    env: { TRANSPORT: 'grpc', PROTOCOL: 'v2', MODEL_NAME: 'iris' },
  },
  seldon: {
    server: 'seldon',
    method: '/seldon.protos.Model/Predict',
    env: { TRANSPORT: 'grpc', PROTOCOL: 'seldon', SELDON_API: 'microservice' },
  },
  tensorflow: {
    server: 'tensorflow',
    method: '/tensorflow.serving.PredictionService/Predict',
    env: { TRANSPORT: 'grpc', PROTOCOL: 'tensorflow', MODEL_NAME: 'iris' },
  },
};

/** The gRPC protocols, in the order the tests run them. */
export const GRPC_PROTOCOLS: readonly Protocol[] = ['v2', 'seldon', 'tensorflow'];

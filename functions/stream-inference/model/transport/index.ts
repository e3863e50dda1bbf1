import type { Config } from '../../config.js';
import { ConfigError } from '../../failures.js';
import type { ProtocolSpec } from '../protocols/index.js';
import { HttpTransport } from './http.js';
import type { ModelTransport } from './types.js';

/**
 * Builds the one transport of this deployment. gRPC and AWS SDK code is imported lazily, so a REST
 * deployment never loads @grpc/grpc-js, the protobuf definitions or the Lambda client at cold start;
 * the bundle of a deployment that cannot use them does not even hold them.
 */
export const createTransport = async (config: Config, spec: ProtocolSpec): Promise<ModelTransport> => {
  const { endpoint, timeoutMs, concurrency } = config.model;
  switch (endpoint.kind) {
    case 'http':
      return new HttpTransport({
        url: endpoint.url,
        path: spec.restPath(config.model),
        timeoutMs,
        connections: concurrency,
        maxAnswerBytes: config.pipeline.maxRecordBytes,
      });
    case 'lambda': {
      // Set at bundling (lib/bundling.ts): a deployment without a Lambda model leaves the client out.
      if (process.env.MSK_INFERENCE_BUNDLE_LAMBDA_MODEL !== 'false') {
        const { LambdaTransport } = await import('./lambda.js');
        return LambdaTransport.create({
          functionName: endpoint.functionName,
          timeoutMs,
          maxAnswerBytes: config.pipeline.maxRecordBytes,
        });
      }
      throw new ConfigError(
        'MODEL_ENDPOINT',
        'is a Lambda function, but this function was bundled without the Lambda client: deploy it again',
      );
    }
    case 'grpc': {
      // The CDK construct sets this at bundling (esbuild define): a REST bundle leaves gRPC out.
      if (process.env.MSK_INFERENCE_BUNDLE_TRANSPORT !== 'rest') {
        const { GrpcTransport } = await import('./grpc.js');
        return new GrpcTransport({
          address: endpoint.address,
          tls: endpoint.tls,
          method: spec.grpc.method(config.model),
          timeoutMs,
          maxAnswerBytes: config.pipeline.maxRecordBytes,
        });
      }
      throw new ConfigError('TRANSPORT', 'is grpc, but this function was bundled for rest: deploy it again');
    }
  }
};

export type { ModelTransport, TracePropagation } from './types.js';

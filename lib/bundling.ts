/**
 * How the stream handler is bundled: one set of esbuild options for the CDK construct
 * (NodejsFunction), the local tools (scripts/local) and the benchmarks (scripts/bench), so that
 * each of them runs the bundle that is deployed. Type-only imports: loading this module loads
 * neither aws-cdk-lib nor esbuild.
 */
import type { BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { ENV } from '../functions/stream-inference/contract.js';
import { KAFKA_AUTH_KINDS, type KafkaAuthKind } from './authentication.js';
import { TRANSPORTS, type Transport } from './props.js';

/** The banner NodejsFunction's ESM bundles need, so that bundled CommonJS can still `require`. */
export const ESM_BANNER =
  "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/**
 * Modules left out of the bundle because the nodejs22.x runtime provides them: none. AWS documents
 * that the runtime holds "a specific minor version of the AWS SDK for JavaScript v3, not the latest
 * version", which one depending on the runtime version and the Region, and lists neither the
 * packages nor their versions; this project needs `@aws-sdk/*` 3.1164 or later and the SDK modules
 * of aws-msk-iam-sasl-signer-js (`@aws-sdk/credential-providers`, `@aws-sdk/util-format-url`,
 * `@aws-sdk/client-sts`). So the SDK is bundled, as AWS recommends for full control of a
 * function's dependencies; the handler imports its SDK clients lazily, so a deployment that does
 * not use one does not evaluate it. NodejsFunction would otherwise leave every `@aws-sdk/*` out.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html#nodejs-sdk-included
 * @see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-package.html#nodejs-package-dependencies
 * @see https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html
 */
export const RUNTIME_PROVIDED_MODULES: readonly string[] = [];

/**
 * The handler's bundling, deployment aside: an ES module for `nodejs22.x`, minified, with a source
 * map that maps positions without carrying the sources (a third of the size, and
 * `--enable-source-maps` reads it at every cold start).
 */
export const HANDLER_BUNDLING = {
  target: 'node22',
  format: 'esm',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_BANNER,
  externalModules: RUNTIME_PROVIDED_MODULES,
} as const;

/** What a bundle is built for: the handler leaves out the code this deployment cannot use. */
export interface BundleTarget {
  readonly transport: Transport;
  /** The deployment's KAFKA_AUTH. */
  readonly kafkaAuth: KafkaAuthKind;
  /** Whether MODEL_ENDPOINT may name a Lambda function. */
  readonly lambdaModel: boolean;
  /** Whether the brokers are looked up with MSK's GetBootstrapBrokers (MSK_CLUSTER_ARN, no KAFKA_BROKER). */
  readonly clusterLookup: boolean;
  /** Whether the producer reads a private root CA from Secrets Manager (KAFKA_ROOT_CA_SECRET_ARN). */
  readonly rootCa: boolean;
}

const oneOf = <T extends string>(name: string, value: string, allowed: readonly T[]): T => {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${name} '${value}' is not one of ${allowed.join(', ')}`);
};

/**
 * The target of a function with this environment (the variables the handler reads, with its
 * defaults), so that the bundle is built for the configuration it runs with.
 *
 * @example
 * bundleTargetOf({ TRANSPORT: 'grpc', KAFKA_AUTH: 'iam', MODEL_ENDPOINT: 'grpc://model:8081' });
 * // { transport: 'grpc', kafkaAuth: 'iam', lambdaModel: false, clusterLookup: false, rootCa: false }
 */
export const bundleTargetOf = (environment: Readonly<Record<string, string | undefined>>): BundleTarget => ({
  transport: oneOf('TRANSPORT', environment['TRANSPORT'] ?? 'rest', TRANSPORTS),
  kafkaAuth: oneOf('KAFKA_AUTH', environment['KAFKA_AUTH'] ?? 'none', KAFKA_AUTH_KINDS),
  lambdaModel: (environment['MODEL_ENDPOINT'] ?? '').startsWith('lambda:'),
  clusterLookup: environment['MSK_CLUSTER_ARN'] !== undefined && environment['KAFKA_BROKER'] === undefined,
  rootCa: environment[ENV.kafkaRootCaSecretArn] !== undefined,
});

/**
 * What the bundle knows of its deployment, as esbuild `define`s the handler tests before each lazy
 * import: a REST bundle leaves out the gRPC code (@grpc/grpc-js, protobufjs, the descriptor: half
 * the bundle), and the AWS SDK clients are in only where they can be used (the MSK IAM signer and
 * its credential chain for `iam`, Secrets Manager for SCRAM, mTLS and a root CA, the Lambda client for a
 * Lambda model). Code that is in the bundle but never run still costs a cold start its parse.
 *
 * @example
 * bundleDefine({ transport: 'rest', kafkaAuth: 'iam', lambdaModel: false, clusterLookup: false, rootCa: false });
 * // { 'process.env.MSK_INFERENCE_BUNDLE_TRANSPORT': '"rest"', …KAFKA_AUTH: '"iam"', …LAMBDA_MODEL: '"false"' }
 */
export const bundleDefine = (target: BundleTarget): Record<string, string> => ({
  'process.env.MSK_INFERENCE_BUNDLE_TRANSPORT': JSON.stringify(target.transport),
  'process.env.MSK_INFERENCE_BUNDLE_KAFKA_AUTH': JSON.stringify(target.kafkaAuth),
  'process.env.MSK_INFERENCE_BUNDLE_LAMBDA_MODEL': JSON.stringify(String(target.lambdaModel)),
  'process.env.MSK_INFERENCE_BUNDLE_CLUSTER_LOOKUP': JSON.stringify(String(target.clusterLookup)),
  'process.env.MSK_INFERENCE_BUNDLE_ROOT_CA': JSON.stringify(String(target.rootCa)),
});

/**
 * {@link HANDLER_BUNDLING} as NodejsFunction's `bundling`, for a deployment like `target`.
 *
 * @example
 * new NodejsFunction(this, 'Function', {
 *   entry,
 *   bundling: nodejsFunctionBundling({ transport: 'rest', kafkaAuth: 'iam', lambdaModel: false, clusterLookup: true, rootCa: false }),
 * });
 */
export const nodejsFunctionBundling = (target: BundleTarget): BundlingOptions => ({
  target: HANDLER_BUNDLING.target,
  // OutputFormat.ESM is 'esm'; the enum itself would load aws-cdk-lib into the local tools.
  format: HANDLER_BUNDLING.format as OutputFormat,
  minify: HANDLER_BUNDLING.minify,
  sourceMap: HANDLER_BUNDLING.sourceMap,
  sourcesContent: HANDLER_BUNDLING.sourcesContent,
  mainFields: [...HANDLER_BUNDLING.mainFields],
  banner: HANDLER_BUNDLING.banner,
  externalModules: [...HANDLER_BUNDLING.externalModules],
  define: bundleDefine(target),
});

/**
 * {@link HANDLER_BUNDLING} as esbuild's build options for a deployment like `target`
 * (NodejsFunction adds `bundle` and `platform: 'node'` itself); the caller adds the entry point
 * and the output file.
 *
 * @example
 * const target = { transport: 'rest', kafkaAuth: 'none', lambdaModel: false, clusterLookup: false, rootCa: false } as const;
 * await build({ ...esbuildOptions(target), entryPoints: [entry], outfile: 'out/index.mjs' });
 */
export const esbuildOptions = (target: BundleTarget): BuildOptions => ({
  bundle: true,
  platform: 'node',
  target: HANDLER_BUNDLING.target,
  format: HANDLER_BUNDLING.format,
  minify: HANDLER_BUNDLING.minify,
  sourcemap: HANDLER_BUNDLING.sourceMap,
  sourcesContent: HANDLER_BUNDLING.sourcesContent,
  mainFields: [...HANDLER_BUNDLING.mainFields],
  banner: { js: HANDLER_BUNDLING.banner },
  external: [...HANDLER_BUNDLING.externalModules],
  define: bundleDefine(target),
  logLevel: 'warning',
});

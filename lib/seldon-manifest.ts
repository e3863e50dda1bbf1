import { parseAllDocuments } from 'yaml';
import type { Coalesce } from './coalesce.js';
import { ManifestError, type ManifestFinding } from './errors.js';
import {
  COALESCE_ANNOTATION,
  coalesceAnnotation,
  GLUE_REGISTRY_ANNOTATION,
  glueRegistryAnnotation,
  isObj,
  type Obj,
  oneGraphPerInput,
  type PlacedStream,
  topicsFit,
} from './manifest-checks.js';
import {
  PROTOCOLS,
  type Protocol,
  SELDON_APIS,
  type SeldonApi,
  TRANSPORTS,
  type Transport,
} from './props.js';

/** One predictor of a `serverType: kafka` SeldonDeployment, as a stream to deploy. */
export interface SeldonStreamSpec {
  /** `<deployment>-<predictor>`: the construct id, service name and consumer group. */
  readonly name: string;
  readonly deploymentName: string;
  readonly predictorName: string;
  /** `KAFKA_BROKER`, split at commas. */
  readonly bootstrapServers: string[];
  readonly inputTopic: string;
  readonly outputTopic: string;
  /** `KAFKA_ERROR_TOPIC`, or `<input>-errors`. */
  readonly errorTopic: string;
  /** `MODEL_ENDPOINT`, or built from `graph.endpoint` (see `modelEndpointFrom`). */
  readonly modelEndpoint: string;
  /**
   * Where `modelEndpoint` came from: `env` (MODEL_ENDPOINT) or `graph` (`graph.endpoint`, an address
   * inside the Seldon pod that Lambda cannot reach, so worth a warning unless overridden).
   */
  readonly modelEndpointFrom: 'env' | 'graph';
  /** `MODEL_NAME`, or `graph.name`. */
  readonly modelName: string;
  readonly protocol: Protocol;
  readonly transport: Transport;
  /** `SELDON_API` (graph or microservice), for the seldon protocol. */
  readonly seldonApi?: SeldonApi;
  /** The deployment's {@link COALESCE_ANNOTATION}, when set. */
  readonly coalesce?: Coalesce;
  /** The deployment's {@link GLUE_REGISTRY_ANNOTATION}, when set. */
  readonly glueSchemaRegistryArn?: string;
}

export { COALESCE_ANNOTATION, GLUE_REGISTRY_ANNOTATION };

/** The variables the admission webhook requires of a `serverType: kafka` predictor. */
export const REQUIRED_KAFKA_ENV = ['KAFKA_BROKER', 'KAFKA_INPUT_TOPIC', 'KAFKA_OUTPUT_TOPIC'] as const;

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

/** Reads `svcOrchSpec.env` (a Kubernetes EnvVar list) into a map, reporting what it cannot read. */
const readEnv = (env: unknown, path: string, findings: ManifestFinding[]): Map<string, string> => {
  const vars = new Map<string, string>();
  if (env === undefined) return vars;
  if (!Array.isArray(env)) {
    findings.push({ field: path, message: 'must be a list of {name, value}' });
    return vars;
  }
  env.forEach((entry, i) => {
    const name = isObj(entry) ? str(entry.name) : undefined;
    if (!isObj(entry) || name === undefined) {
      findings.push({ field: `${path}[${i}].name`, message: 'is required' });
    } else if (entry.valueFrom !== undefined) {
      findings.push({
        field: `${path}[${i}].valueFrom`,
        message: `${name}: valueFrom is not supported; give value`,
      });
    } else if (entry.value !== undefined) {
      vars.set(name, String(entry.value).trim());
    }
  });
  return vars;
};

/** Seldon's own default: the graph's endpoint, or the executor's ports (REST 9000, gRPC 5000). */
const graphEndpoint = (graph: Obj, transport: Transport): string => {
  const endpoint = isObj(graph.endpoint) ? graph.endpoint : {};
  const port =
    endpoint.service_port ?? endpoint.httpPort ?? endpoint.grpcPort ?? (transport === 'grpc' ? 5000 : 9000);
  const host = str(endpoint.service_host) ?? 'localhost';
  return `${transport === 'grpc' ? 'grpc' : 'http'}://${host}:${port}`;
};

interface DeploymentCommon {
  readonly protocol: Protocol;
  readonly transport: Transport;
  readonly coalesce?: Coalesce;
  readonly glueSchemaRegistryArn?: string;
}

const predictorStream = (
  deploymentName: string,
  predictor: unknown,
  at: string,
  common: DeploymentCommon,
  findings: ManifestFinding[],
): SeldonStreamSpec | undefined => {
  if (!isObj(predictor)) {
    findings.push({ field: at, message: 'must be a predictor object' });
    return undefined;
  }
  const predictorName = str(predictor.name);
  if (predictorName === undefined) findings.push({ field: `${at}.name`, message: 'is required' });
  const orch = isObj(predictor.svcOrchSpec) ? predictor.svcOrchSpec : {};
  const envPath = `${at}.svcOrchSpec.env`;
  const env = readEnv(orch.env, envPath, findings);
  for (const name of REQUIRED_KAFKA_ENV) {
    if (!env.get(name))
      findings.push({ field: envPath, message: `${name} is required for serverType: kafka` });
  }
  const graph = isObj(predictor.graph) ? predictor.graph : undefined;
  const modelName = env.get('MODEL_NAME') || str(graph?.name);
  if (graph === undefined) findings.push({ field: `${at}.graph`, message: 'is required' });
  else if (modelName === undefined) findings.push({ field: `${at}.graph.name`, message: 'is required' });
  const broker = env.get('KAFKA_BROKER');
  const inputTopic = env.get('KAFKA_INPUT_TOPIC');
  const outputTopic = env.get('KAFKA_OUTPUT_TOPIC');
  if (!predictorName || !broker || !inputTopic || !outputTopic || !graph || !modelName) return undefined;
  const errorTopicSet = env.get('KAFKA_ERROR_TOPIC');
  const errorTopic = errorTopicSet || `${inputTopic}-errors`;
  const topics = { input: inputTopic, output: outputTopic, error: errorTopic, errorSet: !!errorTopicSet };
  if (!topicsFit(topics, envPath, findings)) return undefined;

  const seldonApi = env.get('SELDON_API');
  if (seldonApi !== undefined && !(SELDON_APIS as readonly string[]).includes(seldonApi)) {
    findings.push({
      field: envPath,
      message: `SELDON_API '${seldonApi}' is not one of ${SELDON_APIS.join(', ')}`,
    });
    return undefined;
  }
  const modelEndpoint = env.get('MODEL_ENDPOINT');
  return {
    name: `${deploymentName}-${predictorName}`,
    deploymentName,
    predictorName,
    bootstrapServers: broker.split(',').map((b) => b.trim()),
    inputTopic,
    outputTopic,
    errorTopic,
    modelEndpoint: modelEndpoint || graphEndpoint(graph, common.transport),
    modelEndpointFrom: modelEndpoint ? 'env' : 'graph',
    modelName,
    protocol: common.protocol,
    transport: common.transport,
    ...(seldonApi ? { seldonApi: seldonApi as SeldonApi } : {}),
    ...(common.coalesce ? { coalesce: common.coalesce } : {}),
    ...(common.glueSchemaRegistryArn ? { glueSchemaRegistryArn: common.glueSchemaRegistryArn } : {}),
  };
};

const oneOf = <T extends string>(
  value: unknown,
  allowed: readonly T[],
  fallback: T,
  field: string,
  findings: ManifestFinding[],
): T => {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  findings.push({ field, message: `'${String(value)}' is not supported; allowed: ${allowed.join(', ')}` });
  return fallback;
};

/** One deployment's streams; `at` prefixes its fields in a file of several deployments. */
const deploymentStreams = (doc: Obj, at: string, findings: ManifestFinding[]): PlacedStream[] => {
  const metadata = isObj(doc.metadata) ? doc.metadata : {};
  const name = str(metadata.name);
  if (name === undefined) findings.push({ field: `${at}metadata.name`, message: 'is required' });
  const spec = isObj(doc.spec) ? doc.spec : undefined;
  if (spec === undefined) {
    findings.push({ field: `${at}spec`, message: 'is required' });
    return [];
  }
  if (spec.serverType !== 'kafka') {
    const got = spec.serverType === undefined ? 'unset (rpc)' : `'${String(spec.serverType)}'`;
    findings.push({
      field: `${at}spec.serverType`,
      message: `must be kafka to run as a Kafka stream (got ${got})`,
    });
  }
  const protocol = oneOf(spec.protocol, PROTOCOLS, 'seldon', `${at}spec.protocol`, findings);
  const transport = oneOf(spec.transport, TRANSPORTS, 'rest', `${at}spec.transport`, findings);
  const coalesce = coalesceAnnotation(metadata, transport, at, findings);
  const predictors = spec.predictors;
  if (!Array.isArray(predictors) || predictors.length === 0) {
    findings.push({ field: `${at}spec.predictors`, message: 'must list at least one predictor' });
    return [];
  }
  const glueSchemaRegistryArn = glueRegistryAnnotation(metadata, transport, at, findings);
  const common = {
    protocol,
    transport,
    ...(coalesce ? { coalesce } : {}),
    ...(glueSchemaRegistryArn ? { glueSchemaRegistryArn } : {}),
  };
  return predictors.flatMap((p, i) => {
    const path = `${at}spec.predictors[${i}]`;
    const stream = predictorStream(name ?? '', p, path, common, findings);
    return stream ? [{ stream, envPath: `${path}.svcOrchSpec.env` }] : [];
  });
};

/**
 * Reads a SeldonDeployment (`machinelearning.seldon.io`) with `spec.serverType: kafka` into one stream
 * per predictor, checking it the way Seldon's admission webhook does: every finding names its field.
 * A file may hold several deployments; then each field starts with its document, `documents[<n>].`.
 * Two predictors that read one input topic of one cluster are refused (see `oneGraphPerInput`).
 *
 * @param source - the manifest's file name, for messages
 * @throws ManifestError listing every finding
 * @example
 * const [stream] = parseSeldonDeployment(readFileSync('examples/tfserving-cifar10.yaml', 'utf8'));
 * stream.inputTopic; // 'cifar10-rest-input'
 */
export const parseSeldonDeployment = (text: string, source = 'manifest'): SeldonStreamSpec[] => {
  const docs = parseAllDocuments(text);
  const parseErrors = docs.flatMap((d) => d.errors);
  if (parseErrors.length > 0) {
    const findings = parseErrors.map((e) => ({
      field: `(line ${e.linePos?.[0].line ?? '?'})`,
      message: e.message,
    }));
    throw new ManifestError(source, findings, { cause: parseErrors[0] });
  }
  // Numbered in the file's order, empty documents included, as a reader counts them.
  const deployments = docs.flatMap((d, index) => {
    const doc = d.toJS() as unknown;
    return isObj(doc) && doc.kind === 'SeldonDeployment' ? [{ doc, index }] : [];
  });
  if (deployments.length === 0) {
    throw new ManifestError(source, [{ field: 'kind', message: 'no document of kind SeldonDeployment' }]);
  }
  const findings: ManifestFinding[] = [];
  const placed = deployments.flatMap(({ doc, index }) =>
    deploymentStreams(doc, deployments.length > 1 ? `documents[${index}].` : '', findings),
  );
  oneGraphPerInput(placed, findings);
  if (findings.length > 0) throw new ManifestError(source, findings);
  const streams = placed.map((p) => p.stream);
  const names = streams.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate)
    throw new ManifestError(source, [{ field: 'spec.predictors', message: `${duplicate} appears twice` }]);
  return streams;
};

import { parseAllDocuments } from 'yaml';
import { ManifestError, type ManifestFinding } from './errors.js';
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
}

/** The variables the admission webhook requires of a `serverType: kafka` predictor. */
export const REQUIRED_KAFKA_ENV = ['KAFKA_BROKER', 'KAFKA_INPUT_TOPIC', 'KAFKA_OUTPUT_TOPIC'] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
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

const predictorStream = (
  deploymentName: string,
  predictor: unknown,
  i: number,
  common: { protocol: Protocol; transport: Transport },
  findings: ManifestFinding[],
): SeldonStreamSpec | undefined => {
  const at = `spec.predictors[${i}]`;
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
    errorTopic: env.get('KAFKA_ERROR_TOPIC') || `${inputTopic}-errors`,
    modelEndpoint: modelEndpoint || graphEndpoint(graph, common.transport),
    modelEndpointFrom: modelEndpoint ? 'env' : 'graph',
    modelName,
    ...common,
    ...(seldonApi ? { seldonApi: seldonApi as SeldonApi } : {}),
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

const deploymentStreams = (doc: Obj, findings: ManifestFinding[]): SeldonStreamSpec[] => {
  const metadata = isObj(doc.metadata) ? doc.metadata : {};
  const name = str(metadata.name);
  if (name === undefined) findings.push({ field: 'metadata.name', message: 'is required' });
  const spec = isObj(doc.spec) ? doc.spec : undefined;
  if (spec === undefined) {
    findings.push({ field: 'spec', message: 'is required' });
    return [];
  }
  if (spec.serverType !== 'kafka') {
    const got = spec.serverType === undefined ? 'unset (rpc)' : `'${String(spec.serverType)}'`;
    findings.push({
      field: 'spec.serverType',
      message: `must be kafka to run as a Kafka stream (got ${got})`,
    });
  }
  const protocol = oneOf(spec.protocol, PROTOCOLS, 'seldon', 'spec.protocol', findings);
  const transport = oneOf(spec.transport, TRANSPORTS, 'rest', 'spec.transport', findings);
  const predictors = spec.predictors;
  if (!Array.isArray(predictors) || predictors.length === 0) {
    findings.push({ field: 'spec.predictors', message: 'must list at least one predictor' });
    return [];
  }
  const streams = predictors.map((p, i) =>
    predictorStream(name ?? '', p, i, { protocol, transport }, findings),
  );
  return streams.filter((s): s is SeldonStreamSpec => s !== undefined);
};

/**
 * Reads a SeldonDeployment (`machinelearning.seldon.io`) with `spec.serverType: kafka` into one stream
 * per predictor, checking it the way Seldon's admission webhook does: every finding names its field.
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
  const values = docs.map((d) => d.toJS() as unknown).filter((v) => v !== null && v !== undefined);
  const deployments = values.filter(isObj).filter((v) => v.kind === 'SeldonDeployment');
  if (deployments.length === 0) {
    throw new ManifestError(source, [{ field: 'kind', message: 'no document of kind SeldonDeployment' }]);
  }
  const findings: ManifestFinding[] = [];
  const streams = deployments.flatMap((d) => deploymentStreams(d, findings));
  if (findings.length > 0) throw new ManifestError(source, findings);
  const names = streams.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate)
    throw new ManifestError(source, [{ field: 'spec.predictors', message: `${duplicate} appears twice` }]);
  return streams;
};

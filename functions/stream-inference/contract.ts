/**
 * What the CDK construct (lib/) and the handler agree on: the environment variables the construct
 * sets and the handler reads, their allowed values, defaults and ranges, the metric names the
 * construct alarms on, the headers consumers read, and the grammars both sides check. One module,
 * no runtime dependencies: the construct imports it at synth, the handler at cold start, so the two
 * cannot drift.
 */

/** Every variable the handler reads at cold start. */
export const ENV = {
  kafkaBroker: 'KAFKA_BROKER',
  mskClusterArn: 'MSK_CLUSTER_ARN',
  inputTopic: 'KAFKA_INPUT_TOPIC',
  outputTopic: 'KAFKA_OUTPUT_TOPIC',
  errorTopic: 'KAFKA_ERROR_TOPIC',
  kafkaAuth: 'KAFKA_AUTH',
  kafkaTls: 'KAFKA_TLS',
  kafkaSecretArn: 'KAFKA_SECRET_ARN',
  /** A secret `{"certificate": "<PEM>"}`: the root CA the producer trusts (self-managed brokers on a private CA). */
  kafkaRootCaSecretArn: 'KAFKA_ROOT_CA_SECRET_ARN',
  kafkaClientId: 'KAFKA_CLIENT_ID',
  kafkaCompression: 'KAFKA_COMPRESSION',
  kafkaTransactional: 'KAFKA_TRANSACTIONAL',
  /** How long the broker keeps a transaction open before aborting it itself; the construct sets it. */
  kafkaTransactionTimeoutMs: 'KAFKA_TRANSACTION_TIMEOUT_MS',
  modelEndpoint: 'MODEL_ENDPOINT',
  modelName: 'MODEL_NAME',
  protocol: 'PROTOCOL',
  transport: 'TRANSPORT',
  seldonApi: 'SELDON_API',
  modelTimeoutMs: 'MODEL_TIMEOUT_MS',
  modelConcurrency: 'MODEL_CONCURRENCY',
  coalesceMaxRecords: 'COALESCE_MAX_RECORDS',
  reportBatchItemFailures: 'REPORT_BATCH_ITEM_FAILURES',
  safetyMarginMs: 'SAFETY_MARGIN_MS',
  retryBaseMs: 'RETRY_BASE_MS',
  retryMaxMs: 'RETRY_MAX_MS',
  maxRecordBytes: 'MAX_RECORD_BYTES',
  logPayloads: 'LOG_PAYLOADS',
  tracing: 'TRACING',
  /**
   * The event source mapping's schema registry `EventRecordFormat`, lower case: `json` (records
   * arrive decoded to JSON, with their schema's metadata) or `source`. Unset: no schema registry.
   */
  schemaRecordFormat: 'SCHEMA_RECORD_FORMAT',
} as const;
export type EnvName = (typeof ENV)[keyof typeof ENV];

/** `kfserving` and `v2` name the same Open Inference Protocol; the handler keeps one spelling. */
export const PROTOCOLS = ['seldon', 'tensorflow', 'kfserving', 'v2'] as const;
export const TRANSPORTS = ['rest', 'grpc'] as const;
export const SELDON_APIS = ['graph', 'microservice'] as const;
export const KAFKA_AUTHS = ['none', 'iam', 'scram-sha-256', 'scram-sha-512', 'mtls'] as const;
export const COMPRESSIONS = ['none', 'gzip'] as const;
export const SCHEMA_RECORD_FORMATS = ['json', 'source'] as const;

export type ProtocolName = (typeof PROTOCOLS)[number];
export type Transport = (typeof TRANSPORTS)[number];
export type SeldonApi = (typeof SELDON_APIS)[number];
export type KafkaAuth = (typeof KAFKA_AUTHS)[number];
export type Compression = (typeof COMPRESSIONS)[number];
export type SchemaRecordFormat = (typeof SCHEMA_RECORD_FORMATS)[number];

/** What the handler assumes when a variable is not set, and what the construct documents. */
export const DEFAULTS = {
  protocol: 'seldon',
  transport: 'rest',
  seldonApi: 'graph',
  kafkaAuth: 'none',
  compression: 'none',
  /** The handler's client id, and the prefix of the construct's per-stream one. */
  clientId: 'msk-inference',
  /** KAFKA_ERROR_TOPIC defaults to KAFKA_INPUT_TOPIC plus this. */
  errorTopicSuffix: '-errors',
  modelTimeoutMs: 10_000,
  /** Kafka's own default `transaction.timeout.ms`. */
  transactionTimeoutMs: 60_000,
  modelConcurrency: 16,
  /** One record per call: packing is opt-in (see {@link parseCoalesce}). */
  coalesceMaxRecords: 1,
  safetyMarginMs: 3_000,
  retryBaseMs: 100,
  retryMaxMs: 5_000,
  /** Under Kafka's default `message.max.bytes` (1,048,588) with room for the broker's framing. */
  maxRecordBytes: 1_000_000,
  serviceName: 'msk-inference',
  metricsNamespace: 'MskInference',
  /** Records without a `traceparent` start no trace (and get none on their outputs). */
  tracing: false,
} as const;

export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

/** The integer variables' bounds, checked at cold start and, for typed props, at synth. */
export const RANGES = {
  modelTimeoutMs: { min: 1, max: 900_000 },
  /** Up to a broker's default `transaction.max.timeout.ms` (15 minutes), which refuses more. */
  transactionTimeoutMs: { min: 1_000, max: 900_000 },
  modelConcurrency: { min: 1, max: 1_024 },
  coalesceMaxRecords: { min: 1, max: 10_000 },
  safetyMarginMs: { min: 0, max: 600_000 },
  retryBaseMs: { min: 1, max: 60_000 },
  retryMaxMs: { min: 1, max: 300_000 },
  /** Lambda's 6 MB invocation payload: no larger record ever reaches the function. */
  maxRecordBytes: { min: 1, max: 6_291_456 },
} as const satisfies Record<string, IntegerRange>;

/** The handler's metrics, in POWERTOOLS_METRICS_NAMESPACE with a `service` dimension. */
export const METRICS = {
  recordsIn: 'RecordsIn',
  recordsOut: 'RecordsOut',
  recordsDeadLettered: 'RecordsDeadLettered',
  recordsRetried: 'RecordsRetried',
  modelLatency: 'ModelLatency',
  /** Invocations whose event did not come from the configured cluster (nothing processed). */
  eventsRefused: 'EventsRefused',
  /** Records left for redelivery because the model refused the function's credentials. */
  modelUnauthorized: 'ModelUnauthorized',
  /** `COALESCE_MAX_RECORDS=auto`: the pack size learned, each time it changes. */
  coalescePackSize: 'CoalescePackSize',
} as const;
export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** How records of one partition share model calls (`COALESCE_MAX_RECORDS`). */
export type Coalesce =
  /** At most `maxRecords` per call; 1 sends each record alone. */
  | { readonly mode: 'fixed'; readonly maxRecords: number }
  /** Starts at `startRecords`, doubles while the model answers full packs, stays below a refused size. */
  | { readonly mode: 'auto'; readonly startRecords: number; readonly maxRecords: number };

/** `COALESCE_MAX_RECORDS=auto`: the first pack size, and the most it may learn (the variable's range). */
export const AUTO_COALESCE = {
  value: 'auto',
  startRecords: 16,
  maxRecords: RANGES.coalesceMaxRecords.max,
} as const;

export const COALESCE_RULE = `an integer from ${RANGES.coalesceMaxRecords.min} to ${RANGES.coalesceMaxRecords.max} (1 = each record alone), or ${AUTO_COALESCE.value}`;

/**
 * COALESCE_MAX_RECORDS (or the Seldon annotation) by its grammar, or what is wrong with it.
 *
 * @example
 * parseCoalesce('64'); // { coalesce: { mode: 'fixed', maxRecords: 64 } }
 * parseCoalesce('auto'); // { coalesce: { mode: 'auto', startRecords: 16, maxRecords: 10000 } }
 * parseCoalesce('0'); // { problem: "'0' is not allowed; allowed: an integer from 1 to 10000 (1 = each record alone), or auto" }
 */
export const parseCoalesce = (
  raw: string,
): { readonly coalesce: Coalesce } | { readonly problem: string } => {
  const v = raw.trim().toLowerCase();
  if (v === AUTO_COALESCE.value) {
    const { startRecords, maxRecords } = AUTO_COALESCE;
    return { coalesce: { mode: 'auto', startRecords, maxRecords } };
  }
  const n = Number(v);
  const { min, max } = RANGES.coalesceMaxRecords;
  if (v === '' || !Number.isInteger(n) || n < min || n > max) {
    return { problem: `'${raw}' is not allowed; allowed: ${COALESCE_RULE}` };
  }
  return { coalesce: { mode: 'fixed', maxRecords: n } };
};

/**
 * Whether records share calls: packs are JSON, so this needs TRANSPORT rest.
 *
 * @example
 * packsRecords({ mode: 'fixed', maxRecords: 1 }); // false
 */
export const packsRecords = (coalesce: Coalesce): boolean =>
  coalesce.mode === 'auto' || coalesce.maxRecords > 1;

/** Headers read from input records and written on output and error records. */
export const HEADERS = {
  /** Seldon's name of a gRPC record's protobuf message, e.g. `tensorflow.serving.PredictRequest`. */
  protoName: 'proto-name',
  contentType: 'content-type',
  /** `<topic>/<partition>/<offset>` of the input record (`sourceOf`). */
  source: 'msk-inference-source',
  error: 'msk-inference-error',
  errorKind: 'msk-inference-error-kind',
  /** The model's HTTP status or gRPC code, when it answered. */
  status: 'msk-inference-status',
  /** The input value's length, when the error record carries only its head. */
  truncated: 'msk-inference-truncated',
  /**
   * W3C Trace Context: read from input records (any case); on a traced record's output and error
   * record, the function's child span replaces the input's.
   *
   * @see https://www.w3.org/TR/trace-context/
   */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/** Headers in this namespace are the function's own: an input's are never carried over. */
export const OWN_HEADER_PREFIX = 'msk-inference-';

/** A Kafka topic name. */
export const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
/** One bootstrap server, `host:port` (no scheme, no path). */
export const BROKER_ADDRESS = /^[^\s:/]+:\d{1,5}$/;
/** No `*` or `/`: the client id starts the transactional ids, and their ARN in the role's grant. */
export const CLIENT_ID = /^[a-zA-Z0-9._-]{1,200}$/;
/**
 * `arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>`, with those five as groups.
 *
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html#msk-iam-resources
 */
export const MSK_CLUSTER_ARN = /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):(\d{12}):cluster\/([^/\s]+)\/([^/\s]+)$/;

export const TOPIC_NAME_RULE = "letters, digits, '.', '_', '-'; 1-249 chars";
export const MSK_CLUSTER_ARN_RULE = 'arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>';
export const MODEL_ENDPOINT_RULE =
  'http(s)://host[:port][/base], grpc(s)://host:port, or lambda:<function name or ARN>';

export type ModelEndpoint =
  | { readonly kind: 'http'; readonly url: URL }
  | { readonly kind: 'grpc'; readonly address: string; readonly tls: boolean }
  | { readonly kind: 'lambda'; readonly functionName: string };

/**
 * MODEL_ENDPOINT by its grammar, with the transport it needs, or what is wrong with it.
 *
 * @example
 * parseModelEndpoint('grpc://mlserver:8081', 'grpc'); // { endpoint: { kind: 'grpc', address: 'mlserver:8081', tls: false } }
 * parseModelEndpoint('grpc://mlserver:8081', 'rest'); // { problem: "TRANSPORT is rest, so it must be http(s):// or lambda:" }
 */
export const parseModelEndpoint = (
  raw: string,
  transport: Transport,
): { readonly endpoint: ModelEndpoint } | { readonly problem: string } => {
  if (raw.startsWith('lambda:')) {
    const functionName = raw.slice('lambda:'.length);
    if (functionName === '')
      return { problem: `'${raw}' names no function; allowed: ${MODEL_ENDPOINT_RULE}` };
    if (transport === 'grpc') return { problem: 'TRANSPORT is grpc, so it must be grpc(s)://host:port' };
    return { endpoint: { kind: 'lambda', functionName } };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: `'${raw}' is not a URL; allowed: ${MODEL_ENDPOINT_RULE}` };
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    if (transport === 'grpc') return { problem: 'TRANSPORT is grpc, so it must be grpc(s)://host:port' };
    return { endpoint: { kind: 'http', url } };
  }
  if (url.protocol === 'grpc:' || url.protocol === 'grpcs:') {
    if (url.port === '') return { problem: `'${raw}' has no port; allowed: ${MODEL_ENDPOINT_RULE}` };
    if (transport === 'rest') return { problem: 'TRANSPORT is rest, so it must be http(s):// or lambda:' };
    return {
      endpoint: { kind: 'grpc', address: `${url.hostname}:${url.port}`, tls: url.protocol === 'grpcs:' },
    };
  }
  return { problem: `scheme '${url.protocol}' is not allowed; allowed: ${MODEL_ENDPOINT_RULE}` };
};

/** The three topics of a stream, by the variable that names each. */
export interface StreamTopics {
  readonly input?: string | undefined;
  readonly output: string;
  readonly error: string;
}

/**
 * Why the topics cannot work together, and which one to change: an output equal to the input feeds
 * every prediction back in as a request (a loop), an error topic equal to either mixes error records
 * into predictions or requests.
 *
 * @example
 * topicsClash({ input: 'in', output: 'in', error: 'in-errors' });
 * // { topic: 'output', problem: "is the input topic 'in': every prediction would come back as a request (a loop)" }
 */
export const topicsClash = (
  topics: StreamTopics,
): { readonly topic: 'output' | 'error'; readonly problem: string } | undefined => {
  const { input, output, error } = topics;
  if (output === input) {
    return {
      topic: 'output',
      problem: `is the input topic '${input}': every prediction would come back as a request (a loop)`,
    };
  }
  if (error === output) {
    return {
      topic: 'error',
      problem: `is the output topic '${output}': consumers would read error records as predictions`,
    };
  }
  if (error === input) {
    return {
      topic: 'error',
      problem: `is the input topic '${input}': every bad record would come back as a request (a loop)`,
    };
  }
  return undefined;
};

import {
  BROKER_ADDRESS,
  COMPRESSIONS,
  type Coalesce,
  type Compression,
  DEFAULTS,
  ENV,
  type IntegerRange,
  KAFKA_AUTHS,
  type KafkaAuth,
  type ModelEndpoint,
  MSK_CLUSTER_ARN,
  MSK_CLUSTER_ARN_RULE,
  PROTOCOLS,
  packsRecords,
  parseCoalesce,
  parseModelEndpoint,
  RANGES,
  SCHEMA_RECORD_FORMATS,
  type SchemaRecordFormat,
  SELDON_APIS,
  type SeldonApi,
  TOPIC_NAME,
  TOPIC_NAME_RULE,
  TRANSPORTS,
  type Transport,
  topicsClash,
} from './contract.js';
import { ConfigError } from './failures.js';

/** `kfserving` and `v2` name the same Open Inference Protocol; the config keeps one spelling. */
export type Protocol = 'seldon' | 'tensorflow' | 'v2';
export type { Coalesce, KafkaAuth, ModelEndpoint, SchemaRecordFormat, SeldonApi, Transport };

export interface KafkaConfig {
  /**
   * KAFKA_BROKER. When neither it nor `clusterArn` is set (local development), the brokers are
   * pinned to the first event's bootstrapServers for the container's lifetime (see brokers.ts).
   */
  readonly brokers?: readonly string[];
  /**
   * MSK_CLUSTER_ARN: events must come from this cluster, and, without KAFKA_BROKER, the brokers
   * are looked up from it once per container (GetBootstrapBrokers).
   */
  readonly clusterArn?: string;
  readonly inputTopic?: string;
  readonly outputTopic: string;
  readonly errorTopic: string;
  readonly auth: KafkaAuth;
  readonly tls: boolean;
  readonly secretArn?: string;
  /** KAFKA_ROOT_CA_SECRET_ARN: a secret `{"certificate": "<PEM>"}`, the only CA the producer's TLS trusts. */
  readonly rootCaSecretArn?: string;
  readonly clientId: string;
  /** Producer compression for output and error records. */
  readonly compression: Compression;
  /**
   * Publish each input partition's share of a batch in one Kafka transaction, with that partition's
   * next offset committed to the group `<clientId>-published` in the same transaction, so that
   * read_committed consumers see each record once (outbound/transactional-publisher.ts).
   */
  readonly transactional: boolean;
  /**
   * SCHEMA_RECORD_FORMAT: how the mapping's schema registry delivers records. With `json` each
   * record's value is its decoded form, as JSON: the model request itself (REST only).
   */
  readonly schemaRecordFormat?: SchemaRecordFormat;
  /**
   * How long the broker keeps a transaction open before it aborts it itself: a transaction nobody
   * fences holds read_committed readers of its partitions back that long.
   */
  readonly transactionTimeoutMs: number;
}

export interface ModelConfig {
  readonly endpoint: ModelEndpoint;
  readonly name: string;
  readonly protocol: Protocol;
  readonly transport: Transport;
  readonly seldonApi: SeldonApi;
  readonly timeoutMs: number;
  /** Model calls in flight at once across all partitions of a batch. */
  readonly concurrency: number;
  /** Records of one partition packed into one model call along the batch dimension. */
  readonly coalesce: Coalesce;
}

export interface PipelineConfig {
  /** Must match the event source mapping's `FunctionResponseTypes: [ReportBatchItemFailures]`. */
  readonly reportBatchItemFailures: boolean;
  /** Time kept back from the Lambda deadline to publish and return. */
  readonly safetyMarginMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Largest record value accepted from the input topic and produced to the output topic. */
  readonly maxRecordBytes: number;
  /** When set, the record headers and payloads are logged (debugging only). */
  readonly logPayloads: boolean;
  /** TRACING: records without a `traceparent` start a trace too (from the active context). */
  readonly tracing: boolean;
}

export interface Config {
  readonly kafka: KafkaConfig;
  readonly model: ModelConfig;
  readonly pipeline: PipelineConfig;
}

type Env = Readonly<Record<string, string | undefined>>;

const value = (env: Env, name: string): string | undefined => {
  const raw = env[name]?.trim();
  return raw === '' ? undefined : raw;
};

const required = (env: Env, name: string, hint: string): string => {
  const v = value(env, name);
  if (v === undefined) throw new ConfigError(name, `is required (${hint})`);
  return v;
};

const oneOf = <T extends string>(env: Env, name: string, allowed: readonly T[], fallback?: T): T => {
  const v = value(env, name)?.toLowerCase() ?? fallback;
  if (v === undefined) throw new ConfigError(name, `is required; allowed: ${allowed.join(' | ')}`);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(name, `'${v}' is not allowed; allowed: ${allowed.join(' | ')}`);
  }
  return v as T;
};

const integer = (env: Env, name: string, fallback: number, { min, max }: IntegerRange): number => {
  const v = value(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `'${v}' is not allowed; an integer from ${min} to ${max}`);
  }
  return n;
};

const coalesceOf = (env: Env): Coalesce => {
  const v = value(env, ENV.coalesceMaxRecords);
  if (v === undefined) return { mode: 'fixed', maxRecords: DEFAULTS.coalesceMaxRecords };
  const parsed = parseCoalesce(v);
  if ('problem' in parsed) throw new ConfigError(ENV.coalesceMaxRecords, parsed.problem);
  return parsed.coalesce;
};

const bool = (env: Env, name: string, fallback: boolean): boolean => {
  const v = value(env, name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(name, `'${v}' is not allowed; allowed: true | false`);
};

const topicName = (name: string, v: string): string => {
  if (!TOPIC_NAME.test(v))
    throw new ConfigError(name, `'${v}' is not a Kafka topic name (${TOPIC_NAME_RULE})`);
  return v;
};

const brokerList = (v: string): string[] => {
  const brokers = v
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  for (const b of brokers) {
    if (!BROKER_ADDRESS.test(b)) {
      throw new ConfigError(ENV.kafkaBroker, `'${b}' is not host:port; a comma-separated list of host:port`);
    }
  }
  return brokers;
};

const clusterArn = (v: string): string => {
  if (!MSK_CLUSTER_ARN.test(v)) {
    throw new ConfigError(
      ENV.mskClusterArn,
      `'${v}' is not an MSK cluster ARN; allowed: ${MSK_CLUSTER_ARN_RULE}`,
    );
  }
  return v;
};

/**
 * A schema registry's JSON records are JSON requests: gRPC has no JSON form of its messages here,
 * so `json` needs TRANSPORT rest. `source` records are as the producer wrote them, for either.
 */
const schemaRecordFormatOf = (env: Env, transport: Transport): SchemaRecordFormat | undefined => {
  if (value(env, ENV.schemaRecordFormat) === undefined) return undefined;
  const format = oneOf(env, ENV.schemaRecordFormat, SCHEMA_RECORD_FORMATS);
  if (format === 'json' && transport !== 'rest') {
    throw new ConfigError(
      ENV.schemaRecordFormat,
      `is json: the mapping delivers records decoded to JSON, which are REST requests; it needs ${ENV.transport} rest`,
    );
  }
  return format;
};

/**
 * Reads and validates the whole configuration once, at cold start. Every error names the variable
 * and what it allows, so a misconfigured function fails on its first invocation with a clear log.
 *
 * @example
 * const config = loadConfig(process.env);
 */
export const loadConfig = (env: Env = process.env): Config => {
  const protocolRaw = oneOf(env, ENV.protocol, PROTOCOLS, DEFAULTS.protocol);
  const protocol: Protocol = protocolRaw === 'kfserving' ? 'v2' : protocolRaw;
  const transport = oneOf(env, ENV.transport, TRANSPORTS, DEFAULTS.transport);
  const parsed = parseModelEndpoint(required(env, ENV.modelEndpoint, 'where the model answers'), transport);
  if ('problem' in parsed) throw new ConfigError(ENV.modelEndpoint, parsed.problem);
  const modelName = value(env, ENV.modelName);
  if (modelName === undefined && protocol !== 'seldon') {
    throw new ConfigError(
      ENV.modelName,
      `is required for PROTOCOL ${protocolRaw} (it is part of the model's path)`,
    );
  }

  const coalesce = coalesceOf(env);
  if (packsRecords(coalesce) && transport !== 'rest') {
    throw new ConfigError(
      ENV.coalesceMaxRecords,
      'packs JSON requests: it needs TRANSPORT rest (leave it at 1)',
    );
  }

  const inputTopicRaw = value(env, ENV.inputTopic);
  const inputTopic = inputTopicRaw === undefined ? undefined : topicName(ENV.inputTopic, inputTopicRaw);
  const outputTopic = topicName(
    ENV.outputTopic,
    required(env, ENV.outputTopic, 'where predictions are published'),
  );
  const errorTopicRaw =
    value(env, ENV.errorTopic) ??
    (inputTopic === undefined ? undefined : `${inputTopic}${DEFAULTS.errorTopicSuffix}`);
  if (errorTopicRaw === undefined) {
    throw new ConfigError(ENV.errorTopic, `is required when ${ENV.inputTopic} is not set`);
  }
  const errorTopic = topicName(ENV.errorTopic, errorTopicRaw);
  const clash = topicsClash({ input: inputTopic, output: outputTopic, error: errorTopic });
  if (clash !== undefined) {
    throw new ConfigError(clash.topic === 'output' ? ENV.outputTopic : ENV.errorTopic, clash.problem);
  }

  const auth = oneOf(env, ENV.kafkaAuth, KAFKA_AUTHS, DEFAULTS.kafkaAuth);
  const secretArn = value(env, ENV.kafkaSecretArn);
  if ((auth.startsWith('scram') || auth === 'mtls') && secretArn === undefined) {
    throw new ConfigError(ENV.kafkaSecretArn, `is required when ${ENV.kafkaAuth} is ${auth}`);
  }
  const rootCaSecretArn = value(env, ENV.kafkaRootCaSecretArn);
  // IAM, SCRAM and mTLS on MSK all run over TLS; plaintext only when asked for.
  const tls = bool(env, ENV.kafkaTls, auth !== 'none' || rootCaSecretArn !== undefined);
  if (rootCaSecretArn !== undefined && !tls) {
    throw new ConfigError(
      ENV.kafkaRootCaSecretArn,
      `needs ${ENV.kafkaTls} true: the root CA is checked over TLS`,
    );
  }
  const brokers = value(env, ENV.kafkaBroker);
  const clusterArnRaw = value(env, ENV.mskClusterArn);
  const schemaRecordFormat = schemaRecordFormatOf(env, transport);

  return {
    kafka: {
      ...(brokers === undefined ? {} : { brokers: brokerList(brokers) }),
      ...(clusterArnRaw === undefined ? {} : { clusterArn: clusterArn(clusterArnRaw) }),
      ...(inputTopic === undefined ? {} : { inputTopic }),
      outputTopic,
      errorTopic,
      auth,
      tls,
      ...(secretArn === undefined ? {} : { secretArn }),
      ...(rootCaSecretArn === undefined ? {} : { rootCaSecretArn }),
      clientId: value(env, ENV.kafkaClientId) ?? DEFAULTS.clientId,
      compression: oneOf(env, ENV.kafkaCompression, COMPRESSIONS, DEFAULTS.compression),
      transactional: bool(env, ENV.kafkaTransactional, false),
      ...(schemaRecordFormat === undefined ? {} : { schemaRecordFormat }),
      transactionTimeoutMs: integer(
        env,
        ENV.kafkaTransactionTimeoutMs,
        DEFAULTS.transactionTimeoutMs,
        RANGES.transactionTimeoutMs,
      ),
    },
    model: {
      endpoint: parsed.endpoint,
      name: modelName ?? '',
      protocol,
      transport,
      seldonApi: oneOf(env, ENV.seldonApi, SELDON_APIS, DEFAULTS.seldonApi),
      timeoutMs: integer(env, ENV.modelTimeoutMs, DEFAULTS.modelTimeoutMs, RANGES.modelTimeoutMs),
      concurrency: integer(env, ENV.modelConcurrency, DEFAULTS.modelConcurrency, RANGES.modelConcurrency),
      coalesce,
    },
    pipeline: {
      reportBatchItemFailures: bool(env, ENV.reportBatchItemFailures, true),
      safetyMarginMs: integer(env, ENV.safetyMarginMs, DEFAULTS.safetyMarginMs, RANGES.safetyMarginMs),
      retryBaseMs: integer(env, ENV.retryBaseMs, DEFAULTS.retryBaseMs, RANGES.retryBaseMs),
      retryMaxMs: integer(env, ENV.retryMaxMs, DEFAULTS.retryMaxMs, RANGES.retryMaxMs),
      maxRecordBytes: integer(env, ENV.maxRecordBytes, DEFAULTS.maxRecordBytes, RANGES.maxRecordBytes),
      logPayloads: bool(env, ENV.logPayloads, false),
      tracing: bool(env, ENV.tracing, DEFAULTS.tracing),
    },
  };
};

import { ConfigError } from './errors.js';

export const PROTOCOLS = ['seldon', 'tensorflow', 'kfserving', 'v2'] as const;
export const TRANSPORTS = ['rest', 'grpc'] as const;
export const SELDON_APIS = ['graph', 'microservice'] as const;
export const KAFKA_AUTHS = ['none', 'iam', 'scram-sha-256', 'scram-sha-512', 'mtls'] as const;

/** `kfserving` and `v2` name the same Open Inference Protocol; the config keeps one spelling. */
export type Protocol = 'seldon' | 'tensorflow' | 'v2';
export type Transport = (typeof TRANSPORTS)[number];
export type SeldonApi = (typeof SELDON_APIS)[number];
export type KafkaAuth = (typeof KAFKA_AUTHS)[number];

export type ModelEndpoint =
  | { readonly kind: 'http'; readonly url: URL }
  | { readonly kind: 'grpc'; readonly address: string; readonly tls: boolean }
  | { readonly kind: 'lambda'; readonly functionName: string };

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
  readonly clientId: string;
  /** Producer compression for output and error records. */
  readonly compression: 'none' | 'gzip';
  /**
   * Publish each batch's records in one Kafka transaction, so read_committed consumers never see
   * half a batch. Each warm container gets its own transactional id: Lambda runs many at once.
   */
  readonly transactional: boolean;
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
  /** Records of one partition packed into one model call along the batch dimension (1 = off). */
  readonly coalesceMaxRecords: number;
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

const integer = (env: Env, name: string, fallback: number, min: number, max: number): number => {
  const v = value(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `'${v}' is not allowed; an integer from ${min} to ${max}`);
  }
  return n;
};

const bool = (env: Env, name: string, fallback: boolean): boolean => {
  const v = value(env, name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(name, `'${v}' is not allowed; allowed: true | false`);
};

const topicName = (name: string, v: string): string => {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(v)) {
    throw new ConfigError(
      name,
      `'${v}' is not a Kafka topic name (letters, digits, '.', '_', '-'; 1-249 chars)`,
    );
  }
  return v;
};

const brokerList = (v: string): string[] => {
  const brokers = v
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) {
      throw new ConfigError('KAFKA_BROKER', `'${b}' is not host:port; a comma-separated list of host:port`);
    }
  }
  return brokers;
};

/**
 * `arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>`, the form the construct accepts
 * for its cluster ARN (lib/msk-arns.ts), so that whatever it deploys passes here.
 *
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html#msk-iam-resources
 */
const CLUSTER_ARN = /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[^/\s]+\/[^/\s]+$/;

const clusterArn = (v: string): string => {
  if (!CLUSTER_ARN.test(v)) {
    throw new ConfigError(
      'MSK_CLUSTER_ARN',
      `'${v}' is not an MSK cluster ARN; allowed: arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>`,
    );
  }
  return v;
};

const parseEndpoint = (raw: string): ModelEndpoint => {
  const name = 'MODEL_ENDPOINT';
  const allowed = 'http(s)://host[:port][/base], grpc(s)://host:port, or lambda:<function name or ARN>';
  if (raw.startsWith('lambda:')) {
    const functionName = raw.slice('lambda:'.length);
    if (functionName === '') throw new ConfigError(name, `'${raw}' names no function; allowed: ${allowed}`);
    return { kind: 'lambda', functionName };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw Object.assign(new ConfigError(name, `'${raw}' is not a URL; allowed: ${allowed}`), { cause });
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return { kind: 'http', url };
  if (url.protocol === 'grpc:' || url.protocol === 'grpcs:') {
    if (url.port === '') throw new ConfigError(name, `'${raw}' has no port; allowed: ${allowed}`);
    return { kind: 'grpc', address: `${url.hostname}:${url.port}`, tls: url.protocol === 'grpcs:' };
  }
  throw new ConfigError(name, `scheme '${url.protocol}' is not allowed; allowed: ${allowed}`);
};

/**
 * Reads and validates the whole configuration once, at cold start. Every error names the variable
 * and what it allows, so a misconfigured function fails on its first invocation with a clear log.
 *
 * @example
 * const config = loadConfig(process.env);
 */
export const loadConfig = (env: Env = process.env): Config => {
  const protocolRaw = oneOf(env, 'PROTOCOL', PROTOCOLS, 'seldon');
  const protocol: Protocol = protocolRaw === 'kfserving' ? 'v2' : protocolRaw;
  const transport = oneOf(env, 'TRANSPORT', TRANSPORTS, 'rest');
  const endpoint = parseEndpoint(required(env, 'MODEL_ENDPOINT', 'where the model answers'));
  if (transport === 'grpc' && endpoint.kind !== 'grpc') {
    throw new ConfigError('MODEL_ENDPOINT', `TRANSPORT is grpc, so it must be grpc(s)://host:port`);
  }
  if (transport === 'rest' && endpoint.kind === 'grpc') {
    throw new ConfigError('MODEL_ENDPOINT', `TRANSPORT is rest, so it must be http(s):// or lambda:`);
  }
  const modelName = value(env, 'MODEL_NAME');
  if (modelName === undefined && protocol !== 'seldon') {
    throw new ConfigError(
      'MODEL_NAME',
      `is required for PROTOCOL ${protocolRaw} (it is part of the model's path)`,
    );
  }

  const coalesceMaxRecords = integer(env, 'COALESCE_MAX_RECORDS', 1, 1, 10_000);
  if (coalesceMaxRecords > 1 && transport !== 'rest') {
    throw new ConfigError(
      'COALESCE_MAX_RECORDS',
      'packs JSON requests: it needs TRANSPORT rest (leave it at 1)',
    );
  }

  const inputTopicRaw = value(env, 'KAFKA_INPUT_TOPIC');
  const inputTopic = inputTopicRaw === undefined ? undefined : topicName('KAFKA_INPUT_TOPIC', inputTopicRaw);
  const outputTopic = topicName(
    'KAFKA_OUTPUT_TOPIC',
    required(env, 'KAFKA_OUTPUT_TOPIC', 'where predictions are published'),
  );
  const errorTopicRaw =
    value(env, 'KAFKA_ERROR_TOPIC') ?? (inputTopic === undefined ? undefined : `${inputTopic}-errors`);
  if (errorTopicRaw === undefined) {
    throw new ConfigError('KAFKA_ERROR_TOPIC', 'is required when KAFKA_INPUT_TOPIC is not set');
  }
  const errorTopic = topicName('KAFKA_ERROR_TOPIC', errorTopicRaw);
  if (errorTopic === outputTopic || errorTopic === inputTopic || outputTopic === inputTopic) {
    throw new ConfigError(
      'KAFKA_OUTPUT_TOPIC',
      'input, output and error topics must be three different topics',
    );
  }

  const auth = oneOf(env, 'KAFKA_AUTH', KAFKA_AUTHS, 'none');
  const secretArn = value(env, 'KAFKA_SECRET_ARN');
  if ((auth.startsWith('scram') || auth === 'mtls') && secretArn === undefined) {
    throw new ConfigError('KAFKA_SECRET_ARN', `is required when KAFKA_AUTH is ${auth}`);
  }
  const brokers = value(env, 'KAFKA_BROKER');
  const clusterArnRaw = value(env, 'MSK_CLUSTER_ARN');

  return {
    kafka: {
      ...(brokers === undefined ? {} : { brokers: brokerList(brokers) }),
      ...(clusterArnRaw === undefined ? {} : { clusterArn: clusterArn(clusterArnRaw) }),
      ...(inputTopic === undefined ? {} : { inputTopic }),
      outputTopic,
      errorTopic,
      auth,
      // IAM, SCRAM and mTLS on MSK all run over TLS; plaintext only when asked for.
      tls: bool(env, 'KAFKA_TLS', auth !== 'none'),
      ...(secretArn === undefined ? {} : { secretArn }),
      clientId: value(env, 'KAFKA_CLIENT_ID') ?? 'msk-inference',
      compression: oneOf(env, 'KAFKA_COMPRESSION', ['none', 'gzip'] as const, 'none'),
      transactional: bool(env, 'KAFKA_TRANSACTIONAL', false),
    },
    model: {
      endpoint,
      name: modelName ?? '',
      protocol,
      transport,
      seldonApi: oneOf(env, 'SELDON_API', SELDON_APIS, 'graph'),
      timeoutMs: integer(env, 'MODEL_TIMEOUT_MS', 10_000, 1, 900_000),
      concurrency: integer(env, 'MODEL_CONCURRENCY', 16, 1, 1024),
      coalesceMaxRecords,
    },
    pipeline: {
      reportBatchItemFailures: bool(env, 'REPORT_BATCH_ITEM_FAILURES', true),
      safetyMarginMs: integer(env, 'SAFETY_MARGIN_MS', 3_000, 0, 600_000),
      retryBaseMs: integer(env, 'RETRY_BASE_MS', 100, 1, 60_000),
      retryMaxMs: integer(env, 'RETRY_MAX_MS', 5_000, 1, 300_000),
      maxRecordBytes: integer(env, 'MAX_RECORD_BYTES', 1_000_000, 1, 6_291_456),
      logPayloads: bool(env, 'LOG_PAYLOADS', false),
    },
  };
};

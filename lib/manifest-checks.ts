import {
  packsRecords,
  parseCoalesce,
  TOPIC_NAME,
  TOPIC_NAME_RULE,
  topicsClash,
} from '../functions/stream-inference/contract.js';
import { Coalesce } from './coalesce.js';
import type { ManifestFinding } from './errors.js';
import type { Transport } from './props.js';
import { GLUE_REGISTRY_ARN, GLUE_REGISTRY_ARN_RULE } from './schema-registry.js';
import type { SeldonStreamSpec } from './seldon-manifest.js';

/**
 * The annotation of a SeldonDeployment (`metadata.annotations`) that sets its streams' `coalesce`:
 * records of one partition packed into one model call (REST only), a number or `auto`.
 */
export const COALESCE_ANNOTATION = 'msk-inference/coalesce-max-records';

/**
 * The annotation of a SeldonDeployment that names the AWS Glue schema registry its streams' mappings
 * validate records with, delivered decoded to JSON (`StreamSchemaRegistry.glue(arn)`; REST only).
 */
export const GLUE_REGISTRY_ANNOTATION = 'msk-inference/glue-schema-registry';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The three topics of a predictor, the error topic defaulted to `<input>-errors` when unset. */
export interface PredictorTopics {
  readonly input: string;
  readonly output: string;
  readonly error: string;
  /** Whether `KAFKA_ERROR_TOPIC` was set, or `error` is the default. */
  readonly errorSet: boolean;
}

/**
 * Topic names Kafka takes, and no loop or mix-up between them (the handler's own rule,
 * contract.ts `topicsClash`), each finding naming the variable at `envPath`.
 *
 * @returns whether the topics fit
 */
export const topicsFit = (topics: PredictorTopics, envPath: string, findings: ManifestFinding[]): boolean => {
  const before = findings.length;
  const named = [
    ['KAFKA_INPUT_TOPIC', topics.input],
    ['KAFKA_OUTPUT_TOPIC', topics.output],
    ['KAFKA_ERROR_TOPIC', topics.error],
  ] as const;
  for (const [name, topic] of named) {
    if (!TOPIC_NAME.test(topic)) {
      findings.push({
        field: envPath,
        message: `${name} '${topic}' is not a Kafka topic name (${TOPIC_NAME_RULE})`,
      });
    }
  }
  if (findings.length > before) return false;
  const clash = topicsClash(topics);
  if (clash === undefined) return true;
  const name = clash.topic === 'output' ? 'KAFKA_OUTPUT_TOPIC' : 'KAFKA_ERROR_TOPIC';
  const unset = clash.topic === 'error' && !topics.errorSet ? ` (unset, so '${topics.error}')` : '';
  findings.push({ field: envPath, message: `${name}${unset} ${clash.problem}` });
  return false;
};

/**
 * The deployment's {@link COALESCE_ANNOTATION}: `auto`, or an integer in the handler's range
 * (the handler's own grammar, contract.ts `parseCoalesce`); packing for REST only.
 */
export const coalesceAnnotation = (
  metadata: Obj,
  transport: Transport,
  at: string,
  findings: ManifestFinding[],
): Coalesce | undefined => {
  const annotations = isObj(metadata.annotations) ? metadata.annotations : {};
  const raw = annotations[COALESCE_ANNOTATION];
  if (raw === undefined) return undefined;
  const field = `${at}metadata.annotations["${COALESCE_ANNOTATION}"]`;
  const parsed = parseCoalesce(typeof raw === 'string' ? raw : JSON.stringify(raw));
  if ('problem' in parsed) {
    findings.push({ field, message: parsed.problem });
    return undefined;
  }
  const { coalesce } = parsed;
  if (packsRecords(coalesce) && transport !== 'rest') {
    findings.push({ field, message: 'packs JSON requests: it needs spec.transport rest' });
    return undefined;
  }
  return coalesce.mode === 'auto' ? Coalesce.auto() : Coalesce.records(coalesce.maxRecords);
};

/**
 * The deployment's {@link GLUE_REGISTRY_ANNOTATION}: a Glue registry ARN, for REST only (the
 * records arrive decoded to JSON, which are REST requests).
 */
export const glueRegistryAnnotation = (
  metadata: Obj,
  transport: Transport,
  at: string,
  findings: ManifestFinding[],
): string | undefined => {
  const annotations = isObj(metadata.annotations) ? metadata.annotations : {};
  const raw = annotations[GLUE_REGISTRY_ANNOTATION];
  if (raw === undefined) return undefined;
  const field = `${at}metadata.annotations["${GLUE_REGISTRY_ANNOTATION}"]`;
  if (typeof raw !== 'string' || !GLUE_REGISTRY_ARN.test(raw.trim())) {
    findings.push({
      field,
      message: `'${String(raw)}' is not a Glue registry ARN (${GLUE_REGISTRY_ARN_RULE})`,
    });
    return undefined;
  }
  if (transport !== 'rest') {
    findings.push({ field, message: 'delivers records decoded to JSON: it needs spec.transport rest' });
    return undefined;
  }
  return raw.trim();
};

/** A stream and the field of the variables it came from, for findings about several streams. */
export interface PlacedStream {
  readonly stream: SeldonStreamSpec;
  readonly envPath: string;
}

/**
 * One graph per input topic. In Seldon each predictor is a graph, and with `serverType: kafka` each
 * consumes its input topic in a consumer group of its own (`<predictor>.<deployment>.<namespace>`,
 * executor/api/kafka/server.go): two predictors on one topic of one cluster would each answer
 * every record, and `traffic` splits nothing. So it is here, one mapping and group per predictor.
 *
 * @see https://github.com/SeldonIO/seldon-core/blob/master/executor/api/kafka/server.go
 */
export const oneGraphPerInput = (placed: readonly PlacedStream[], findings: ManifestFinding[]): void => {
  const readers = new Map<string, PlacedStream>();
  for (const p of placed) {
    const { inputTopic, bootstrapServers } = p.stream;
    const key = `${[...bootstrapServers].sort().join(',')}/${inputTopic}`;
    const first = readers.get(key);
    if (first === undefined) {
      readers.set(key, p);
      continue;
    }
    findings.push({
      field: p.envPath,
      message:
        `KAFKA_INPUT_TOPIC '${inputTopic}' is also read by ${first.stream.name} (${first.envPath}): ` +
        'two graphs would each answer every record; give each graph its own input topic',
    });
  }
};

/**
 * The AWS contract fixtures of `test/fixtures/aws/` (see its README for where each one comes from).
 * Each call parses the file afresh, so a test may change its copy freely.
 */
import { readFileSync } from 'node:fs';
import type { LambdaKafkaEvent, LambdaKafkaRecord } from '../../functions/stream-inference/inbound/event.js';

export const AwsEventFixture = {
  msk: 'msk-event.json',
  selfManaged: 'self-managed-event.json',
  powertoolsTypescriptDefault: 'powertools-typescript-kafka-default.json',
  powertoolsPythonMsk: 'powertools-python-kafka-event-msk.json',
  powertoolsPythonBatch: 'powertools-python-batch-kafka-event.json',
  /** A record validated against a Glue registry's Protobuf schema (README-schema-registry.md). */
  powertoolsTypescriptProtobufGlue: 'powertools-typescript-kafka-protobuf-glue.json',
} as const;
export type AwsEventFixture = (typeof AwsEventFixture)[keyof typeof AwsEventFixture];

/** The documented partial batch response for `powertools-python-batch-kafka-event.json`. */
export const KAFKA_BATCH_RESPONSE = 'kafka-batch-response.json';

const FOLDER = new URL('../fixtures/aws/', import.meta.url);

/**
 * @example
 * const event = awsEvent(AwsEventFixture.msk);
 */
export const awsEvent = (name: AwsEventFixture): LambdaKafkaEvent =>
  JSON.parse(readFileSync(new URL(name, FOLDER), 'utf8')) as LambdaKafkaEvent;

/** A fixture as untyped JSON, for shapes we do not model (the response). */
export const awsJson = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FOLDER), 'utf8'));

/** Every record of an event, in the order of the file. */
export const recordsOf = (event: LambdaKafkaEvent): LambdaKafkaRecord[] =>
  Object.values(event.records).flat();

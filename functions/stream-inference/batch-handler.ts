import type { Context } from 'aws-lambda';
import {
  batchItemFailures,
  countOutcomes,
  type KafkaBatchResponse,
  type RecordOutcome,
} from './batch/outcomes.js';
import { processBatch } from './batch/process-batch.js';
import type { Config } from './config.js';
import { packsRecords } from './contract.js';
import { BatchNotDoneError, detailOf, FailureKind, reasonOf } from './failures.js';
import { decodeEvent } from './inbound/event.js';
import { type BrokerLookup, brokersOrRedelivery, pinBrokers } from './inbound/event-source.js';
import { loadRequestPreparer } from './inbound/request-check.js';
import { loadAnswerCheck } from './model/answer-check.js';
import { coalescerFor, packSizeFor } from './model/coalesce/index.js';
import { protocolSpec } from './model/protocols/index.js';
import { TimeoutBudget } from './model/timeout-budget.js';
import { createTransport, type ModelTransport } from './model/transport/index.js';
import { recordBuilder } from './outbound/output-records.js';
import { KafkaPublisher, type Publisher } from './outbound/publisher.js';
import { capped, MAX_DETAIL_CHARS } from './reason.js';
import {
  logger,
  recordCounts,
  recordModelLatency,
  recordModelUnauthorized,
  recordPackSize,
} from './telemetry.js';
import { recordTracer } from './tracing/record-spans.js';

/** The part of Lambda's context the stream reads; the local runner supplies the same. */
export type BatchContext = Pick<Context, 'getRemainingTimeInMillis'>;

export interface BatchHandler {
  handle(event: unknown, context: BatchContext): Promise<KafkaBatchResponse>;
  close(): Promise<void>;
}

export interface BatchHandlerOverrides {
  readonly transport?: ModelTransport;
  readonly publisher?: Publisher;
  /** Replaces GetBootstrapBrokers (MSK_CLUSTER_ARN without KAFKA_BROKER). */
  readonly brokerLookup?: BrokerLookup;
}

/**
 * Builds everything that lives as long as the warm container (spec, transport pool or channel,
 * producer) once, and returns the per-batch entry point.
 *
 * @example
 * const stream = await createBatchHandler(loadConfig(process.env));
 * const response = await stream.handle(event, context);
 */
export const createBatchHandler = async (
  config: Config,
  overrides: BatchHandlerOverrides = {},
): Promise<BatchHandler> => {
  const spec = protocolSpec(config.model.protocol);
  const prepare = await loadRequestPreparer(config, spec);
  const checkAnswer = await loadAnswerCheck(config, spec);
  const records = recordBuilder(config, spec);
  const transport = overrides.transport ?? (await createTransport(config, spec));
  // Pinned from the configuration, never from an event; a cluster lookup starts here, at cold start.
  const pinning = pinBrokers(config.kafka, overrides.brokerLookup);
  let publisher = overrides.publisher;
  const { safetyMarginMs, reportBatchItemFailures, logPayloads } = config.pipeline;
  const health = { lastSuccessAt: 0, lastSuccessStartedAt: 0 };
  const timeouts = new TimeoutBudget();
  const { coalesce } = config.model;
  // With `auto`, the size it learns lives as long as the container, so later batches start from it.
  const coalescer = packsRecords(coalesce)
    ? coalescerFor(config.model.protocol, packSizeFor(coalesce, recordPackSize))
    : undefined;
  const tracer = recordTracer({ tracing: config.pipeline.tracing });

  const publisherFor = (brokers: readonly string[]): Publisher => {
    // MAX_RECORD_BYTES is the bound the user sets to the topics' limit: requests stay within it too.
    publisher ??= new KafkaPublisher({
      brokers,
      kafka: config.kafka,
      maxRequestBytes: config.pipeline.maxRecordBytes,
    });
    return publisher;
  };

  // With KAFKA_BROKER the brokers are known before any event: connecting during init overlaps the
  // broker handshake (and, on MSK, TLS and SASL) with the rest of the cold start instead of the first
  // batch. Not awaited: a broker that is down must not fail or hold init.
  if (config.kafka.brokers !== undefined) publisherFor(config.kafka.brokers).warmUp?.();

  return {
    async handle(event, context) {
      const decoded = decodeEvent(event);
      const end = Date.now() + context.getRemainingTimeInMillis();
      const deadlines = { calls: end - safetyMarginMs, publish: end - Math.floor(safetyMarginMs / 4) };
      const brokers = await brokersOrRedelivery(pinning, decoded, deadlines.calls);
      const outcomes =
        'redeliver' in brokers
          ? brokers.redeliver
          : await processBatch(
              decoded.partitions,
              {
                config,
                prepare,
                records,
                transport,
                checkAnswer,
                publisher: publisherFor(brokers.brokers),
                onModelLatency: recordModelLatency,
                health,
                timeouts,
                tracer,
                ...(coalescer === undefined ? {} : { coalescer }),
              },
              deadlines,
            );
      const counts = countOutcomes(outcomes);
      recordCounts(counts);
      recordModelUnauthorized(outcomes);
      logOutcomes(outcomes, logPayloads);
      logger.info('batch done', { ...counts });
      if (counts.retryLater > 0 && !reportBatchItemFailures) throw new BatchNotDoneError(counts);
      return batchItemFailures(outcomes);
    },
    async close() {
      await Promise.all([transport.close(), publisher?.close()]);
    },
  };
};

/**
 * One line per dead-lettered record and one per batch left for redelivery. The reason is always
 * there (our words, see reason.ts); record content and the failure's detail only with LOG_PAYLOADS.
 */
const logOutcomes = (outcomes: readonly RecordOutcome[], logPayloads: boolean): void => {
  let firstRetry = true;
  for (const o of outcomes) {
    if (o.fate === 'published') continue;
    const where = { topic: o.record.topic, partition: o.record.partition, offset: o.record.offset };
    const detail = logPayloads ? detailOf(o.failure) : undefined;
    const payload = logPayloads
      ? {
          ...(detail === undefined ? {} : { detail }),
          ...(o.record.value === null
            ? {}
            : { value: capped(o.record.value.toString('utf8'), MAX_DETAIL_CHARS) }),
        }
      : {};
    if (o.fate === 'dead-lettered') {
      const line = { ...where, kind: o.failure.kind, reason: reasonOf(o.failure), ...payload };
      // A failure inside the function is a bug to fix: its stack frames go to the log (never to the
      // topic), without the message line, which may quote the record.
      if (o.failure.kind === FailureKind.internal)
        logger.error('record dead-lettered', { ...line, stack: framesOf(o.failure.cause) });
      else logger.warn('record dead-lettered', line);
    } else if (firstRetry) {
      // One line per batch is enough: every later record of the partition shares the cause.
      firstRetry = false;
      logger.warn('records left for redelivery', { ...where, reason: reasonOf(o.failure), ...payload });
    }
  }
};

/** The stack of an error without its first line (`Name: message`). */
const framesOf = (error: unknown): string | undefined =>
  error instanceof Error ? error.stack?.split('\n').slice(1).join('\n') : undefined;

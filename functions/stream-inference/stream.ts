import type { Context } from 'aws-lambda';
import { coalescerFor } from './coalesce/index.js';
import type { Config } from './config.js';
import { ConfigError } from './errors.js';
import { decodeEvent } from './event.js';
import { batchItemFailures, countOutcomes, type KafkaBatchResponse, type RecordOutcome } from './outcome.js';
import { processBatch } from './pipeline.js';
import { codecFor } from './protocols/index.js';
import { KafkaPublisher, type Publisher } from './publisher.js';
import { recordBuilder } from './records.js';
import { loadRequestPreparer } from './request.js';
import { logger, recordCounts, recordModelLatency } from './telemetry.js';
import { TimeoutBudget } from './timeouts.js';
import { createTransport, type ModelTransport } from './transport/index.js';

/** The part of Lambda's context the stream reads; the local runner supplies the same. */
export type StreamContext = Pick<Context, 'getRemainingTimeInMillis'>;

export interface Stream {
  handle(event: unknown, context: StreamContext): Promise<KafkaBatchResponse>;
  close(): Promise<void>;
}

export interface StreamOverrides {
  readonly transport?: ModelTransport;
  readonly publisher?: Publisher;
}

/** Thrown when item failures cannot be reported, so that Lambda retries the whole batch. */
export class BatchNotDoneError extends Error {
  constructor(readonly counts: ReturnType<typeof countOutcomes>) {
    super(`${counts.retryLater} of ${counts.in} records are not done; the batch will be retried`);
    this.name = 'BatchNotDoneError';
  }
}

/**
 * Builds everything that lives as long as the warm container (codec, transport pool or channel,
 * producer) once, and returns the per-batch entry point.
 *
 * @example
 * const stream = await createStream(loadConfig(process.env));
 * const response = await stream.handle(event, context);
 */
export const createStream = async (config: Config, overrides: StreamOverrides = {}): Promise<Stream> => {
  const codec = codecFor(config.model.protocol);
  const prepare = await loadRequestPreparer(config, codec);
  const records = recordBuilder(config, codec);
  const transport = overrides.transport ?? (await createTransport(config, codec));
  // KAFKA_BROKER may be left to the event's bootstrapServers, known only at the first invocation.
  let publisher = overrides.publisher;
  const { safetyMarginMs, reportBatchItemFailures, logPayloads } = config.pipeline;
  const health = { lastSuccessAt: 0 };
  const timeouts = new TimeoutBudget();
  const { coalesceMaxRecords } = config.model;
  const coalescer =
    coalesceMaxRecords > 1 ? coalescerFor(config.model.protocol, coalesceMaxRecords) : undefined;

  const publisherFor = (bootstrapServers: string | undefined): Publisher => {
    if (publisher !== undefined) return publisher;
    const brokers = config.kafka.brokers ?? bootstrapServers?.split(',').filter((b) => b !== '');
    if (brokers === undefined || brokers.length === 0) {
      throw new ConfigError('KAFKA_BROKER', 'is required when the event carries no bootstrapServers');
    }
    // MAX_RECORD_BYTES is the bound the user sets to the topics' limit: requests stay within it too.
    publisher = new KafkaPublisher({
      brokers,
      kafka: config.kafka,
      maxRequestBytes: config.pipeline.maxRecordBytes,
    });
    return publisher;
  };

  return {
    async handle(event, context) {
      const decoded = decodeEvent(event);
      const end = Date.now() + context.getRemainingTimeInMillis();
      const outcomes = await processBatch(
        decoded.partitions,
        {
          config,
          prepare,
          records,
          transport,
          publisher: publisherFor(decoded.bootstrapServers),
          onModelLatency: recordModelLatency,
          health,
          timeouts,
          ...(coalescer === undefined ? {} : { coalescer }),
        },
        { calls: end - safetyMarginMs, publish: end - Math.floor(safetyMarginMs / 4) },
      );
      const counts = countOutcomes(outcomes);
      recordCounts(counts);
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

const logOutcomes = (outcomes: readonly RecordOutcome[], logPayloads: boolean): void => {
  let firstRetry = true;
  for (const o of outcomes) {
    if (o.status === 'published') continue;
    const where = { topic: o.record.topic, partition: o.record.partition, offset: o.record.offset };
    const payload = logPayloads ? { value: o.record.value?.toString('utf8') } : {};
    if (o.status === 'dead-lettered') {
      const line = { ...where, kind: o.error.kind, reason: o.error.message, ...payload };
      // A failure inside the function is a bug to fix: its stack goes to the log (never to the topic).
      if (o.error.kind === 'internal')
        logger.error('record dead-lettered', { ...line, error: o.error.cause });
      else logger.warn('record dead-lettered', line);
    } else if (firstRetry) {
      // One line per batch is enough: every later record of the partition shares the cause.
      firstRetry = false;
      logger.warn('records left for redelivery', {
        ...where,
        reason: String((o.error as Error)?.message ?? o.error),
      });
    }
  }
};

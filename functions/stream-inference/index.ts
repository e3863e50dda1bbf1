import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { KafkaBatchResponse } from './batch/outcomes.js';
import { createBatchHandler } from './batch-handler.js';
import { loadConfig } from './config.js';
import { logger, metrics } from './telemetry.js';

// Cold start: a bad configuration fails here, once, with the variable's name in the init error.
const stream = await createBatchHandler(loadConfig(process.env));

/**
 * Lambda entry point for MSK (`aws:kafka`) and self-managed Kafka (`SelfManagedKafka`) events.
 * Returns a partial batch response naming the first unfinished record of each partition.
 */
export const handler = middy<unknown, KafkaBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler((event, context) => stream.handle(event, context));

/** Closes the producer and the model connections (local runner and tests; Lambda just freezes). */
export const shutdown = (): Promise<void> => stream.close();

/**
 * The Lambda limits a stream must stay within, in the units AWS documents them. `validateProps`
 * checks the props against them at synth, so `cdk synth` fails where CloudFormation or the mapping
 * would.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_ProvisionedPollerConfig.html
 * @example
 * if (batchSize > LAMBDA_LIMITS.batchSize.max) throw new StreamConfigError('batchSize', '…');
 */
export const LAMBDA_LIMITS = {
  /** All of a function's environment variables, measured as Lambda does: the JSON of the map. */
  environmentBytes: 4096,
  /** Any function's timeout. */
  functionTimeoutSeconds: 900,
  /** Kafka event source mappings take functions with timeouts up to 14 minutes. */
  kafkaFunctionTimeoutSeconds: 840,
  memoryMb: { min: 128, max: 10_240 },
  /** `BatchSize` for Kafka sources. */
  batchSize: { min: 1, max: 10_000 },
  maxBatchingWindowSeconds: 300,
  /** `MaximumRetryAttempts`, besides -1 (infinite). */
  retryAttempts: { min: 0, max: 10_000 },
  /** `ProvisionedPollerConfig` for Kafka sources. */
  minimumPollers: { min: 1, max: 200 },
  maximumPollers: { min: 1, max: 2000 },
} as const;

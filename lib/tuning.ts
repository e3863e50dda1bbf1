import { Duration, Token } from 'aws-cdk-lib';
import {
  DEFAULTS,
  ENV,
  type IntegerRange,
  packsRecords,
  RANGES,
  type Transport,
} from '../functions/stream-inference/contract.js';
import type { Coalesce } from './coalesce.js';
import { StreamConfigError } from './errors.js';

/**
 * How the handler works through a batch: its limits, its concurrency and its time budget. Each prop
 * is one of the handler's variables, checked at synth against the ranges the handler checks at
 * cold start (functions/stream-inference/contract.ts). Part of {@link KafkaInferenceStreamProps}.
 */
export interface HandlerTuning {
  /**
   * One model call's timeout (`MODEL_TIMEOUT_MS`), 1 ms to 15 minutes.
   *
   * @default Duration.seconds(10) - the handler's default
   */
  readonly modelTimeout?: Duration;
  /**
   * Model calls in flight per invocation, and the HTTP connection pool's size (`MODEL_CONCURRENCY`), 1–1024.
   *
   * @default 16
   */
  readonly modelConcurrency?: number;
  /**
   * Records of one partition packed into one model call along the batch dimension
   * (`COALESCE_MAX_RECORDS`): `Coalesce.records(n)` (1–10000) or `Coalesce.auto()`; packing needs
   * `transport: 'rest'`.
   *
   * @default Coalesce.perRecord() - one model call per record
   */
  readonly coalesce?: Coalesce;
  /**
   * The largest input value, produced record and produce request (`MAX_RECORD_BYTES`), 1 byte to
   * Lambda's 6 MB invocation payload; keep it a few kilobytes under the topics' `max.message.bytes`.
   *
   * @default 1000000
   */
  readonly maxRecordBytes?: number;
  /**
   * Time kept back from the function's deadline to publish and return (`SAFETY_MARGIN_MS`), 0 to
   * 10 minutes, and less than `timeout`.
   *
   * @default Duration.seconds(3)
   */
  readonly safetyMargin?: Duration;
  /**
   * The first backoff of a retried model call (`RETRY_BASE_MS`), 1 ms to 1 minute; it doubles, with
   * full jitter, up to `retryMaxDelay`.
   *
   * @default Duration.millis(100)
   */
  readonly retryBaseDelay?: Duration;
  /**
   * The longest backoff between model calls (`RETRY_MAX_MS`), 1 ms to 5 minutes, at least `retryBaseDelay`.
   *
   * @default Duration.seconds(5)
   */
  readonly retryMaxDelay?: Duration;
}

type Millis = (tuning: HandlerTuning) => number | undefined;
const millis =
  (prop: 'modelTimeout' | 'safetyMargin' | 'retryBaseDelay' | 'retryMaxDelay'): Millis =>
  (tuning) =>
    tuning[prop]?.toMilliseconds();

/** Each prop, the variable it sets, its value in the variable's unit, and the handler's range. */
const TUNING: ReadonlyArray<{
  readonly prop: Exclude<keyof HandlerTuning, 'coalesce'>;
  readonly variable: string;
  readonly value: Millis;
  readonly range: IntegerRange;
  readonly unit: string;
}> = [
  {
    prop: 'modelTimeout',
    variable: ENV.modelTimeoutMs,
    value: millis('modelTimeout'),
    range: RANGES.modelTimeoutMs,
    unit: ' ms',
  },
  {
    prop: 'modelConcurrency',
    variable: ENV.modelConcurrency,
    value: (t) => t.modelConcurrency,
    range: RANGES.modelConcurrency,
    unit: '',
  },
  {
    prop: 'maxRecordBytes',
    variable: ENV.maxRecordBytes,
    value: (t) => t.maxRecordBytes,
    range: RANGES.maxRecordBytes,
    unit: ' bytes',
  },
  {
    prop: 'safetyMargin',
    variable: ENV.safetyMarginMs,
    value: millis('safetyMargin'),
    range: RANGES.safetyMarginMs,
    unit: ' ms',
  },
  {
    prop: 'retryBaseDelay',
    variable: ENV.retryBaseMs,
    value: millis('retryBaseDelay'),
    range: RANGES.retryBaseMs,
    unit: ' ms',
  },
  {
    prop: 'retryMaxDelay',
    variable: ENV.retryMaxMs,
    value: millis('retryMaxDelay'),
    range: RANGES.retryMaxMs,
    unit: ' ms',
  },
];

/** The handler's safety margin for these props: given, or the handler's default. */
export const safetyMarginOf = (tuning: HandlerTuning): Duration =>
  tuning.safetyMargin ?? Duration.millis(DEFAULTS.safetyMarginMs);

/**
 * Throws a {@link StreamConfigError} naming the prop for a value the handler would refuse at cold
 * start: outside its range, not a whole number (of milliseconds for a Duration), coalescing over
 * gRPC, or a first backoff longer than the longest.
 *
 * @example
 * validateTuning({ modelConcurrency: 0 }, 'rest'); // throws: modelConcurrency must be an integer from 1 to 1024 (got 0)
 */
export const validateTuning = (tuning: HandlerTuning, transport: Transport): void => {
  for (const { prop, value, range, unit } of TUNING) {
    const v = value(tuning);
    if (v === undefined || Token.isUnresolved(v)) continue;
    if (!Number.isInteger(v) || v < range.min || v > range.max) {
      throw new StreamConfigError(
        prop,
        `must be an integer from ${range.min} to ${range.max}${unit} (got ${v}${unit})`,
      );
    }
  }
  validateCoalesce(tuning.coalesce, transport);
  const base = tuning.retryBaseDelay?.toMilliseconds() ?? DEFAULTS.retryBaseMs;
  const max = tuning.retryMaxDelay?.toMilliseconds() ?? DEFAULTS.retryMaxMs;
  if (base > max) {
    throw new StreamConfigError(
      'retryBaseDelay',
      `(${base} ms) must not exceed retryMaxDelay (${max} ms): the backoff starts at the first and stops at the second`,
    );
  }
};

const validateCoalesce = (coalesce: Coalesce | undefined, transport: Transport): void => {
  if (coalesce === undefined) return;
  const { setting } = coalesce;
  if (setting.mode === 'fixed' && !Token.isUnresolved(setting.maxRecords)) {
    const { min, max } = RANGES.coalesceMaxRecords;
    const n = setting.maxRecords;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new StreamConfigError(
        'coalesce',
        `Coalesce.records(n) needs an integer from ${min} to ${max} (got ${n}); or use Coalesce.auto()`,
      );
    }
  }
  if (packsRecords(setting) && transport !== 'rest') {
    throw new StreamConfigError('coalesce', 'packs JSON requests: it needs transport rest');
  }
};

/**
 * The variables of the props that are given, in the handler's units; the handler's defaults
 * stand for the others.
 *
 * @example
 * tuningEnvironment({ modelConcurrency: 4, safetyMargin: Duration.seconds(5) });
 * // { MODEL_CONCURRENCY: '4', SAFETY_MARGIN_MS: '5000' }
 */
export const tuningEnvironment = (tuning: HandlerTuning): Record<string, string> => ({
  ...Object.fromEntries(
    TUNING.flatMap(({ variable, value }) => {
      const v = value(tuning);
      return v === undefined ? [] : [[variable, String(v)]];
    }),
  ),
  ...(tuning.coalesce === undefined ? {} : { [ENV.coalesceMaxRecords]: tuning.coalesce.variableValue }),
});

import { Resource, Token } from 'aws-cdk-lib';
import { MetricType } from 'aws-cdk-lib/aws-lambda';
import { StreamConfigError } from './errors.js';
import type { EventPollers } from './event-pollers.js';
import { LAMBDA_LIMITS } from './lambda-limits.js';
import type { EventSourceMappingOptions } from './mapping-props.js';

/** Lambda's retry cap when `MaximumRetryAttempts` is infinite and an on-failure destination is set. */
export const RETRY_CAP_WITH_ON_FAILURE = 10;

type Warn = (id: string, message: string) => void;

const fail = (prop: string, message: string): never => {
  throw new StreamConfigError(prop, message);
};

/** An integer within `range`, or a token (checked by CloudFormation), or not given. */
export const checkRange = (
  prop: string,
  value: number | undefined,
  { min, max }: { readonly min: number; readonly max: number },
): void => {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(prop, `must be an integer from ${min} to ${max} (got ${value})`);
  }
};

/**
 * Throws for the mapping's settings Lambda would refuse, warns for the doubtful. The L2
 * `EventSourceMapping` re-checks some of them, with messages that do not name our props.
 *
 * @example
 * validateMapping(props, EventPollers.provisioned(), warn);
 */
export const validateMapping = (
  props: EventSourceMappingOptions,
  pollers: EventPollers,
  warn: Warn,
): void => {
  checkRange('batchSize', props.batchSize, LAMBDA_LIMITS.batchSize);
  checkRange(
    'retryAttempts',
    props.retryAttempts === -1 ? undefined : props.retryAttempts,
    LAMBDA_LIMITS.retryAttempts,
  );
  const batchingWindow = props.maxBatchingWindow;
  if (
    batchingWindow &&
    !Token.isUnresolved(batchingWindow) &&
    batchingWindow.toSeconds() > LAMBDA_LIMITS.maxBatchingWindowSeconds
  ) {
    fail('maxBatchingWindow', `must be at most 5 minutes (got ${batchingWindow.toHumanString()})`);
  }
  checkPollers(props, pollers);
  checkFilters(props.filters);
  checkFilterEncryption(props, warn);
  checkMetrics(props);
  if (props.retryAttempts === -1 && props.onFailure !== undefined) {
    warn(
      'retryCap',
      `retryAttempts is -1 (infinite), but with an onFailure destination Lambda retries a failed batch ` +
        `${RETRY_CAP_WITH_ON_FAILURE} times at most, then sends it there`,
    );
  }
};

/**
 * Provisioned mode's bounds, and on demand no error-handling control or logging: Lambda offers
 * those to provisioned mappings only, and a handler reporting item failures to a mapping that
 * ignores them would have its failed records committed.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/esm-logging.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-consume-kafka-events.html
 */
const checkPollers = (props: EventSourceMappingOptions, pollers: EventPollers): void => {
  if (pollers.mode === 'on-demand') {
    const provisionedOnly = {
      reportBatchItemFailures: props.reportBatchItemFailures === true,
      retryAttempts: props.retryAttempts !== undefined,
      maxRecordAge: props.maxRecordAge !== undefined,
      bisectBatchOnError: props.bisectBatchOnError === true,
      logLevel: props.logLevel !== undefined,
      schemaRegistry: props.schemaRegistry !== undefined,
    };
    for (const [prop, given] of Object.entries(provisionedOnly)) {
      if (given)
        fail(
          prop,
          'needs provisioned pollers: Lambda offers the Kafka error-handling controls, logging and ' +
            'schema registries in provisioned mode only (pollers is EventPollers.onDemand())',
        );
    }
    return;
  }
  const { minimumPollers, maximumPollers } = pollers.config ?? {};
  checkRange('pollers', minimumPollers, LAMBDA_LIMITS.minimumPollers);
  checkRange('pollers', maximumPollers, LAMBDA_LIMITS.maximumPollers);
  const known = (n: number | undefined): n is number => n !== undefined && !Token.isUnresolved(n);
  if (known(minimumPollers) && known(maximumPollers) && minimumPollers > maximumPollers) {
    fail('pollers', `minimumPollers (${minimumPollers}) must not exceed maximumPollers (${maximumPollers})`);
  }
};

/**
 * Each filter must be what `FilterCriteria.filter(...)` returns, `{ pattern: '<JSON object>' }`:
 * the L2 mapping passes any other object on as an empty filter.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_Filter.html
 */
const checkFilters = (filters: EventSourceMappingOptions['filters']): void => {
  (filters ?? []).forEach((filter, i) => {
    const prop = `filters[${i}]`;
    const hint = "must be FilterCriteria.filter(...) output, { pattern: '<JSON>' }";
    const keys = Object.keys(filter);
    const pattern = filter['pattern'];
    if (keys.length !== 1 || typeof pattern !== 'string') {
      fail(prop, `${hint}; got keys ${keys.join(', ') || '(none)'}`);
    }
    if (Token.isUnresolved(pattern)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(pattern as string);
    } catch {
      fail(prop, `${hint}; its pattern is not JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      fail(prop, `${hint}; its pattern is not a JSON object`);
    }
  });
};

/**
 * A filter key encrypts filters, so it needs some. The L2 grants `lambda.amazonaws.com` decrypt in
 * the policy of a key of the stack; of an imported key the construct cannot change the policy.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
 */
const checkFilterEncryption = (props: EventSourceMappingOptions, warn: Warn): void => {
  const key = props.filterEncryption;
  if (key === undefined) return;
  if ((props.filters ?? []).length === 0) fail('filterEncryption', 'encrypts filters: give filters too');
  if (!Resource.isOwnedResource(key)) {
    warn(
      'filterKeyPolicy',
      'filterEncryption is a key from outside this stack: its key policy must allow kms:Decrypt to the ' +
        'service principal lambda.amazonaws.com, or Lambda cannot read the filters',
    );
  }
};

/**
 * Each metric group at most once (Lambda takes three items at most, one of each).
 *
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingMetricsConfig.html
 */
const checkMetrics = (props: EventSourceMappingOptions): void => {
  const metrics = props.metricsConfig?.metrics ?? [];
  const allowed = Object.values(MetricType) as string[];
  for (const metric of metrics) {
    if (!allowed.includes(metric)) fail('metricsConfig', `'${metric}' is not one of ${allowed.join(', ')}`);
  }
  const repeated = metrics.find((m, i) => metrics.indexOf(m) !== i);
  if (repeated !== undefined) fail('metricsConfig', `lists ${repeated} twice`);
};

import type { RecordOutcome } from '../batch/outcomes.js';
import type { KafkaConfig } from '../config.js';
import { ConfigError, EventSourceMismatchError, FailureKind, RecordFailure } from '../failures.js';
import { lookupBootstrapBrokers } from '../outbound/cluster-brokers.js';
import { logger, recordEventRefused } from '../telemetry.js';
import type { DecodedEvent } from './event.js';

/** Where the pinned brokers came from; named in refusals so the operator knows what to compare. */
export type BrokerSource = 'KAFKA_BROKER' | 'MSK_CLUSTER_ARN' | 'the first event';

/** Looks the cluster's brokers up (GetBootstrapBrokers); replaced in tests. */
export type BrokerLookup = (
  clusterArn: string,
  kafka: Pick<KafkaConfig, 'auth' | 'tls'>,
) => Promise<string[]>;

/**
 * The brokers the producer may connect to, fixed for the container's lifetime, and the check that
 * an event comes from that cluster. Whoever can invoke the function chooses the event, so nothing
 * in it decides where the producer (and its IAM token, SCRAM password or client certificate) goes.
 */
export interface BrokerPinning {
  /**
   * The pinned brokers, once the event is shown to come from the configured cluster. Throws
   * `EventSourceMismatchError` when it does not, a `RecordFailure` (kind `publish`) when the lookup failed in a way
   * a later invocation may not, and `ConfigError` when it cannot succeed.
   */
  brokersFor(event: DecodedEvent, deadline: number): Promise<readonly string[]>;
}

/** Longest piece of an event quoted in a refusal: the event is the caller's, and so is its size. */
const QUOTE_MAX = 200;
const quote = (v: string): string => JSON.stringify(v.length > QUOTE_MAX ? `${v.slice(0, QUOTE_MAX)}…` : v);

const brokerList = (v: string): string[] =>
  v
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');

/** `host:port` → lower-case host (DNS names are case-insensitive); `[v6]:port` → `v6`. */
const hostOf = (broker: string): string => {
  const colon = broker.lastIndexOf(':');
  const host = colon === -1 ? broker : broker.slice(0, colon);
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
};

/** With MSK_CLUSTER_ARN set, only its event source mapping's events are accepted. */
const checkSource = (event: DecodedEvent, clusterArn: string): void => {
  if (event.eventSource !== 'aws:kafka') {
    throw new EventSourceMismatchError(
      'eventSource',
      `eventSource ${quote(event.eventSource)} is not aws:kafka, and MSK_CLUSTER_ARN is set`,
    );
  }
  if (event.eventSourceArn === undefined) {
    throw new EventSourceMismatchError(
      'eventSourceArn',
      'the event has no eventSourceArn, and MSK_CLUSTER_ARN is set',
    );
  }
  if (event.eventSourceArn !== clusterArn) {
    throw new EventSourceMismatchError(
      'eventSourceArn',
      `eventSourceArn ${quote(event.eventSourceArn)} is not MSK_CLUSTER_ARN ${quote(clusterArn)}`,
    );
  }
};

/**
 * Every host the event names must be a pinned one. Hosts only, not ports: MSK serves each
 * authentication on its own port of the same brokers (9092, 9094, 9096, 9098; 91xx for public
 * access), and Lambda's event lists the brokers its event source mapping polled, on the listener
 * the mapping authenticates with, which need not be the producer's (KAFKA_BROKER on the TLS port,
 * a mapping on IAM). The producer never dials the event's ports, only the pinned list, so a port
 * cannot redirect it; a host it does not know says the event came from another cluster.
 * An event naming fewer hosts than pinned is accepted (GetBootstrapBrokers and the mapping each
 * list some brokers, not necessarily all).
 */
const checkHosts = (event: DecodedEvent, pinned: readonly string[], source: BrokerSource): void => {
  if (event.bootstrapServers === undefined) return;
  const known = new Set(pinned.map(hostOf));
  const foreign = [...new Set(brokerList(event.bootstrapServers).map(hostOf))].filter((h) => !known.has(h));
  if (foreign.length > 0) {
    throw new EventSourceMismatchError(
      'bootstrapServers',
      `bootstrapServers names ${foreign.map(quote).join(', ')}, not among the brokers pinned by ${source} (${[...known].join(', ')})`,
    );
  }
};

/** Rejects with a `publish` failure at `deadline`, so a hanging lookup cannot outlive the invocation. */
const before = <T>(work: Promise<T>, deadline: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new RecordFailure('GetBootstrapBrokers did not answer before the deadline', {
            kind: FailureKind.publish,
          }),
        ),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
};

/**
 * Pins the brokers from the configuration: KAFKA_BROKER when set; else, with MSK_CLUSTER_ARN, the
 * cluster's brokers, looked up once, starting now (at cold start) without waiting for the answer;
 * else (local development only) the first event's bootstrapServers, with a warning.
 *
 * @example
 * const pinning = pinBrokers(config.kafka);
 * const brokers = await pinning.brokersFor(decodeEvent(event), deadline);
 */
export const pinBrokers = (
  kafka: KafkaConfig,
  lookup: BrokerLookup = lookupBootstrapBrokers,
): BrokerPinning => {
  const { clusterArn } = kafka;
  const source: BrokerSource =
    kafka.brokers !== undefined
      ? 'KAFKA_BROKER'
      : clusterArn !== undefined
        ? 'MSK_CLUSTER_ARN'
        : 'the first event';
  /** KAFKA_BROKER, the lookup's answer, or the first event's: once set, never changed. */
  let pinned: readonly string[] | undefined = kafka.brokers;
  let lookingUp: Promise<readonly string[]> | undefined;

  const startLookup = (arn: string): Promise<readonly string[]> => {
    const started = lookup(arn, kafka);
    lookingUp = started;
    // A failed lookup is forgotten so that the next attempt starts afresh; handling it here also
    // keeps the cold start's lookup from being an unhandled rejection before an invocation awaits it.
    started.then(
      (brokers) => {
        pinned = brokers;
      },
      () => {
        if (lookingUp === started) lookingUp = undefined;
      },
    );
    return started;
  };
  if (pinned === undefined && clusterArn !== undefined) startLookup(clusterArn);

  const lookedUp = async (arn: string, deadline: number): Promise<readonly string[]> => {
    const awaited = lookingUp;
    if (awaited === undefined) return before(startLookup(arn), deadline);
    try {
      return await before(awaited, deadline);
    } catch (error) {
      // The lookup started before this invocation (at cold start) failed transiently: try once
      // more now. One that merely ran past this deadline is still running: the next invocation
      // awaits it rather than starting a second. (A failed lookup has already cleared `lookingUp`
      // here: its handler above was registered on it first, and a promise's reactions run in order.)
      if (!(error instanceof RecordFailure) || lookingUp === awaited) throw error;
      return before(startLookup(arn), deadline);
    }
  };

  const pinFirstEvent = (event: DecodedEvent): readonly string[] => {
    const brokers = brokerList(event.bootstrapServers ?? '');
    if (brokers.length === 0) {
      throw new ConfigError('KAFKA_BROKER', 'is required when the event carries no bootstrapServers');
    }
    logger.warn(
      "brokers are not pinned by configuration (set KAFKA_BROKER or MSK_CLUSTER_ARN): pinned to the first event's bootstrapServers for this container",
      { brokers },
    );
    pinned = brokers;
    return brokers;
  };

  return {
    async brokersFor(event, deadline) {
      if (clusterArn !== undefined) checkSource(event, clusterArn);
      const brokers =
        pinned ?? (clusterArn === undefined ? pinFirstEvent(event) : await lookedUp(clusterArn, deadline));
      checkHosts(event, brokers, source);
      return brokers;
    },
  };
};

/**
 * The pinned brokers for this event, or, when the lookup failed transiently, every record left for
 * redelivery (nothing is dead-lettered: the records are not at fault). A refused event is counted
 * (`EventsRefused`), logged, and thrown before any model call or publish, as is a ConfigError.
 *
 * @example
 * const pinned = await brokersOrRedelivery(pinning, decoded, deadline);
 * const outcomes = 'redeliver' in pinned ? pinned.redeliver : await processBatch(…);
 */
export const brokersOrRedelivery = async (
  pinning: BrokerPinning,
  event: DecodedEvent,
  deadline: number,
): Promise<{ brokers: readonly string[] } | { redeliver: RecordOutcome[] }> => {
  try {
    return { brokers: await pinning.brokersFor(event, deadline) };
  } catch (error) {
    if (error instanceof EventSourceMismatchError) {
      recordEventRefused();
      logger.error(error.message, { field: error.field });
    }
    if (!(error instanceof RecordFailure)) throw error;
    return {
      redeliver: event.partitions.flatMap((p) =>
        p.records.map((record) => ({ fate: 'retry-later' as const, record, failure: error })),
      ),
    };
  }
};

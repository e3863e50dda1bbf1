import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../functions/stream-inference/config.js';
import {
  ConfigError,
  EventSourceMismatchError,
  FailureKind,
  RecordFailure,
} from '../../../functions/stream-inference/failures.js';
import { type DecodedEvent, decodeEvent } from '../../../functions/stream-inference/inbound/event.js';
import { type BrokerLookup, pinBrokers } from '../../../functions/stream-inference/inbound/event-source.js';
import { logger } from '../../../functions/stream-inference/telemetry.js';
import { mskEvent } from '../../helpers/factories.js';

const ARN = 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd1234-ab12-cd34-ef56-abcdef123456-1';
const OTHER_ARN =
  'arn:aws:kafka:us-east-1:999999999999:cluster/attacker/ffff1234-ab12-cd34-ef56-abcdef123456-1';
const B1 = 'b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com';
const B2 = 'b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com';
const IAM_LISTENER = [`${B1}:9098`, `${B2}:9098`];

const kafka = (env: Record<string, string> = {}) =>
  loadConfig({ KAFKA_INPUT_TOPIC: 'in', KAFKA_OUTPUT_TOPIC: 'out', MODEL_ENDPOINT: 'http://m', ...env })
    .kafka;

/** An event as Lambda sends it, with its envelope changed as the case needs. */
const event = (
  envelope: Partial<Pick<DecodedEvent, 'eventSourceArn' | 'bootstrapServers'>> = {},
  shape: 'msk' | 'self-managed' = 'msk',
) =>
  decodeEvent({
    ...mskEvent([{ offset: 0 }], shape),
    ...(shape === 'msk' ? { eventSourceArn: ARN } : {}),
    bootstrapServers: IAM_LISTENER.join(','),
    ...envelope,
  });

const noEnvelope = (shape: 'msk' | 'self-managed'): DecodedEvent => {
  const { eventSourceArn: _a, bootstrapServers: _b, ...rest } = mskEvent([{ offset: 0 }], shape);
  return decodeEvent(rest);
};

const later = () => Date.now() + 5_000;
const lookupAnswering = (brokers: string[]) => vi.fn<BrokerLookup>(async () => brokers);
const refusal = (field: string) => expect.objectContaining({ name: 'EventSourceMismatchError', field });

describe('pinBrokers with MSK_CLUSTER_ARN (brokers looked up from the cluster)', () => {
  it('looks the brokers up once, at creation, and accepts the cluster’s own events', async () => {
    // Prepare
    const lookup = lookupAnswering(IAM_LISTENER);

    // Act
    const pinning = pinBrokers(kafka({ MSK_CLUSTER_ARN: ARN, KAFKA_AUTH: 'iam' }), lookup);
    const startedBeforeAnyEvent = lookup.mock.calls.length;
    const first = await pinning.brokersFor(event({ bootstrapServers: IAM_LISTENER.join(',') }), later());
    const second = await pinning.brokersFor(event({ bootstrapServers: `${B2}:9098` }), later());

    // Assess
    expect(startedBeforeAnyEvent).toBe(1);
    expect(first).toEqual(IAM_LISTENER);
    expect(second).toEqual(IAM_LISTENER);
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(lookup).toHaveBeenCalledWith(ARN, expect.objectContaining({ auth: 'iam', tls: true }));
  });

  it.each([
    ['another cluster’s eventSourceArn', event({ eventSourceArn: OTHER_ARN }), 'eventSourceArn'],
    ['no eventSourceArn', noEnvelope('msk'), 'eventSourceArn'],
    ['a self-managed event', event({}, 'self-managed'), 'eventSource'],
  ])('refuses %s before looking anything up', async (_, refused, field) => {
    // Prepare
    const lookup = vi.fn<BrokerLookup>(() => new Promise(() => undefined));
    const pinning = pinBrokers(kafka({ MSK_CLUSTER_ARN: ARN }), lookup);

    // Act
    const result = pinning.brokersFor(refused, later());

    // Assess
    await expect(result).rejects.toThrow(EventSourceMismatchError);
    await expect(result).rejects.toEqual(refusal(field));
  });

  it('names both ARNs in the refusal', async () => {
    const pinning = pinBrokers(kafka({ MSK_CLUSTER_ARN: ARN }), lookupAnswering(IAM_LISTENER));

    await expect(pinning.brokersFor(event({ eventSourceArn: OTHER_ARN }), later())).rejects.toThrow(
      `event refused: eventSourceArn "${OTHER_ARN}" is not MSK_CLUSTER_ARN "${ARN}"`,
    );
  });

  it('retries, in the first invocation, a lookup that failed transiently at cold start', async () => {
    // Prepare
    const lookup = vi
      .fn<BrokerLookup>()
      .mockRejectedValueOnce(new RecordFailure('throttled', { kind: FailureKind.publish }))
      .mockResolvedValueOnce(IAM_LISTENER);
    const pinning = pinBrokers(kafka({ MSK_CLUSTER_ARN: ARN, KAFKA_AUTH: 'iam' }), lookup);

    // Act
    const brokers = await pinning.brokersFor(event(), later());

    // Assess
    expect(brokers).toEqual(IAM_LISTENER);
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it('reports a lookup that keeps failing as transient, and looks up again next time', async () => {
    // Prepare
    const down = new RecordFailure('GetBootstrapBrokers failed (ServiceUnavailableException)', {
      kind: FailureKind.publish,
    });
    const lookup = vi.fn<BrokerLookup>().mockRejectedValueOnce(down).mockRejectedValueOnce(down);
    lookup.mockResolvedValueOnce(IAM_LISTENER);
    const pinning = pinBrokers(kafka({ MSK_CLUSTER_ARN: ARN, KAFKA_AUTH: 'iam' }), lookup);

    // Act
    const first = pinning.brokersFor(event(), later());
    await expect(first).rejects.toBe(down);
    const second = await pinning.brokersFor(event(), later());

    // Assess
    expect(second).toEqual(IAM_LISTENER);
    expect(lookup).toHaveBeenCalledTimes(3);
  });

  it('does not retry a lookup that cannot succeed (a ConfigError) within the invocation', async () => {
    const lookup = vi.fn<BrokerLookup>().mockRejectedValue(new ConfigError('KAFKA_AUTH', 'no such listener'));
    const pinning = pinBrokers(kafka({ MSK_CLUSTER_ARN: ARN }), lookup);

    await expect(pinning.brokersFor(event(), later())).rejects.toThrow(/^KAFKA_AUTH: no such listener/);
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('gives up on a hanging lookup at the deadline, as a transient fault', async () => {
    const pinning = pinBrokers(kafka({ MSK_CLUSTER_ARN: ARN }), () => new Promise(() => undefined));

    await expect(pinning.brokersFor(event(), Date.now() + 50)).rejects.toThrow(RecordFailure);
  });
});

describe('pinBrokers: the event’s bootstrapServers against the pinned brokers', () => {
  const pinned = () => pinBrokers(kafka({ KAFKA_BROKER: `${B1}:9094,${B2}:9094` }));

  it.each([
    ['the same brokers on another listener’s port', `${B1}:9098,${B2}:9098`],
    ['a subset of them', `${B2}:9096`],
    ['upper-case host names', `${B1.toUpperCase()}:9094`],
    ['no bootstrapServers at all', undefined],
  ])('accepts %s', async (_, bootstrapServers) => {
    const e = bootstrapServers === undefined ? noEnvelope('msk') : event({ bootstrapServers });

    await expect(pinned().brokersFor(e, later())).resolves.toEqual([`${B1}:9094`, `${B2}:9094`]);
  });

  it.each([
    ['a superset of them', `${B1}:9094,${B2}:9094,b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9094`],
    ['a foreign host', 'broker.attacker.example:9094'],
  ])('refuses %s, naming the host', async (_, bootstrapServers) => {
    const result = pinned().brokersFor(event({ bootstrapServers }), later());

    await expect(result).rejects.toEqual(refusal('bootstrapServers'));
    await expect(result).rejects.toThrow(
      /bootstrapServers names ".*", not among the brokers pinned by KAFKA_BROKER/,
    );
  });

  it('accepts a self-managed event when only KAFKA_BROKER is set', async () => {
    const e = event({ bootstrapServers: `${B1}:9094` }, 'self-managed');

    await expect(pinned().brokersFor(e, later())).resolves.toHaveLength(2);
  });

  it('checks hosts against the looked-up brokers too', async () => {
    const pinning = pinBrokers(kafka({ MSK_CLUSTER_ARN: ARN }), lookupAnswering(IAM_LISTENER));

    await expect(pinning.brokersFor(event({ bootstrapServers: '127.0.0.2:9092' }), later())).rejects.toEqual(
      refusal('bootstrapServers'),
    );
  });
});

describe('pinBrokers without KAFKA_BROKER or MSK_CLUSTER_ARN (local development)', () => {
  it('pins the first event’s bootstrapServers, warns once, and refuses later events naming other hosts', async () => {
    // Prepare
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const pinning = pinBrokers(kafka());

    // Act
    const first = await pinning.brokersFor(event({ bootstrapServers: '127.0.0.1:9092' }), later());
    const again = await pinning.brokersFor(event({ bootstrapServers: '127.0.0.1:9092' }), later());
    const other = pinning.brokersFor(event({ bootstrapServers: '127.0.0.2:9092' }), later());

    // Assess
    expect(first).toEqual(['127.0.0.1:9092']);
    expect(again).toEqual(['127.0.0.1:9092']);
    await expect(other).rejects.toThrow(/"127\.0\.0\.2", not among the brokers pinned by the first event/);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/brokers are not pinned by configuration/);
    warn.mockRestore();
  });

  it('needs KAFKA_BROKER when the first event names no brokers', async () => {
    await expect(pinBrokers(kafka()).brokersFor(noEnvelope('self-managed'), later())).rejects.toThrow(
      /^KAFKA_BROKER: is required when the event carries no bootstrapServers/,
    );
  });
});

/**
 * The local poller (`npm start`'s event source mapping) on a real topic with the real handler and
 * MLServer: 2,000 records over 4 partitions, with one record the model rejects (HTTP 422), one
 * that meets a transient fault longer than an invocation's budget (partial batch response and
 * redelivery), and one invocation that throws (whole-batch retry). The poller is stopped halfway and
 * restarted: every record ends exactly once on the output or the error topic, all offsets are
 * committed, and a poller started afterwards finds nothing to do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../scripts/local/context.js';
import { type LocalHandler, loadHandler } from '../../scripts/local/handler.js';
import { LOCAL_ENDPOINTS } from '../../scripts/local/local-services.js';
import { type InvocationReport, Poller } from '../../scripts/local/poller.js';
import { IRIS_SAMPLES, labelsOf, restRequest, SPECIES } from '../../scripts/local/samples.js';
import { brokers, closeKafkaHelpers, kafkaAdmin } from '../helpers/kafka-clients.js';
import { type ProduceMessage, produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { headersAsStrings } from '../helpers/kafka-records.js';
import { createTopics, deleteTopics, uniqueTopic } from '../helpers/kafka-topics.js';
import { type LocalServer, requestBody, startHttpServer } from '../helpers/local-servers.js';

const RECORDS = 2_000;
const PARTITIONS = 4;
const REJECTED = 500; // the model answers 422
const FLAKY = 1_000; // the model answers 503 for a while
const EXPLODES = 1_500; // the first invocation holding it throws
const FLAKY_FOR_MS = 4_000;
const FUNCTION_TIMEOUT_MS = 6_000;

const input = uniqueTopic('local-poller-in');
const output = uniqueTopic('local-poller-out');
const errors = uniqueTopic('local-poller-errors');
const groupId = `local-poller-test-${input}`;

/** MLServer behind a proxy that fails the FLAKY record with 503 until FLAKY_FOR_MS after first seeing it. */
const startFaultyProxy = async (): Promise<{
  server: LocalServer;
  url: string;
  flakyCalls: () => number;
}> => {
  const target = LOCAL_ENDPOINTS.v2.rest;
  let flakySince: number | undefined;
  let flakyCalls = 0;
  const server = await startHttpServer(async (req, res) => {
    const body = await requestBody(req);
    if (body.includes('"flaky"')) {
      flakyCalls++;
      flakySince ??= Date.now();
      if (Date.now() - flakySince < FLAKY_FOR_MS) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"injected"}');
        return;
      }
    }
    try {
      const answer = await fetch(`${target}${req.url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      res
        .writeHead(answer.status, { 'content-type': 'application/json' })
        .end(Buffer.from(await answer.arrayBuffer()));
    } catch {
      res.writeHead(502).end();
    }
  });
  return { server, url: server.address, flakyCalls: () => flakyCalls };
};

/** Record i: an iris row, except the three special ones. */
const message = (i: number): ProduceMessage & { expected?: string } => {
  const sample = IRIS_SAMPLES[i % IRIS_SAMPLES.length]!;
  const request = restRequest('v2', sample.row);
  if (i === REJECTED) request['outputs'] = [{}]; // MLServer: 422, output name required
  if (i === FLAKY) request['parameters'] = { tag: 'flaky' };
  return {
    key: `k-${i}`,
    value: JSON.stringify(request),
    headers: { seq: String(i) },
    partition: i % PARTITIONS,
    expected: sample.species,
  };
};

const committedOffsets = async (): Promise<Map<number, number>> => {
  const admin = await kafkaAdmin();
  const [topic] = await admin.fetchOffsets({ groupId, topics: [input] });
  return new Map(topic!.partitions.map((p) => [p.partition, Number(p.offset)]));
};

const endOffsets = async (): Promise<Map<number, number>> => {
  const admin = await kafkaAdmin();
  return new Map((await admin.fetchTopicOffsets(input)).map((o) => [o.partition, Number(o.high)]));
};

const waitFor = async (
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

let proxy: Awaited<ReturnType<typeof startFaultyProxy>>;
let local: LocalHandler;
let exploded = 0;

/** The real handler, except that the first invocation holding EXPLODES throws before it starts. */
const handler: LambdaHandler = async (event, context) => {
  if (exploded === 0 && JSON.stringify(event).includes(Buffer.from(`k-${EXPLODES}`).toString('base64'))) {
    exploded++;
    throw new Error('injected invocation failure');
  }
  return local.handler(event, context);
};

const newPoller = (reports: InvocationReport[]): Poller =>
  new Poller({
    brokers,
    topic: input,
    groupId,
    handler,
    shape: 'self-managed',
    batching: { batchSize: 100, windowMs: 200 },
    function: { timeoutMs: FUNCTION_TIMEOUT_MS },
    retryDelayMs: 100,
    redeliveryDelayMs: 200,
    progressIntervalMs: false,
    log: () => undefined,
    onInvocation: (r) => reports.push(r),
  });

beforeAll(async () => {
  await createTopics([input, output, errors], PARTITIONS);
  proxy = await startFaultyProxy();
  local = await loadHandler({
    KAFKA_BROKER: brokers.join(','),
    KAFKA_INPUT_TOPIC: input,
    KAFKA_OUTPUT_TOPIC: output,
    KAFKA_ERROR_TOPIC: errors,
    MODEL_ENDPOINT: proxy.url,
    MODEL_NAME: 'iris',
    PROTOCOL: 'v2',
    TRANSPORT: 'rest',
    SAFETY_MARGIN_MS: '3000',
    RETRY_BASE_MS: '50',
    RETRY_MAX_MS: '400',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
});

afterAll(async () => {
  await local?.shutdown();
  await proxy?.server.close();
  await deleteTopics([input, output, errors]);
  await closeKafkaHelpers();
});

describe('local poller', () => {
  it('streams 2,000 records through the handler exactly once across a restart, faults included', async () => {
    // Prepare: 2,000 records, 500 per partition.
    const messages = Array.from({ length: RECORDS }, (_, i) => message(i));
    const produced = await produce(input, messages);
    expect(new Set(produced.map((p) => p.partition)).size).toBe(PARTITIONS);

    // Act 1: poll until about a third is done, then stop (Ctrl-C).
    const first: InvocationReport[] = [];
    const poller1 = newPoller(first);
    await poller1.start();
    await waitFor('a third of the records', () => poller1.stats.recordsDone >= RECORDS / 3, 120_000);
    await poller1.stop();
    await poller1.done;
    const committedAtStop = await committedOffsets();
    const doneAtStop = poller1.stats.recordsDone;

    // Act 2: a new poller in the same group picks up from the committed offsets.
    const second: InvocationReport[] = [];
    const poller2 = newPoller(second);
    await poller2.start();
    const ends = await endOffsets();
    await waitFor(
      'every offset committed',
      async () => {
        const committed = await committedOffsets();
        return [...ends].every(([p, end]) => committed.get(p) === end);
      },
      180_000,
    );
    await poller2.stop();

    // Assess: the restart began at the committed offsets and re-read none of them.
    const firstOffsetOfRun2 = new Map<number, number>();
    for (const r of second) {
      for (const list of Object.values(r.event.records)) {
        for (const rec of list) {
          const seen = firstOffsetOfRun2.get(rec.partition);
          if (seen === undefined || rec.offset < seen) firstOffsetOfRun2.set(rec.partition, rec.offset);
        }
      }
    }
    for (const [partition, offset] of firstOffsetOfRun2) {
      expect(offset, `partition ${partition}`).toBe(committedAtStop.get(partition) ?? 0);
    }
    expect(doneAtStop + poller2.stats.recordsDone).toBe(RECORDS);

    // Every record ends once: in = out + errors, and each input's source appears once.
    const outs = await readToEnd(output);
    const errs = await readToEnd(errors);
    expect(outs.length + errs.length).toBe(RECORDS);
    const sources = [...outs, ...errs].map(
      (r) => headersAsStrings(r.headers)['msk-inference-source'] as string,
    );
    expect(new Set(sources).size).toBe(RECORDS);
    expect(new Set(sources)).toEqual(new Set(produced.map((p) => `${input}/${p.partition}/${p.offset}`)));

    // The rejected record is on the error topic with the model's reason; the flaky one made it.
    expect(errs).toHaveLength(1);
    const err = headersAsStrings(errs[0]!.headers);
    expect(errs[0]!.key?.toString()).toBe(`k-${REJECTED}`);
    expect(err['msk-inference-error-kind']).toBe('model-rejected');
    expect(err['msk-inference-status']).toBe('422');
    expect(outs.some((r) => r.key?.toString() === `k-${FLAKY}`)).toBe(true);
    expect(proxy.flakyCalls()).toBeGreaterThan(1);

    // Predictions are right, keys and headers kept.
    for (const r of outs) {
      const i = Number(r.key!.toString().slice(2));
      const [label] = labelsOf('v2', 'rest', r.value!);
      expect(SPECIES[label!], `record ${i}`).toBe(messages[i]!.expected);
      expect(headersAsStrings(r.headers)['seq']).toBe(String(i));
    }

    // The faults went the documented ways: a partial batch response redelivered the flaky record's
    // partition from it, and the failed invocation was retried whole.
    const all = [...first, ...second];
    const partial = all.filter((r) => r.settlements?.some((s) => s.redeliverFrom !== undefined));
    expect(partial.length).toBeGreaterThan(0);
    const flakyAt = produced[FLAKY]!;
    expect(
      partial.some((r) =>
        r.settlements!.some((s) => s.partition === flakyAt.partition && s.redeliverFrom === flakyAt.offset),
      ),
    ).toBe(true);
    expect(exploded).toBe(1);
    expect(all.filter((r) => r.error !== undefined).map((r) => (r.error as Error).message)).toEqual([
      'injected invocation failure',
    ]);
    expect(poller1.stats.errors + poller2.stats.errors).toBe(1);
    expect(poller1.stats.redelivered + poller2.stats.redelivered).toBeGreaterThan(0);
    // Events are Lambda-sized and span partitions.
    expect(Math.max(...all.map((r) => r.records))).toBeLessThanOrEqual(100);
    expect(all.some((r) => Object.keys(r.event.records).length > 1)).toBe(true);
    expect(all.every((r) => r.event.eventSource === 'SelfManagedKafka')).toBe(true);
  });

  it('a poller started after everything is committed reprocesses nothing', async () => {
    // Prepare
    const reports: InvocationReport[] = [];
    const outBefore = (await readToEnd(output)).length;
    const poller = newPoller(reports);

    // Act: give it several batching windows and fetches.
    await poller.start();
    await new Promise((r) => setTimeout(r, 3_000));
    await poller.stop();

    // Assess
    expect(reports).toHaveLength(0);
    expect(poller.stats.recordsIn).toBe(0);
    expect((await readToEnd(output)).length).toBe(outBefore);
    const committed = await committedOffsets();
    for (const [p, end] of await endOffsets()) expect(committed.get(p)).toBe(end);
  });
});

import { status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { createdTopics, envFor, grpcFormat, prepareTopics, settle } from '../helpers/fault-scenario.js';
import { type GrpcFaultProxy, type ProxyPlan, startGrpcFaultProxy } from '../helpers/grpc-fault-proxy.js';
import { GRPC_MODELS, GRPC_PROTOCOLS } from '../helpers/grpc-models.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { deleteTopics } from '../helpers/kafka-topics.js';
import { type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { driveLambda } from '../helpers/lambda-driver.js';
import { modelServers } from '../helpers/models.js';

/**
 * Each protocol's gRPC path behind a proxy of the test's own that answers a status code instead of
 * the real model server's answer: a storm (every call, for longer than an invocation's time budget),
 * then, for the transient codes, every 4th call. The driver redelivers what each invocation reports,
 * as Lambda does; then in = out + errors with no good record dead-lettered, nothing lost,
 * duplicates only of records delivered again.
 *
 * DEADLINE_EXCEEDED is a model timeout, not a transient fault: a record that times out 3 times while
 * the model answers calls begun meanwhile is judged to hang the model and is dead-lettered (see
 * docs/failure-semantics.md). A storm must not look like that; a code sent on every 4th call would,
 * by design, so it gets the storm only.
 */

const RECORDS = 300;
const TIMEOUT_MS = 5_000;
/** Calls answered by the model before the storm, and how long the storm lasts. */
const STORM_AT_CALL = 60;
const STORM_MS = 5_000;
const CASES = [
  { code: GrpcStatus.UNAVAILABLE, everyFourth: true },
  { code: GrpcStatus.RESOURCE_EXHAUSTED, everyFourth: true },
  { code: GrpcStatus.DEADLINE_EXCEEDED, everyFourth: false },
] as const;

const handlers: LoadedHandler[] = [];
const proxies: GrpcFaultProxy[] = [];

afterAll(async () => {
  await Promise.allSettled([...handlers.map((h) => h.shutdown()), ...proxies.map((p) => p.close())]);
  await deleteTopics(createdTopics).catch(() => undefined);
  await closeKafkaHelpers();
});

/** The storm from call STORM_AT_CALL for STORM_MS, then every 4th call if asked. */
const stormPlan = (code: GrpcStatus, everyFourth: boolean): ProxyPlan => {
  let stormEnds: number | undefined;
  return (n) => {
    if (n < STORM_AT_CALL) return 'forward';
    stormEnds ??= Date.now() + STORM_MS;
    if (Date.now() < stormEnds || (everyFourth && n % 4 === 0)) return { refuse: code };
    return 'forward';
  };
};

describe.each(GRPC_PROTOCOLS)('%s over gRPC behind a proxy answering a transient code', (protocol) => {
  it.each(CASES.map(({ code, everyFourth }) => [GrpcStatus[code], code, everyFourth] as const))(
    '%s: retried, then reported; no good record dead-lettered, nothing lost',
    async (name, code, everyFourth) => {
      // Prepare
      const format = grpcFormat(protocol);
      const { t, records } = await prepareTopics(`grpc-${name.toLowerCase()}-${protocol}`, RECORDS, format);
      const { server, method, env } = GRPC_MODELS[protocol];
      const proxy = await startGrpcFaultProxy(
        modelServers[server].grpcAddress,
        method,
        stormPlan(code, everyFourth),
      );
      proxies.push(proxy);
      const loaded = await loadHandler(
        envFor(t, {
          ...env,
          MODEL_ENDPOINT: `grpc://${proxy.address}`,
          MODEL_CONCURRENCY: '4',
          MODEL_TIMEOUT_MS: '2000',
          RETRY_MAX_MS: '500',
          SAFETY_MARGIN_MS: '1500',
          POWERTOOLS_LOG_LEVEL: 'ERROR',
        }),
      );
      handlers.push(loaded);
      const started = Date.now();

      // Act
      const run = await driveLambda({
        topic: t.input,
        records,
        handler: loaded.handler,
        batchSize: RECORDS,
        timeoutMs: TIMEOUT_MS,
        maxRounds: 15,
      });

      // Assess
      const wall = Date.now() - started;
      console.log(
        `[grpc faults] ${protocol} ${name}: wall ${wall} ms, proxy calls ${proxy.calls()} ${JSON.stringify(proxy.taken())}`,
      );
      expect(proxy.taken()[name]).toBeGreaterThan(0);
      expect(run.invocations.every((i) => i.result === 'returned' && i.ms < TIMEOUT_MS)).toBe(true);
      expect(run.invocations.some((i) => i.reported.length > 0)).toBe(true);
      await settle(`gRPC ${protocol} ${name}`, run, t, 0, format);
    },
  );
});

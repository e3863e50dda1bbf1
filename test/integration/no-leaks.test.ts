import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaRecord, type RecordSpec } from '../helpers/factories.js';
import { encodeMessage, GRPC_NAMES, grpcIrisBytes } from '../helpers/grpc.js';
import { restRequest } from '../helpers/iris.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { readToEnd } from '../helpers/kafka-read.js';
import type { KafkaRecord } from '../helpers/kafka-records.js';
import { createTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { type LocalServer, requestBody, startHttpServer } from '../helpers/local-servers.js';
import { loadIrisTruth, repoRoot, restUrl } from '../helpers/models.js';
import { type FakeSecretsManager, fakeSecretsManager } from '../helpers/secrets-manager.js';

/**
 * Every auth mode and every failure kind, at LOG_LEVEL DEBUG with LOG_PAYLOADS=false: nothing the
 * handler process writes (stdout and stderr: Powertools, kafkajs through it, the SDK, Node) and no
 * header of a produced record holds a planted secret or a payload marker. Real Kafka and MLServer
 * where they can show it; local fakes for Secrets Manager, the Lambda Invoke API and a model whose
 * 500 and oversized answers carry the request.
 */
const tag = randomBytes(3).toString('hex');
/** Short: V8 quotes only 10 characters either side of a JSON syntax error. */
const MARKER = `MRK${tag}`;
// Short enough that V8, quoting 10 characters either side of a JSON syntax error, would quote it whole.
const PASSWORD = `PW${tag}`;
const PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----\nPLANTEDKEY${tag}AAAA\n-----END PRIVATE KEY-----\n`;
const AWS_KEYS = {
  AWS_ACCESS_KEY_ID: `AKIAPLANTED${tag.toUpperCase()}`,
  AWS_SECRET_ACCESS_KEY: `PLANTED-AWS-SECRET-${tag}`,
  AWS_SESSION_TOKEN: `PLANTED-SESSION-${tag}`,
};
const SECRETS = [PASSWORD, `PLANTEDKEY${tag}`, ...Object.values(AWS_KEYS)];
const MUST_NOT_APPEAR = [MARKER, ...SECRETS];
const HUGE_REPLY = 'huge-reply';

let model: LocalServer;
let lambda: LocalServer;
const dir = mkdtempSync(join(tmpdir(), 'no-leaks-'));

beforeAll(async () => {
  // MLServer behind a proxy: its 400 bodies quote the request already; its 500 body does not, so
  // the proxy answers the traceback-style body many model servers do; one request gets 3 MB back.
  model = await startHttpServer(async (req, res) => {
    const payload = await requestBody(req);
    if (payload.includes(HUGE_REPLY)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 48 && !res.destroyed; i++) res.write(`"${MARKER}${'x'.repeat(65_536)}"`);
      res.end();
      return;
    }
    const answer = await fetch(restUrl('mlserver'), {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json' },
    });
    const text = await answer.text();
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(
      answer.status === 500 ? JSON.stringify({ error: `ValueError: could not convert: ${payload}` }) : text,
    );
  });
  // The Lambda Invoke API for a function whose code raises with its input in the message.
  lambda = await startHttpServer(async (req, res) => {
    const payload = await requestBody(req);
    if (payload.includes(MARKER)) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
      res.end(
        JSON.stringify({
          errorType: 'ValueError',
          errorMessage: `could not convert string to float: '${MARKER}'`,
        }),
      );
      return;
    }
    const answer = await fetch(restUrl('mlserver'), {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json' },
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(await answer.text());
  });
});

afterAll(async () => {
  await Promise.all([model, lambda].map((s) => s.close()));
  await closeKafkaHelpers();
});

interface Run {
  /** Everything the handler process wrote, stdout then stderr. */
  readonly output: string;
  readonly result: { response?: { batchItemFailures: unknown[] }; thrown?: string };
}

/** The handler, cold, in a process of its own (see handler-process.ts), at LOG_LEVEL DEBUG. */
const run = async (
  env: Record<string, string>,
  records: readonly RecordSpec[],
  timeoutMs = 8_000,
): Promise<Run> => {
  const id = randomBytes(4).toString('hex');
  const eventPath = join(dir, `${id}-event.json`);
  const responsePath = join(dir, `${id}-response.json`);
  const grouped: Record<string, unknown[]> = {};
  for (const spec of records) {
    const r = lambdaRecord(spec);
    const id = `${r.topic}-${r.partition}`;
    grouped[id] = [...(grouped[id] ?? []), r];
  }
  writeFileSync(
    eventPath,
    JSON.stringify({ eventSource: 'SelfManagedKafka', bootstrapServers: '127.0.0.1:9092', records: grouped }),
  );
  const childEnv = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    LOG_LEVEL: 'DEBUG',
    AWS_REGION: 'us-east-1',
    ...AWS_KEYS,
    KAFKA_BROKER: '127.0.0.1:9092',
    SAFETY_MARGIN_MS: '2000',
    RETRY_BASE_MS: '20',
    PROTOCOL: 'v2',
    MODEL_NAME: 'iris',
    ...env,
  };
  const output = await new Promise<string>((resolve) => {
    execFile(
      join(repoRoot, 'node_modules/.bin/tsx'),
      [join(repoRoot, 'test/helpers/handler-process.ts'), eventPath, responsePath, String(timeoutMs)],
      { env: childEnv, cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
      (_error, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
    );
  });
  return { output, result: JSON.parse(readFileSync(responsePath, 'utf8')) as Run['result'] };
};

/**
 * The headers the handler adds (`msk-inference-*`). An error record carries the input as it came,
 * its value and its own headers included (a `proto-name` the protocol refuses, say): that is the
 * record, not a reason.
 */
const headerText = (records: readonly KafkaRecord[]): string =>
  records
    .flatMap((r) =>
      Object.entries(r.headers)
        .filter(([name]) => name.startsWith('msk-inference-'))
        .flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${name}: ${x.toString()}`)),
    )
    .join('\n');

const leaks = (text: string): string[] => MUST_NOT_APPEAR.filter((s) => text.includes(s));

const header = (r: KafkaRecord, name: string) => String(r.headers[name]);

const topics = async (prefix: string) => {
  const names = uniqueStreamTopics(prefix);
  await createTopics([names.output, names.errors], 1);
  return {
    names,
    env: {
      KAFKA_INPUT_TOPIC: names.input,
      KAFKA_OUTPUT_TOPIC: names.output,
      KAFKA_ERROR_TOPIC: names.errors,
    },
  };
};

const v2 = (inputs: unknown[], more: Record<string, unknown> = {}) => JSON.stringify({ inputs, ...more });
const row = () => loadIrisTruth().rows[0]!;

describe('no secret and no record or reply content in logs or headers (LOG_PAYLOADS=false)', () => {
  it('REST model: every record failure kind, model 4xx and 500 bodies, an oversized reply', async () => {
    // Prepare
    const { names, env } = await topics('leaks-rest');
    const at = (partition: number, value: string | Buffer, topic = names.input): RecordSpec => ({
      topic,
      partition,
      offset: 0,
      value,
    });
    const records = [
      at(0, JSON.stringify(restRequest('v2', row()))),
      at(1, `{"inputs": ${MARKER}`),
      at(2, v2([{ name: 'predict', shape: [1], datatype: `${MARKER}${'x'.repeat(900_000)}`, data: [1] }])),
      at(3, v2([{ name: MARKER, shape: [1], datatype: 'FP64', data: [1] }]), 'leaks-other-topic'),
      at(4, Buffer.from(`${MARKER}${' '.repeat(1_000_100)}`)),
      at(5, JSON.stringify({ ...restRequest('v2', row()), outputs: [{ name: MARKER }] })),
      at(6, v2([{ name: 'predict', shape: [1, 4], datatype: 'FP64', data: [MARKER, 2, 3, 4] }])),
      at(7, JSON.stringify({ ...restRequest('v2', row()), id: HUGE_REPLY })),
    ];

    // Act
    const { output, result } = await run({ ...env, MODEL_ENDPOINT: model.address }, records);
    const errors = await readToEnd(names.errors, { expected: 7 });

    // Assess
    expect(result.response).toEqual({ batchItemFailures: [] });
    expect(output).toContain('batch done');
    expect(errors.map((e) => header(e, 'msk-inference-error-kind')).sort()).toEqual([
      'decode',
      'model-error',
      'model-rejected',
      'shape',
      'too-large',
      'too-large',
      'wrong-topic',
    ]);
    for (const e of errors) expect(header(e, 'msk-inference-error').length).toBeLessThanOrEqual(256);
    expect(leaks(output)).toEqual([]);
    expect(leaks(headerText(errors))).toEqual([]);
  });

  it('gRPC model: unknown proto-name, undecodable bytes, INVALID_ARGUMENT details', async () => {
    // Prepare
    const { names, env } = await topics('leaks-grpc');
    const request = GRPC_NAMES.v2.request;
    const at = (partition: number, value: Buffer, protoName: string): RecordSpec => ({
      topic: names.input,
      partition,
      offset: 0,
      value,
      headers: { 'proto-name': protoName },
    });
    const badOutput = encodeMessage(request, {
      model_name: 'iris',
      inputs: [{ name: 'predict', datatype: 'FP64', shape: [1, 4], contents: { fp64_contents: row() } }],
      outputs: [{ name: MARKER }],
    });
    const records = [
      at(0, grpcIrisBytes('v2', [row()]), request),
      at(1, grpcIrisBytes('v2', [row()]), MARKER),
      at(2, Buffer.from(`\u00ff${MARKER}`), request),
      at(3, badOutput, request),
    ];

    // Act
    const { output, result } = await run(
      { ...env, TRANSPORT: 'grpc', MODEL_ENDPOINT: 'grpc://127.0.0.1:8081' },
      records,
    );
    const errors = await readToEnd(names.errors, { expected: 3 });

    // Assess
    expect(result.response).toEqual({ batchItemFailures: [] });
    expect(errors.map((e) => header(e, 'msk-inference-error-kind')).sort()).toEqual([
      'decode',
      'model-rejected',
      'unknown-proto-name',
    ]);
    expect(leaks(output)).toEqual([]);
    expect(leaks(headerText(errors))).toEqual([]);
  });

  it("Lambda-hosted model: the function's errorMessage", async () => {
    // Prepare
    const { names, env } = await topics('leaks-lambda');
    const records: RecordSpec[] = [
      { topic: names.input, partition: 0, offset: 0, value: JSON.stringify(restRequest('v2', row())) },
      {
        topic: names.input,
        partition: 1,
        offset: 0,
        value: v2([{ name: 'predict', shape: [1, 4], datatype: 'FP64', data: [1, 2, 3, 4] }], { id: MARKER }),
      },
    ];

    // Act
    const { output, result } = await run(
      { ...env, MODEL_ENDPOINT: 'lambda:iris-model', AWS_ENDPOINT_URL_LAMBDA: lambda.address },
      records,
    );
    const errors = await readToEnd(names.errors, { expected: 1 });

    // Assess
    expect(result.response).toEqual({ batchItemFailures: [] });
    expect(header(errors[0]!, 'msk-inference-error')).toBe('model function failed (ValueError)');
    expect(leaks(output)).toEqual([]);
    expect(leaks(headerText(errors))).toEqual([]);
  });

  describe('publish failures, in every auth mode', () => {
    let sm: FakeSecretsManager;
    let malformed: FakeSecretsManager;
    beforeAll(async () => {
      sm = await fakeSecretsManager(
        JSON.stringify({
          username: 'david',
          password: PASSWORD,
          certificate: 'CERT',
          privateKey: PRIVATE_KEY,
        }),
      );
      malformed = await fakeSecretsManager(`{"username":"david","password":${PASSWORD}}`);
    });
    afterAll(async () => Promise.all([sm.close(), malformed.close()]));

    const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka-a1b2c3';
    const cases: Array<[string, () => Record<string, string>]> = [
      ['none, broker unreachable', () => ({ KAFKA_AUTH: 'none', KAFKA_BROKER: '127.0.0.1:1' })],
      [
        'scram-sha-256',
        () => ({
          KAFKA_AUTH: 'scram-sha-256',
          KAFKA_TLS: 'false',
          KAFKA_SECRET_ARN: SECRET_ARN,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
        }),
      ],
      [
        'scram-sha-512',
        () => ({
          KAFKA_AUTH: 'scram-sha-512',
          KAFKA_TLS: 'false',
          KAFKA_SECRET_ARN: SECRET_ARN,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
        }),
      ],
      [
        'mtls',
        () => ({
          KAFKA_AUTH: 'mtls',
          KAFKA_SECRET_ARN: SECRET_ARN,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
        }),
      ],
      ['iam', () => ({ KAFKA_AUTH: 'iam' })],
      [
        'scram, malformed secret',
        () => ({
          KAFKA_AUTH: 'scram-sha-256',
          KAFKA_TLS: 'false',
          KAFKA_SECRET_ARN: SECRET_ARN,
          AWS_ENDPOINT_URL_SECRETS_MANAGER: malformed.endpoint,
        }),
      ],
    ];

    it.each(cases)('%s', async (_, auth) => {
      // Prepare
      const records: RecordSpec[] = [
        { topic: 'leaks-in', partition: 0, offset: 0, value: `{"inputs": ${MARKER}` },
        {
          topic: 'leaks-in',
          partition: 1,
          offset: 0,
          value: v2([{ name: 'a', shape: [1], datatype: MARKER, data: [1] }]),
        },
      ];
      const env = {
        KAFKA_INPUT_TOPIC: 'leaks-in',
        KAFKA_OUTPUT_TOPIC: 'leaks-out',
        KAFKA_ERROR_TOPIC: 'leaks-err',
        MODEL_ENDPOINT: model.address,
      };

      const secretCalls = sm.calls() + malformed.calls();

      // Act
      const { output, result } = await run({ ...env, ...auth() }, records);

      // Assess: nothing published, both records reported, the reason logged without secrets
      expect(result.response?.batchItemFailures).toHaveLength(2);
      expect(output).toContain('records left for redelivery');
      const readsSecret = auth()['KAFKA_SECRET_ARN'] !== undefined;
      expect(sm.calls() + malformed.calls() > secretCalls).toBe(readsSecret);
      expect(leaks(output)).toEqual([]);
    });
  });
});

describe('LOG_PAYLOADS=true', () => {
  it('logs the record value and the detail (parse message, model reply), still capped', async () => {
    // Prepare
    const { names, env } = await topics('leaks-payloads');
    const records: RecordSpec[] = [
      { topic: names.input, partition: 0, offset: 0, value: `{"inputs": ${MARKER}` },
      {
        topic: names.input,
        partition: 1,
        offset: 0,
        value: JSON.stringify({ ...restRequest('v2', row()), outputs: [{ name: MARKER }] }),
      },
    ];

    // Act
    const { output } = await run({ ...env, MODEL_ENDPOINT: model.address, LOG_PAYLOADS: 'true' }, records);
    const errors = await readToEnd(names.errors, { expected: 2 });

    // Assess
    const lines = output
      .split('\n')
      .filter((l) => l.includes('record dead-lettered'))
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line['detail']).toContain(MARKER);
    expect(leaks(headerText(errors))).toEqual([]);
  });
});

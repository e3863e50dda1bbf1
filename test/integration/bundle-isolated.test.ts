/**
 * The bundle alone, as Lambda loads it: built with the construct's options (lib/bundling.ts) for
 * each deployment (transport × Kafka authentication, and a Lambda model), copied into a folder of
 * the OS temp directory with no node_modules anywhere above it, and run in a `node` process of its
 * own with only the function's environment. Every module the handler can import, lazily too, must
 * be in the bundle: nothing is left to the nodejs22.x runtime (RUNTIME_PROVIDED_MODULES is empty),
 * so nothing is stubbed here. The AWS calls go to a local fake (AWS_ENDPOINT_URL) with fake
 * credentials, so the SDK clients run without reaching AWS; Kafka and the model are the local
 * services (a rejected SASL or TLS connection to the plaintext broker is expected, a missing module
 * is not).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaAuthKind } from '../../lib/authentication.js';
import { type BundleTarget, bundleTargetOf, RUNTIME_PROVIDED_MODULES } from '../../lib/bundling.js';
import type { Transport } from '../../lib/props.js';
import { buildBundle } from '../../scripts/local/bundle.js';
import { sampleEnvFile, sampleEventFile } from '../../scripts/local/generate-samples.js';
import { startFakeKafkaApi } from '../helpers/kafka-api.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { createTopics, deleteTopics, uniqueTopic } from '../helpers/kafka-topics.js';

const run = promisify(execFile);

/** Imports the bundle, handles one event, prints the response; plain ESM, no dependencies. */
const CHILD = `
import { readFileSync } from 'node:fs';
const [bundle, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const deadline = Date.now() + 8000;
const { handler, shutdown } = await import(new URL(bundle, import.meta.url).href);
const response = await handler(event, { awsRequestId: 'isolated', getRemainingTimeInMillis: () => deadline - Date.now() });
process.stdout.write('RESPONSE ' + JSON.stringify(response) + '\\n');
await Promise.race([shutdown(), new Promise((resolve) => setTimeout(resolve, 2000))]);
process.exit(0);
`;

interface AwsCall {
  readonly target: string | undefined;
  readonly path: string | undefined;
  readonly authorization: string | undefined;
}

/** Secrets Manager and Lambda, as far as the handler calls them; records what it was asked. */
const fakeAws = (calls: AwsCall[]): Server =>
  createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      calls.push({
        target: typeof target === 'string' ? target : undefined,
        path: req.url,
        authorization: req.headers.authorization,
      });
      if (target === 'secretsmanager.GetSecretValue') {
        const secret = { username: 'user', password: 'secret', certificate: 'not a PEM', privateKey: 'none' };
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ ARN: 'arn', Name: 'kafka', SecretString: JSON.stringify(secret) }));
        return;
      }
      // Lambda Invoke: an Open Inference Protocol answer, as the iris model gives.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          model_name: 'iris',
          outputs: [{ name: 'predict', shape: [1, 1], datatype: 'INT64', data: [0] }],
        }),
      );
    });
  });

let workDir: string;
let aws: Server;
let awsUrl: string;
const awsCalls: AwsCall[] = [];
const topics: string[] = [];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'msk-inference-isolated-'));
  aws = fakeAws(awsCalls);
  await new Promise<void>((resolve) => aws.listen(0, '127.0.0.1', resolve));
  awsUrl = `http://127.0.0.1:${(aws.address() as AddressInfo).port}`;
});

afterAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  await new Promise((resolve) => aws.close(resolve));
  await deleteTopics(topics);
  await closeKafkaHelpers();
});

/** The folders Node's resolution would look in for a bare import from `dir`. */
const nodeModulesAbove = (dir: string): string[] => {
  const found: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules'))) found.push(join(d, 'node_modules'));
    if (dirname(d) === d) return found;
  }
};

/** Builds the bundle for `target` into a folder of its own and copies the child beside it. */
const isolatedBundle = async (name: string, target: BundleTarget): Promise<string> => {
  const dir = join(workDir, name);
  const built = await buildBundle(join(workDir, `${name}-build`), target);
  cpSync(dirname(built), dir, { recursive: true });
  writeFileSync(join(dir, 'child.mjs'), CHILD);
  return dir;
};

/** The function's environment and nothing else: no NODE_PATH, a HOME without node_modules. */
const functionEnv = (dir: string, variables: Record<string, string>): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'],
  HOME: dir,
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDISOLATEDTEST',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL: awsUrl,
  ...variables,
});

const invoke = async (dir: string, transport: Transport, env: NodeJS.ProcessEnv) => {
  const { stdout, stderr } = await run(
    process.execPath,
    ['child.mjs', './index.mjs', sampleEventFile('v2', transport)],
    { cwd: dir, env, timeout: 60_000 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('RESPONSE '));
  return {
    stderr,
    response: line === undefined ? undefined : (JSON.parse(line.slice('RESPONSE '.length)) as unknown),
  };
};

const sampleVariables = async (transport: Transport): Promise<Record<string, string>> => {
  const output = uniqueTopic(`isolated-${transport}-out`);
  const errors = uniqueTopic(`isolated-${transport}-errors`);
  topics.push(output, errors);
  await createTopics([output, errors], 1);
  const { Parameters } = JSON.parse(readFileSync(sampleEnvFile('v2', transport), 'utf8')) as {
    Parameters: Record<string, string>;
  };
  return { ...Parameters, KAFKA_OUTPUT_TOPIC: output, KAFKA_ERROR_TOPIC: errors };
};

const MISSING_MODULE = /Cannot find (module|package)|ERR_MODULE_NOT_FOUND|Dynamic require of/;

describe('the bundle with no node_modules', () => {
  it('leaves nothing to the runtime, and its folder resolves no package', async () => {
    // Prepare: a bundle in its folder.
    const dir = await isolatedBundle('probe', {
      transport: 'rest',
      kafkaAuth: 'none',
      lambdaModel: false,
      clusterLookup: false,
      rootCa: false,
    });

    // Act: resolve a package the project has, from there.
    const probe = run(process.execPath, ['--input-type=module', '-e', "await import('kafkajs')"], {
      cwd: dir,
      env: functionEnv(dir, {}),
    });

    // Assess: no external is left, and Node finds no node_modules from the bundle's folder.
    expect(RUNTIME_PROVIDED_MODULES).toEqual([]);
    expect(nodeModulesAbove(dir)).toEqual([]);
    await expect(probe).rejects.toThrow(/ERR_MODULE_NOT_FOUND|Cannot find package/);
  }, 120_000);

  const auths: readonly KafkaAuthKind[] = ['none', 'iam', 'scram-sha-512', 'mtls'];
  const transports: readonly Transport[] = ['rest', 'grpc'];
  it.each(transports.flatMap((t) => auths.map((a) => [t, a] as const)))(
    '%s with KAFKA_AUTH %s starts and loads what its authentication imports',
    async (transport, auth) => {
      // Prepare: the sample environment with this authentication; secrets from the fake AWS.
      const variables = {
        ...(await sampleVariables(transport)),
        KAFKA_AUTH: auth,
        ...(auth === 'scram-sha-512' || auth === 'mtls'
          ? { KAFKA_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_isolated' }
          : {}),
      };
      const dir = await isolatedBundle(`${transport}-${auth}`, bundleTargetOf(variables));
      const before = awsCalls.length;

      // Act: one event, in a process of its own (a cold start).
      const { stderr, response } = await invoke(dir, transport, functionEnv(dir, variables));

      // Assess: init succeeded and the handler answered; every lazy import resolved; without
      // authentication the records are done, with it the plaintext broker refuses the producer.
      expect(stderr).not.toMatch(MISSING_MODULE);
      expect(response).toMatchObject({ batchItemFailures: expect.any(Array) });
      const failures = (response as { batchItemFailures: unknown[] }).batchItemFailures;
      if (auth === 'none') expect(failures).toEqual([]);
      else expect(failures.length).toBeGreaterThan(0);
      const secretCalls = awsCalls.slice(before).filter((c) => c.target === 'secretsmanager.GetSecretValue');
      if (auth === 'scram-sha-512' || auth === 'mtls') {
        expect(secretCalls.length).toBeGreaterThan(0);
        expect(secretCalls[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDISOLATEDTEST\//);
      } else {
        expect(secretCalls).toEqual([]);
      }
    },
  );

  it('with a lambda: model endpoint invokes it through the bundled Lambda client', async () => {
    // Prepare: the REST sample environment, the model a Lambda function (the fake AWS answers).
    const variables = { ...(await sampleVariables('rest')), MODEL_ENDPOINT: 'lambda:iris-model' };
    const dir = await isolatedBundle('rest-lambda', bundleTargetOf(variables));
    const before = awsCalls.length;

    // Act
    const { stderr, response } = await invoke(dir, 'rest', functionEnv(dir, variables));

    // Assess: every record went through Invoke, signed with the fake credentials, and was published.
    expect(stderr).not.toMatch(MISSING_MODULE);
    expect(response).toEqual({ batchItemFailures: [] });
    const invokes = awsCalls.slice(before).filter((c) => c.path?.startsWith('/2015-03-31/functions/'));
    expect(invokes.length).toBeGreaterThan(0);
    expect(invokes[0]?.path).toMatch(/^\/2015-03-31\/functions\/iris-model\/invocations/);
    expect(invokes[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDISOLATEDTEST\//);
  }, 120_000);

  it('with MSK_CLUSTER_ARN and no KAFKA_BROKER looks the brokers up through the bundled Kafka client', async () => {
    // Prepare: the REST sample environment, the brokers left to MSK's GetBootstrapBrokers (a local
    // fake answering with the documented response's plaintext field), the cluster the sample event names.
    const api = await startFakeKafkaApi({ bootstrapBrokerString: '127.0.0.1:9092' });
    const clusterArn = (
      JSON.parse(readFileSync(sampleEventFile('v2', 'rest'), 'utf8')) as { eventSourceArn: string }
    ).eventSourceArn;
    const { KAFKA_BROKER: _pinnedByLookup, ...sample } = await sampleVariables('rest');
    const variables = { ...sample, MSK_CLUSTER_ARN: clusterArn, AWS_ENDPOINT_URL_KAFKA: api.endpoint };
    const dir = await isolatedBundle('rest-cluster-lookup', bundleTargetOf(variables));

    try {
      // Act
      const { stderr, response } = await invoke(dir, 'rest', functionEnv(dir, variables));

      // Assess: one signed lookup for that cluster, and every record published to the brokers it named.
      expect(stderr).not.toMatch(MISSING_MODULE);
      expect(response).toEqual({ batchItemFailures: [] });
      expect(api.requests).toEqual([{ method: 'GET', clusterArn, signed: true }]);
    } finally {
      await api.close();
    }
  }, 120_000);
});

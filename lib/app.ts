import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { KAFKA_AUTH_KINDS, type KafkaAuthKind } from './authentication.js';
import { MskInferenceStack, type MskInferenceStackProps } from './msk-inference-stack.js';
import { parseSeldonDeployment } from './seldon-manifest.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Deployed when no `-c manifest=` is given: the iris model on the local test bed (MLServer, V2 REST). */
export const DEFAULT_MANIFEST = join(REPO_ROOT, 'examples', 'iris-v2.yaml');

/** The `-c key=value` context keys the app reads. */
export const CONTEXT_KEYS = [
  'manifest',
  'stackName',
  'mskClusterArn',
  'bootstrapServers',
  'modelEndpoint',
  'kafkaAuth',
  'kafkaSecretArn',
  'kafkaSecretKeyArn',
  'kafkaRootCaSecretArn',
  'vpcId',
  'availabilityZones',
  'subnetIds',
  'securityGroupIds',
  'minimumPollers',
  'maximumPollers',
  'alarmTopicArn',
] as const;
type ContextKey = (typeof CONTEXT_KEYS)[number];

const list = (v: string | undefined): string[] | undefined =>
  v
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

const integer = (key: ContextKey, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`-c ${key}=${v} is not an integer`);
  return n;
};

/**
 * Turns the app's context into stack props: reads and checks the manifest, applies the overrides.
 * Every error names the context key (or the manifest field) at fault.
 *
 * @example
 * const props = readStackProps((key) => app.node.tryGetContext(key));
 */
export const readStackProps = (context: (key: ContextKey) => unknown): MskInferenceStackProps => {
  const get = (key: ContextKey): string | undefined => {
    const v = context(key);
    return v === undefined || v === null || String(v).trim() === '' ? undefined : String(v).trim();
  };
  const manifestPath = get('manifest') ?? DEFAULT_MANIFEST;
  const file = isAbsolute(manifestPath) ? manifestPath : resolve(process.cwd(), manifestPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new Error(`-c manifest=${manifestPath}: cannot read ${file}`, { cause });
  }
  const streams = parseSeldonDeployment(text, manifestPath);
  // Relative to the project, so the template does not depend on where the checkout lives.
  const shownPath = relative(process.cwd(), file).startsWith('..')
    ? basename(file)
    : relative(process.cwd(), file);

  const kafkaAuth = get('kafkaAuth');
  if (kafkaAuth !== undefined && !(KAFKA_AUTH_KINDS as readonly string[]).includes(kafkaAuth)) {
    throw new Error(`-c kafkaAuth=${kafkaAuth} is not one of ${KAFKA_AUTH_KINDS.join(', ')}`);
  }
  const vpcId = get('vpcId');
  const subnetIds = list(get('subnetIds'));
  const availabilityZones = list(get('availabilityZones'));
  if (vpcId !== undefined && (subnetIds === undefined || availabilityZones === undefined)) {
    throw new Error('-c vpcId needs -c subnetIds=<private subnets> and -c availabilityZones=<their AZs>');
  }
  const securityGroupIds = list(get('securityGroupIds'));
  const minimumPollers = integer('minimumPollers', get('minimumPollers'));
  const maximumPollers = integer('maximumPollers', get('maximumPollers'));
  const mskClusterArn = get('mskClusterArn');
  const bootstrapServers = list(get('bootstrapServers'));
  const modelEndpoint = get('modelEndpoint');
  const kafkaSecretArn = get('kafkaSecretArn');
  const kafkaSecretKeyArn = get('kafkaSecretKeyArn');
  const kafkaRootCaSecretArn = get('kafkaRootCaSecretArn');
  const alarmTopicArn = get('alarmTopicArn');
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const region = process.env.CDK_DEFAULT_REGION;

  return {
    streams,
    description: `Seldon serverType: kafka streams from ${shownPath} (msk-inference)`,
    ...(account || region ? { env: { account, region } } : {}),
    ...(mskClusterArn ? { mskClusterArn } : {}),
    ...(bootstrapServers ? { bootstrapServers } : {}),
    ...(kafkaRootCaSecretArn ? { kafkaRootCaSecretArn } : {}),
    ...(modelEndpoint ? { modelEndpoint } : {}),
    ...(kafkaAuth
      ? {
          authentication: {
            kind: kafkaAuth as KafkaAuthKind,
            ...(kafkaSecretArn ? { secretArn: kafkaSecretArn } : {}),
            ...(kafkaSecretKeyArn ? { secretKeyArn: kafkaSecretKeyArn } : {}),
          },
        }
      : {}),
    ...(vpcId && subnetIds && availabilityZones
      ? {
          vpc: {
            vpcId,
            availabilityZones,
            privateSubnetIds: subnetIds,
            ...(securityGroupIds ? { securityGroupIds } : {}),
          },
        }
      : {}),
    ...(minimumPollers !== undefined || maximumPollers !== undefined
      ? { provisionedPollers: { minimumPollers, maximumPollers } }
      : {}),
    ...(alarmTopicArn ? { alarmTopicArn } : {}),
  };
};

/**
 * The whole app: one `MskInferenceStack` from the context, checked with cdk-nag's AwsSolutions pack
 * (any unacknowledged finding stops synthesis).
 *
 * @example
 * buildApp(new App());
 */
export const buildApp = (app: App): MskInferenceStack => {
  const props = readStackProps((key) => app.node.tryGetContext(key));
  const stack = new MskInferenceStack(
    app,
    String(app.node.tryGetContext('stackName') ?? 'MskInferenceStack'),
    props,
  );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
};

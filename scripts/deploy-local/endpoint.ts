/**
 * Where `npm run deploy:local` sends AWS calls, and the environment that keeps every client there.
 * Nothing in deploy-local may reach real AWS: each client takes its endpoint from here, and the
 * endpoint must be a loopback URL.
 */
import { join } from 'node:path';

/** moto's port unless DEPLOY_LOCAL_PORT says otherwise (5000, moto's own default, is seldon-core's gRPC). */
export const DEFAULT_PORT = 5055;
/** moto's default account for any access key. */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
/** moto accepts any keys; these are the ones its documentation uses. */
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Throws unless `url` is an http(s) URL on this machine's loopback.
 *
 * @example
 * assertLocalEndpoint('http://localhost:5055'); // ok
 * assertLocalEndpoint('https://lambda.us-east-1.amazonaws.com'); // throws
 */
export const assertLocalEndpoint = (url: string | undefined): string => {
  let parsed: URL;
  try {
    parsed = new URL(url ?? '');
  } catch {
    throw new Error(`deploy-local: AWS_ENDPOINT_URL '${url}' is not a URL; refusing to call AWS`);
  }
  if (!['http:', 'https:'].includes(parsed.protocol) || !LOOPBACK_HOSTS.has(parsed.hostname)) {
    throw new Error(`deploy-local: AWS_ENDPOINT_URL '${url}' is not a localhost URL; refusing to call AWS`);
  }
  return url as string;
};

/**
 * `http://localhost:<port>`: `localhost`, not 127.0.0.1, because moto reads the bucket of a
 * CloudFormation TemplateURL from the path only when the URL names localhost (else from the host).
 *
 * @example
 * endpointFor(5055); // 'http://localhost:5055'
 */
export const endpointFor = (port: number): string => `http://localhost:${port}`;

/**
 * The environment for the CDK CLI (and the app it runs): every AWS call to `endpoint`, test keys, no
 * profile, config or instance metadata that could carry real credentials, and CDK's own home.
 *
 * @example
 * spawn('npx', ['cdk', 'deploy'], { env: awsEnvironment('http://localhost:5055', '.cache/deploy-local/cdk-home') });
 */
export const awsEnvironment = (endpoint: string, cdkHome: string): NodeJS.ProcessEnv => {
  assertLocalEndpoint(endpoint);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  }
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    // The CDK CLI builds the TemplateURL it hands CloudFormation from this one.
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: endpoint,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_CONFIG_FILE: join(cdkHome, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(cdkHome, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_HOME: cdkHome,
  };
};

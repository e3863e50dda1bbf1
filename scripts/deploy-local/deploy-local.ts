/**
 * `cdk bootstrap` + `cdk deploy` against moto on localhost, then the round trip of each stack's
 * event source mappings and functions (round-trip.ts). moto is stopped at the end, whatever happens.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { bootstrap, deploy, REPO_ROOT } from './cdk.js';
import type { Deployment } from './deployments.js';
import { assertLocalEndpoint, awsEnvironment, endpointFor, REGION, TEST_CREDENTIALS } from './endpoint.js';
import { startMoto } from './moto-server.js';
import { type Mismatch, roundTrip } from './round-trip.js';
import { listStackResources, localCloudFormation } from './stack-resources.js';
import { readTemplate } from './template.js';

/** Everything deploy-local writes: CDK's home, the synthesized apps, the logs. */
export const WORK_DIR = join(REPO_ROOT, '.cache', 'deploy-local');

export interface DeploymentResult {
  readonly deployment: Deployment;
  readonly deploySeconds: number;
  readonly mappings: number;
  readonly functions: number;
  readonly mismatches: Mismatch[];
}

export interface DeployLocalReport {
  readonly installSeconds: number;
  readonly bootstrapSeconds: number;
  readonly results: DeploymentResult[];
}

const seconds = (since: number): number => Math.round((Date.now() - since) / 100) / 10;

/** `scripts/deploy-local/install-moto.sh`: the venv's python (its last line of output). */
const installMoto = async (): Promise<string> => {
  const { stdout } = await promisify(execFile)(
    'bash',
    [join(REPO_ROOT, 'scripts', 'deploy-local', 'install-moto.sh')],
    {
      cwd: REPO_ROOT,
      maxBuffer: 1 << 20,
    },
  );
  return stdout.trim().split('\n').pop() ?? '';
};

/**
 * Installs moto (once), starts it on `port`, bootstraps, deploys and checks each of `deployments`.
 *
 * @param say progress lines
 * @example
 * const report = await deployLocal(selectDeployments(['default']), 5055, console.error);
 */
export const deployLocal = async (
  deployments: readonly Deployment[],
  port: number,
  say: (line: string) => void,
): Promise<DeployLocalReport> => {
  const endpoint = assertLocalEndpoint(endpointFor(port));
  const cdkHome = join(WORK_DIR, 'cdk-home');
  const logs = join(WORK_DIR, 'logs');
  mkdirSync(cdkHome, { recursive: true });
  const env = awsEnvironment(endpoint, cdkHome);

  let started = Date.now();
  const python = await installMoto();
  const installSeconds = seconds(started);
  say(`moto venv ready (${installSeconds} s); starting moto on ${endpoint}`);
  const moto = await startMoto(python, port, join(logs, 'moto.log'));
  try {
    started = Date.now();
    await bootstrap(env, join(logs, 'bootstrap.log'), cdkHome);
    const bootstrapSeconds = seconds(started);
    say(`cdk bootstrap: ${bootstrapSeconds} s`);

    const lambda = new LambdaClient({ endpoint, region: REGION, credentials: TEST_CREDENTIALS });
    const cloudFormation = localCloudFormation(endpoint);
    const results: DeploymentResult[] = [];
    for (const deployment of deployments) {
      const outdir = join(WORK_DIR, 'out', deployment.name);
      rmSync(outdir, { recursive: true, force: true });
      started = Date.now();
      await deploy(deployment.app, deployment.context, outdir, env, join(logs, `${deployment.name}.log`));
      const deploySeconds = seconds(started);
      const resources = await listStackResources(cloudFormation, deployment.stackName);
      const check = await roundTrip(
        readTemplate(outdir, deployment.stackName),
        deployment.stackName,
        resources,
        lambda,
      );
      say(
        `${deployment.name}: deployed ${deployment.stackName} in ${deploySeconds} s; ` +
          `${check.mappings} mapping(s), ${check.functions} function(s), ${check.mismatches.length} mismatch(es)`,
      );
      results.push({ deployment, deploySeconds, ...check });
    }
    lambda.destroy();
    cloudFormation.destroy();
    return { installSeconds, bootstrapSeconds, results };
  } finally {
    await moto.stop();
    say('moto stopped');
  }
};

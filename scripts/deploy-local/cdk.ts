/** The project's own CDK CLI, run against moto: `cdk bootstrap` and `cdk deploy`. */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACCOUNT, REGION } from './endpoint.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CDK = join(REPO_ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk');

const tail = (file: string, lines: number): string =>
  readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');

/**
 * Runs `cdk <args>` in `cwd` (the repository unless said) with `env`; its output goes to `logFile`
 * only. Rejects with the log's last lines when the command fails.
 *
 * @example
 * await runCdk(['deploy', '--require-approval', 'never'], env, '.cache/deploy-local/logs/default.log');
 */
export const runCdk = (
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  cwd: string = REPO_ROOT,
): Promise<void> =>
  new Promise((resolve, reject) => {
    mkdirSync(dirname(logFile), { recursive: true });
    const log = createWriteStream(logFile);
    const child = spawn(process.execPath, [CDK, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      log.end(() => {
        if (code === 0) return resolve();
        reject(
          new Error(
            `deploy-local: 'cdk ${args.join(' ')}' failed (${signal ?? `exit ${code}`}); last lines of ${logFile}:\n` +
              tail(logFile, 25),
          ),
        );
      });
    });
  });

/**
 * `cdk bootstrap` of moto's account and region, run in `cwd`, a folder without cdk.json: bootstrapping
 * needs no app, and synthesizing ours here would only cost time.
 */
export const bootstrap = (env: NodeJS.ProcessEnv, logFile: string, cwd: string): Promise<void> =>
  runCdk(['bootstrap', `aws://${ACCOUNT}/${REGION}`], env, logFile, cwd);

/**
 * `cdk deploy` of `app` (cdk.json's when undefined) with `context`: synthesizes into `outdir` (the
 * template the round trip compares with) and deploys it without asking.
 */
export const deploy = (
  app: string | undefined,
  context: Readonly<Record<string, string>>,
  outdir: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<void> =>
  runCdk(
    [
      'deploy',
      ...(app ? ['--app', app] : []),
      '--require-approval',
      'never',
      '--output',
      outdir,
      '--progress',
      'events',
      ...Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    ],
    env,
    logFile,
  );

/**
 * vitest globalSetup of the integration project: makes sure the local services are up
 * (README.md, "Local services") before any integration test runs.
 *
 * Runs `scripts/services.sh up`, which is idempotent: a running broker or model server is reused and
 * downloads are cached, so reruns are fast. Services are left running at teardown on purpose; stop
 * them with `npm run services:down`. While `scripts/services/models.sh` does not exist yet, only
 * Kafka is started.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export default async function setup(): Promise<void> {
  const started = Date.now();
  if (existsSync(`${root}scripts/services/models.sh`)) {
    await run('bash', ['scripts/services.sh', 'up']);
  } else {
    console.log('[global-setup] scripts/services/models.sh not found: starting Kafka only, no model servers');
    await run('bash', ['scripts/services/kafka.sh', 'up']);
  }
  console.log(`[global-setup] services ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Runs a command from the repository root, its output streamed to the console. */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: process.env });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      const how = signal ?? `exit ${code}`;
      reject(new Error(`[global-setup] '${command} ${args.join(' ')}' failed (${how})`));
    });
  });
}

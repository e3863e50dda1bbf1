/**
 * MLServer's own Kafka server, the reference the issue compares with: a second MLServer from the
 * same venv and the same model file, on its own ports, with `MLSERVER_KAFKA_ENABLED`. It consumes
 * V2 request JSON from its input topic (model named by the `mlserver-model` header, see
 * mlserver/kafka/handlers.py), answers each record as soon as it is read (no ordering, no commits:
 * its consumer has no group and starts at the topic's end), and produces the answer, keyed like the
 * request, to its output topic.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isListening } from '../local/local-services.js';
import { type StartedChild, track } from './children.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VENV = join(ROOT, '.cache', 'venvs', 'mlserver');
const MODEL_FILE = join(ROOT, '.cache', 'models', 'iris', 'model.joblib');
/** HTTP port of the second MLServer (gRPC and metrics take the next two). */
const BASE_PORT = Number(process.env['BENCH_MLSERVER_PORT'] ?? 8090);

export interface MlserverKafkaOptions {
  readonly brokers: readonly string[];
  readonly inputTopic: string;
  readonly outputTopic: string;
  /** Folder for its model repository and log (under the ignored bench-results/). */
  readonly dir: string;
}

export interface MlserverKafka {
  readonly log: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const startMlserverKafka = async (options: MlserverKafkaOptions): Promise<MlserverKafka> => {
  const mlserver = join(VENV, 'bin', 'mlserver');
  if (!existsSync(mlserver) || !existsSync(MODEL_FILE)) {
    throw new Error(`${mlserver} or ${MODEL_FILE} is missing: run 'npm run services:up' first`);
  }
  const ports = [BASE_PORT, BASE_PORT + 1, BASE_PORT + 2];
  for (const port of ports) {
    if (await isListening(`127.0.0.1:${port}`)) {
      throw new Error(`port ${port} is taken; set BENCH_MLSERVER_PORT to a free range of three ports`);
    }
  }
  const dir = resolve(options.dir);
  mkdirSync(join(dir, 'iris'), { recursive: true });
  mkdirSync(join(dir, 'metrics'), { recursive: true });
  // The settings of scripts/services/models/mlserver/, with the ports moved.
  writeFileSync(
    join(dir, 'settings.json'),
    JSON.stringify({
      debug: false,
      host: '127.0.0.1',
      http_port: ports[0],
      grpc_port: ports[1],
      metrics_port: ports[2],
      parallel_workers: 0,
      load_models_at_startup: true,
    }),
  );
  writeFileSync(
    join(dir, 'iris', 'model-settings.json'),
    JSON.stringify({
      name: 'iris',
      implementation: 'mlserver_sklearn.SKLearnModel',
      parameters: { uri: MODEL_FILE },
    }),
  );
  const log = join(dir, 'mlserver.log');
  const out = openSync(log, 'w');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    // As scripts/services/models.sh starts the first one.
    PYTHONUNBUFFERED: '1',
    OMP_NUM_THREADS: '1',
    OPENBLAS_NUM_THREADS: '1',
    MKL_NUM_THREADS: '1',
    MLSERVER_METRICS_DIR: join(dir, 'metrics'),
    MLSERVER_KAFKA_ENABLED: 'true',
    MLSERVER_KAFKA_SERVERS: options.brokers.join(','),
    MLSERVER_KAFKA_TOPIC_INPUT: options.inputTopic,
    MLSERVER_KAFKA_TOPIC_OUTPUT: options.outputTopic,
  };
  const started: StartedChild = track(
    spawn(mlserver, ['start', dir], { cwd: dir, env, detached: true, stdio: ['ignore', out, out] }),
    true,
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (started.child.exitCode !== null) throw new Error(`MLServer (Kafka) exited at start; see ${log}`);
    const ready = await fetch(`http://127.0.0.1:${ports[0]}/v2/models/iris/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await started.stop();
      throw new Error(`MLServer (Kafka) not ready within 120 s; see ${log}`);
    }
    await sleep(250);
  }
  return { log, pid: started.child.pid, stop: () => started.stop() };
};

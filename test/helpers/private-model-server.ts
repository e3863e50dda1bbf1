/**
 * A private copy of one local model server (MLServer, the seldon-core microservice or the
 * TensorFlow-protocol server), started from the venvs `scripts/services/models.sh up` built, on free
 * ports of its own and with its own scratch folder: a test may kill and restart it without touching
 * the shared servers on 8080/8081, 9000/5000 and 8501/8500 that other test runs use.
 *
 * It runs as the leader of its own process group (workers included), so a kill is the whole server
 * dying at once, like a crashed container.
 *
 * ```ts
 * const server = await startPrivateModelServer('v2'); // MLServer, answering the truth rows over gRPC
 * await server.kill();    // SIGKILL to its process group
 * await server.restart(); // same ports, resolves once it answers again
 * await server.stop();
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import type { Protocol } from '../../functions/stream-inference/config.js';
import { grpcIrisBytes, grpcLabels } from './grpc.js';
import { GRPC_MODELS } from './grpc-models.js';
import { loadIrisTruth, MODEL_HOST, type ModelServerName, repoRoot } from './models.js';

export interface PrivateModelServer {
  readonly name: ModelServerName;
  /** `host:port` of its gRPC server. */
  readonly grpcAddress: string;
  /** The handler's environment for this server's gRPC port, MODEL_ENDPOINT included. */
  readonly env: Readonly<Record<string, string>>;
  /** SIGKILL to its process group; resolves once every process of the group is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same ports; resolves once it answers the truth rows over gRPC. */
  restart(): Promise<void>;
  /** Kills it (if running) and removes its scratch folder. */
  stop(): Promise<void>;
}

const cache = `${repoRoot}.cache`;
const modelFile = `${cache}/models/iris/model.joblib`;
const READY_TIMEOUT_MS = 180_000;

/** A free loopback port (bound, then released: a race with another process is unlikely on loopback). */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, MODEL_HOST, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

interface Launch {
  readonly env: Record<string, string>;
  readonly command: string;
  readonly args: readonly string[];
}

/** How models.sh starts each server (`start_service`), on the given ports and scratch folder. */
const launchOf = (name: ModelServerName, ports: readonly number[], dir: string): Launch => {
  const [rest, grpc, metrics] = ports as [number, number, number];
  switch (name) {
    case 'mlserver': {
      // MLServer takes its ports from settings.json in the model repository, ahead of the environment.
      mkdirSync(`${dir}/repo/iris`, { recursive: true });
      writeFileSync(
        `${dir}/repo/settings.json`,
        JSON.stringify({
          host: MODEL_HOST,
          http_port: rest,
          grpc_port: grpc,
          metrics_port: metrics,
          parallel_workers: 0,
          load_models_at_startup: true,
        }),
      );
      writeFileSync(
        `${dir}/repo/iris/model-settings.json`,
        JSON.stringify({
          name: 'iris',
          implementation: 'mlserver_sklearn.SKLearnModel',
          parameters: { uri: modelFile },
        }),
      );
      mkdirSync(`${dir}/metrics`, { recursive: true });
      return {
        env: { MLSERVER_METRICS_DIR: `${dir}/metrics` },
        command: `${cache}/venvs/mlserver/bin/mlserver`,
        args: ['start', `${dir}/repo`],
      };
    }
    case 'seldon':
      return {
        env: {
          SELDON_BIND_HOST: MODEL_HOST,
          GUNICORN_WORKERS: '1',
          GUNICORN_THREADS: '2',
          GRPC_WORKERS: '1',
          GRPC_THREADS: '2',
        },
        command: `${cache}/venvs/seldon/bin/python`,
        args: [
          `${repoRoot}scripts/services/models/seldon/serve.py`,
          'IrisModel',
          '--service-type',
          'MODEL',
          '--http-port',
          String(rest),
          '--grpc-port',
          String(grpc),
          '--metrics-port',
          String(metrics),
        ],
      };
    case 'tensorflow':
      return {
        env: {
          PROTO_PY_DIR: `${cache}/gen/python`,
          TF_BIND_HOST: MODEL_HOST,
          TF_REST_PORT: String(rest),
          TF_GRPC_PORT: String(grpc),
        },
        command: `${cache}/venvs/kserve/bin/python`,
        args: [`${repoRoot}scripts/services/models/tfserving/server.py`],
      };
  }
};

const groupAlive = (pid: number): boolean => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One gRPC call of the truth rows on a fresh channel (a channel that failed to connect would wait
 * out its reconnect backoff); resolves true when the labels are the truth's.
 */
const answersTruth = (address: string, protocol: Protocol): Promise<boolean> => {
  const truth = loadIrisTruth();
  const client = new Client(address, credentials.createInsecure());
  return new Promise<boolean>((resolve) => {
    client.makeUnaryRequest(
      GRPC_MODELS[protocol].method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      grpcIrisBytes(protocol, truth.rows),
      new Metadata(),
      { deadline: Date.now() + 2_000 },
      (error, answer?: Buffer) => {
        if (error !== null || answer === undefined) return resolve(false);
        resolve(JSON.stringify(grpcLabels(protocol, answer)) === JSON.stringify(truth.labels));
      },
    );
  }).finally(() => client.close());
};

/**
 * Starts a private copy of the server of `protocol` and waits until its gRPC port answers the truth
 * rows.
 *
 * @example
 * const server = await startPrivateModelServer('tensorflow');
 * const loaded = await loadHandler({ ...server.env, KAFKA_INPUT_TOPIC: … });
 */
export const startPrivateModelServer = async (protocol: Protocol): Promise<PrivateModelServer> => {
  const name = GRPC_MODELS[protocol].server;
  const dir = mkdtempSync(join(tmpdir(), `private-${name}-`));
  const ports = [await freePort(), await freePort(), await freePort()];
  const launch = launchOf(name, ports, dir);
  const grpcAddress = `${MODEL_HOST}:${ports[1]}`;
  let child: ChildProcess | undefined;
  let starts = 0;

  const start = async (): Promise<void> => {
    const log = openSync(`${dir}/server-${++starts}.log`, 'w');
    const started = spawn(launch.command, launch.args, {
      cwd: dir,
      detached: true, // its own process group: the kill takes its workers too
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        OMP_NUM_THREADS: '1',
        OPENBLAS_NUM_THREADS: '1',
        MKL_NUM_THREADS: '1',
        IRIS_MODEL_PATH: modelFile,
        ...launch.env,
      },
    });
    child = started;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await answersTruth(grpcAddress, protocol))) {
      if (started.exitCode !== null || started.signalCode !== null)
        throw new Error(`private ${name} exited while starting: see ${dir}/server-${starts}.log`);
      if (Date.now() > deadline) throw new Error(`private ${name} did not answer within 180 s`);
      await sleep(200);
    }
  };

  const kill = async (): Promise<void> => {
    const pid = child?.pid;
    if (pid === undefined || !groupAlive(pid)) return;
    process.kill(-pid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (groupAlive(pid)) {
      if (Date.now() > deadline) throw new Error(`private ${name}: process group ${pid} outlived SIGKILL`);
      await sleep(50);
    }
  };

  // A test run that ends without its afterAll (a crash, process.exit) must not leave the server behind.
  const onExit = () => {
    if (child?.pid !== undefined && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  };
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.off('exit', onExit);
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    name,
    grpcAddress,
    env: { ...GRPC_MODELS[protocol].env, MODEL_ENDPOINT: `grpc://${grpcAddress}` },
    kill,
    restart: start,
    stop,
  };
};

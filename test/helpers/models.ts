/**
 * The local model servers (README.md, "Local services"; started by `scripts/services/models.sh up`) and
 * the truth they are checked against.
 *
 * Every server serves the same fitted scikit-learn model as `iris` and answers the class LABEL of
 * sklearn's `predict` (0 setosa, 1 versicolor, 2 virginica) per row of 4 floats.
 *
 * ```ts
 * const truth = loadIrisTruth(); // .cache/models/iris/truth.json, written at setup
 * const res = await fetch(restUrl('tensorflow'), { method: 'POST', body: JSON.stringify({ instances: truth.rows }) });
 * // (await res.json()).predictions equals truth.labels
 * ```
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Repository root, ending in a slash. */
export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url));

/** Folder of the .proto files (include path for @grpc/proto-loader and protobufjs). */
export const protosDir = `${repoRoot}protos`;

/** The model every server serves. */
export const IRIS_MODEL = 'iris';

/** Every model server listens on this address only. */
export const MODEL_HOST = '127.0.0.1';

export type ModelServerName = 'mlserver' | 'seldon' | 'tensorflow';

export interface ModelServer {
  /** Which protocol of the README's "Protocols and transports" table the server speaks. */
  protocol: 'kfserving' | 'seldon' | 'tensorflow';
  restPort: number;
  grpcPort: number;
  /** REST base URL, without a trailing slash. */
  restBase: string;
  /** REST prediction paths for the `iris` model; the first is the usual one. */
  restPaths: readonly string[];
  /** `host:port` of the gRPC server. */
  grpcAddress: string;
  /** Full gRPC method paths that predict; the first is the usual one. */
  grpcMethods: readonly string[];
  /** Proto file (under {@link protosDir}) that declares the gRPC service. */
  protoFile: string;
}

function server(
  protocol: ModelServer['protocol'],
  restPort: number,
  grpcPort: number,
  restPaths: readonly string[],
  grpcMethods: readonly string[],
  protoFile: string,
): ModelServer {
  return {
    protocol,
    restPort,
    grpcPort,
    restBase: `http://${MODEL_HOST}:${restPort}`,
    restPaths,
    grpcAddress: `${MODEL_HOST}:${grpcPort}`,
    grpcMethods,
    protoFile,
  };
}

/** Endpoints of the three local model servers. */
export const modelServers: Readonly<Record<ModelServerName, ModelServer>> = {
  /** MLServer + mlserver-sklearn: Open Inference Protocol (V2 / kfserving). Metrics on 8082. */
  mlserver: server(
    'kfserving',
    8080,
    8081,
    [`/v2/models/${IRIS_MODEL}/infer`],
    ['/inference.GRPCInferenceService/ModelInfer'],
    'inference/grpc_service.proto',
  ),
  /** seldon-core v1 Python microservice (protocol seldon). Metrics on 6000. */
  seldon: server(
    'seldon',
    9000,
    5000,
    ['/api/v1.0/predictions', '/predict'],
    ['/seldon.protos.Seldon/Predict', '/seldon.protos.Model/Predict'],
    'seldon/protos/prediction.proto',
  ),
  /** KServe v1 REST (the TensorFlow Serving REST API) + a tensorflow.serving.PredictionService stand-in. */
  tensorflow: server(
    'tensorflow',
    8501,
    8500,
    [`/v1/models/${IRIS_MODEL}:predict`],
    ['/tensorflow.serving.PredictionService/Predict'],
    'tensorflow_serving/apis/prediction_service.proto',
  ),
};

/** The usual REST prediction URL of a server for the `iris` model. */
export function restUrl(name: ModelServerName, path?: string): string {
  const s = modelServers[name];
  return `${s.restBase}${path ?? s.restPaths[0]}`;
}

/** `.cache/models/iris/truth.json`, written by scripts/services/models/train_iris.py. */
export interface IrisTruth {
  model: 'iris';
  sklearn_version: string;
  estimator: string;
  feature_names: string[];
  /** Class labels the model can answer: [0, 1, 2]. */
  classes: number[];
  /** Name of each class label: setosa, versicolor, virginica. */
  target_names: string[];
  /** Where each row sits in sklearn's iris data set. */
  indices: number[];
  /** The 10 rows of 4 features each (sepal length, sepal width, petal length, petal width), as sent to the servers. */
  rows: number[][];
  /** The model's `predict` label for each row: what every server must answer. */
  labels: number[];
  /** The model's `predict_proba` for each row (one probability per class). */
  probabilities: number[][];
  /** The data set's own target per row; differs from `labels` where the model is wrong (rows 70, 83, 106). */
  dataset_targets: number[];
}

export const irisTruthPath = `${repoRoot}.cache/models/iris/truth.json`;

/** Reads truth.json; throws with a hint when the model servers were never set up. */
export function loadIrisTruth(path: string = irisTruthPath): IrisTruth {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path} is missing: run 'bash scripts/services/models.sh up' first (${String(e)})`);
  }
  const truth = JSON.parse(text) as IrisTruth;
  if (
    truth.rows.length !== truth.labels.length ||
    truth.rows.some((row) => row.length !== 4) ||
    truth.probabilities.length !== truth.labels.length
  ) {
    throw new Error(`${path} is malformed`);
  }
  return truth;
}

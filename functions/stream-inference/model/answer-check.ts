/**
 * The check of every successful model answer before it may be published. A proxy in front of the
 * model (an ingress, an auth gateway, a misrouted load balancer) can answer 200 with a login page,
 * an empty body or JSON of its own: published, it would reach consumers as a prediction. Such an
 * answer is the model's fault, judged like an HTTP 500: retried a few times, then dead-lettered if
 * the model answered other records meanwhile, else left for redelivery (see batch/fates.ts).
 */
import type { Config } from '../config.js';
import { ConfigError, FailureKind, RecordFailure } from '../failures.js';
import { described, parseJson } from '../reason.js';
import { isObject } from './protocols/json.js';
import type { ProtocolSpec } from './protocols/types.js';

/** Throws a `RecordFailure` of kind `model-error` when a successful answer is not the protocol's response. */
export type AnswerCheck = (answer: Buffer) => void;

/** How a reason names a successful answer of each transport. */
const ANSWERED = {
  http: 'model answered HTTP 2xx with a body',
  lambda: 'model function answered with a payload',
  grpc: 'model answered gRPC OK with a reply',
} as const;

/**
 * The error for an answer that is not the protocol's response: `why` in our words, the answer itself
 * only as the detail (for LOG_PAYLOADS=true): a login page may quote anything.
 *
 * @example
 * throw badAnswer('model answered gRPC OK with a reply', 'inference.ModelInferResponse', 'it does not decode');
 */
export const badAnswer = (answered: string, what: string, why: string, answer?: Buffer): RecordFailure =>
  new RecordFailure(`${answered} that is not a ${what} (${why})`, {
    kind: FailureKind.modelError,
    ...(answer === undefined || answer.length === 0 ? {} : { detail: answer.toString('utf8') }),
  });

/**
 * The check of a JSON answer (REST, or a Lambda model's payload): a JSON object the spec accepts
 * as its response.
 *
 * @example
 * const check = jsonAnswerCheck(protocolSpec('v2'), 'http');
 * check(Buffer.from('{"hello":"world"}')); // throws: "... not a V2 response (it has no outputs array)"
 */
export const jsonAnswerCheck = (spec: ProtocolSpec, transport: 'http' | 'lambda'): AnswerCheck => {
  const answered = ANSWERED[transport];
  const what = `${spec.title} response`;
  return (answer) => {
    if (answer.length === 0) throw badAnswer(answered, what, 'empty');
    const parsed = parseJson(answer.toString('utf8'));
    if (!parsed.ok) throw badAnswer(answered, what, `not JSON: ${parsed.reason}`, answer);
    if (!isObject(parsed.value)) {
      throw badAnswer(answered, what, `${described(parsed.value)}, not an object`, answer);
    }
    const problem = spec.restAnswerProblem(parsed.value);
    if (problem !== undefined) throw badAnswer(answered, what, problem, answer);
  };
};

/**
 * The answer check of this deployment. For a gRPC model it imports the protobuf definitions on
 * demand (as `loadRequestPreparer` does), so a REST deployment never loads them.
 *
 * @example
 * const checkAnswer = await loadAnswerCheck(config, protocolSpec(config.model.protocol));
 */
export const loadAnswerCheck = async (config: Config, spec: ProtocolSpec): Promise<AnswerCheck> => {
  const { endpoint } = config.model;
  if (endpoint.kind !== 'grpc') return jsonAnswerCheck(spec, endpoint.kind);
  // The CDK construct sets this at bundling (esbuild define): a REST bundle leaves protobuf out.
  if (process.env.MSK_INFERENCE_BUNDLE_TRANSPORT !== 'rest') {
    const { grpcAnswerCheck } = await import('./protocols/protobuf.js');
    return grpcAnswerCheck(spec, ANSWERED.grpc);
  }
  throw new ConfigError('TRANSPORT', 'is grpc, but this function was bundled for rest: deploy it again');
};

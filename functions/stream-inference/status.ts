/**
 * The one table that decides whether a model's refusal is the record's fault (dead-letter it) or
 * a passing fault (retry it). HTTP statuses and gRPC codes side by side so they cannot drift.
 *
 * - `unauthorized`: the model refused the function's credentials. No record can cause that, and
 *   dead-lettering on it would empty the stream into the error topic while a credential rotates:
 *   retried, then left for redelivery, and counted so that an alarm fires.
 * - `not-found`: the model (or the version the record names) is not served. During a rollout every
 *   call gets it, so it is judged like `model-failed`: the record's fault only if the model answered
 *   other calls meanwhile.
 */
export type Verdict = 'ok' | 'bad-record' | 'transient' | 'unauthorized' | 'model-failed' | 'not-found';

/**
 * The client-error statuses that mean "try again later", not "your request is wrong": 408 Request
 * Timeout, 425 Too Early and 429 Too Many Requests.
 */
const TRANSIENT_HTTP_4XX = new Set([408, 425, 429]);
/** 401 and 403 from the model; 407 from a proxy in front of it asking for its own credentials. */
const UNAUTHORIZED_HTTP = new Set([401, 403, 407]);

export const classifyHttpStatus = (status: number): Verdict => {
  if (status >= 200 && status < 300) return 'ok';
  if (UNAUTHORIZED_HTTP.has(status)) return 'unauthorized';
  if (status === 404) return 'not-found';
  if (status >= 400 && status < 500) return TRANSIENT_HTTP_4XX.has(status) ? 'transient' : 'bad-record';
  // 500 is the model's own code failing; 502/503/504 are the model (or its proxy) not being there.
  if (status === 500) return 'model-failed';
  return 'transient';
};

/** gRPC status codes (https://grpc.io/docs/guides/status-codes/). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const GRPC_VERDICTS: Record<number, Verdict> = {
  [GrpcCode.OK]: 'ok',
  [GrpcCode.INVALID_ARGUMENT]: 'bad-record',
  [GrpcCode.ALREADY_EXISTS]: 'bad-record',
  [GrpcCode.FAILED_PRECONDITION]: 'bad-record',
  [GrpcCode.OUT_OF_RANGE]: 'bad-record',
  [GrpcCode.UNIMPLEMENTED]: 'bad-record',
  // Model servers (MLServer, seldon-core) answer UNKNOWN when the model's code raised on the input.
  [GrpcCode.UNKNOWN]: 'bad-record',
  [GrpcCode.CANCELLED]: 'transient',
  [GrpcCode.DEADLINE_EXCEEDED]: 'transient',
  [GrpcCode.RESOURCE_EXHAUSTED]: 'transient',
  [GrpcCode.ABORTED]: 'transient',
  [GrpcCode.INTERNAL]: 'model-failed',
  [GrpcCode.NOT_FOUND]: 'not-found',
  [GrpcCode.UNAVAILABLE]: 'transient',
  [GrpcCode.DATA_LOSS]: 'transient',
  [GrpcCode.PERMISSION_DENIED]: 'unauthorized',
  [GrpcCode.UNAUTHENTICATED]: 'unauthorized',
};

export const classifyGrpcCode = (code: number): Verdict => GRPC_VERDICTS[code] ?? 'transient';

import { FailureKind } from '../failures.js';

/**
 * The one table of what a model's answer status means for the record, HTTP statuses and gRPC codes
 * side by side so they cannot drift: `undefined` for a success, else the failure's kind, whose policy
 * (failures.ts) decides the record's fate. A 401/403 is never the record's fault (retried, counted,
 * alarmed); a 404 is judged, as during a rollout every call gets one.
 */

/**
 * The client-error statuses that mean "try again later", not "your request is wrong": 408 Request
 * Timeout, 425 Too Early and 429 Too Many Requests.
 */
const TRANSIENT_HTTP_4XX = new Set([408, 425, 429]);
/** 401 and 403 from the model; 407 from a proxy in front of it asking for its own credentials. */
const UNAUTHORIZED_HTTP = new Set([401, 403, 407]);

/**
 * @example
 * httpStatusFailure(200); // undefined
 * httpStatusFailure(500); // 'model-error'
 */
export const httpStatusFailure = (status: number): FailureKind | undefined => {
  if (status >= 200 && status < 300) return undefined;
  if (UNAUTHORIZED_HTTP.has(status)) return FailureKind.modelUnauthorized;
  if (status === 404) return FailureKind.modelNotFound;
  if (status >= 400 && status < 500) {
    return TRANSIENT_HTTP_4XX.has(status) ? FailureKind.modelUnavailable : FailureKind.modelRejected;
  }
  // 500 is the model's own code failing; 502/503/504 are the model (or its proxy) not being there.
  if (status === 500) return FailureKind.modelError;
  return FailureKind.modelUnavailable;
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

const GRPC_FAILURES: Readonly<Record<number, FailureKind>> = {
  [GrpcCode.INVALID_ARGUMENT]: FailureKind.modelRejected,
  [GrpcCode.ALREADY_EXISTS]: FailureKind.modelRejected,
  [GrpcCode.FAILED_PRECONDITION]: FailureKind.modelRejected,
  [GrpcCode.OUT_OF_RANGE]: FailureKind.modelRejected,
  [GrpcCode.UNIMPLEMENTED]: FailureKind.modelRejected,
  // Model servers (MLServer, seldon-core) answer UNKNOWN when the model's code raised on the input.
  [GrpcCode.UNKNOWN]: FailureKind.modelRejected,
  [GrpcCode.CANCELLED]: FailureKind.modelUnavailable,
  // The call's own deadline (MODEL_TIMEOUT_MS): the model did not answer this call in time.
  [GrpcCode.DEADLINE_EXCEEDED]: FailureKind.modelTimeout,
  [GrpcCode.RESOURCE_EXHAUSTED]: FailureKind.modelUnavailable,
  [GrpcCode.ABORTED]: FailureKind.modelUnavailable,
  [GrpcCode.INTERNAL]: FailureKind.modelError,
  [GrpcCode.NOT_FOUND]: FailureKind.modelNotFound,
  [GrpcCode.UNAVAILABLE]: FailureKind.modelUnavailable,
  [GrpcCode.DATA_LOSS]: FailureKind.modelUnavailable,
  [GrpcCode.PERMISSION_DENIED]: FailureKind.modelUnauthorized,
  [GrpcCode.UNAUTHENTICATED]: FailureKind.modelUnauthorized,
};

/**
 * @example
 * grpcCodeFailure(GrpcCode.UNAVAILABLE); // 'model-unavailable'
 */
export const grpcCodeFailure = (code: number): FailureKind | undefined =>
  code === GrpcCode.OK ? undefined : (GRPC_FAILURES[code] ?? FailureKind.modelUnavailable);

import type { InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { FailureKind, RecordFailure } from '../../failures.js';
import { fieldName } from '../../reason.js';
import { httpStatusFailure } from '../answer-status.js';
import type { ModelTransport, TracePropagation } from './types.js';

export interface LambdaTransportOptions {
  /** Function name, ARN or partial ARN, optionally with `:qualifier`. */
  readonly functionName: string;
  readonly timeoutMs: number;
  /**
   * Largest answer accepted. Lambda itself bounds a synchronous response (6 MB), so the payload is
   * only checked, once received.
   */
  readonly maxAnswerBytes: number;
  /** For tests and the local runner; Lambda builds its own from the environment. */
  readonly client?: LambdaClient;
}

type LambdaSdk = typeof import('@aws-sdk/client-lambda');

/** Lambda's error types that say the function did not get to judge the request. */
const TRANSIENT_FUNCTION_ERRORS = new Set(['Sandbox.Timedout', 'Runtime.ExitError', 'Runtime.OutOfMemory']);
/** Invoke API errors that are the request's fault (the payload itself), not the service's. */
const BAD_REQUEST_ERRORS = new Set(['InvalidRequestContentException', 'RequestTooLargeException']);

/**
 * A model hosted in another Lambda function, invoked synchronously with the protocol's REST JSON
 * as the payload. The answer is either the JSON response itself, or an API-Gateway-style
 * `{statusCode, body}` that is classified like an HTTP answer.
 */
export class LambdaTransport implements ModelTransport {
  readonly #sdk: LambdaSdk;
  readonly #client: LambdaClient;
  readonly #functionName: string;
  readonly #maxAnswerBytes: number;

  /**
   * Imports the SDK on demand. A static import of an external module is hoisted to the top of the
   * esbuild bundle, so every deployment (REST too) would load the whole Lambda client at cold start.
   */
  static async create(options: LambdaTransportOptions): Promise<LambdaTransport> {
    return new LambdaTransport(options, await import('@aws-sdk/client-lambda'));
  }

  constructor(options: LambdaTransportOptions, sdk: LambdaSdk) {
    this.#sdk = sdk;
    // Retries are the pipeline's (bounded by the Lambda deadline), so the SDK makes one attempt.
    this.#client =
      options.client ??
      new sdk.LambdaClient({ maxAttempts: 1, requestHandler: { requestTimeout: options.timeoutMs } });
    this.#functionName = options.functionName;
    this.#maxAnswerBytes = options.maxAnswerBytes;
  }

  async infer(body: Buffer, signal?: AbortSignal, propagation?: TracePropagation): Promise<Buffer> {
    let out: InvokeCommandOutput;
    const clientContext = clientContextOf(propagation);
    try {
      out = await this.#client.send(
        new this.#sdk.InvokeCommand({
          FunctionName: this.#functionName,
          Payload: body,
          ...(clientContext === undefined ? {} : { ClientContext: clientContext }),
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
    } catch (cause) {
      throw classifyInvokeError(cause);
    }
    const payload = Buffer.from(out.Payload ?? new Uint8Array());
    if (out.FunctionError !== undefined) {
      // The function's errorMessage often quotes its input (a Python ValueError does): detail only.
      const { errorType, errorMessage } = parseFunctionError(payload);
      const reason = `model function failed (${fieldName(errorType)})`;
      if (TRANSIENT_FUNCTION_ERRORS.has(errorType))
        throw new RecordFailure(reason, { kind: FailureKind.modelUnavailable, detail: errorMessage });
      throw new RecordFailure(reason, { kind: FailureKind.modelError, detail: errorMessage });
    }
    if (payload.length > this.#maxAnswerBytes) {
      throw new RecordFailure(
        `model function answered ${payload.length} bytes, which exceeds MAX_RECORD_BYTES ${this.#maxAnswerBytes}`,
        { kind: FailureKind.tooLarge },
      );
    }
    return unwrapHttpShape(payload);
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}

/** Invoke's limit on `ClientContext`: "up to 3,583 bytes of base64-encoded data". */
export const MAX_CLIENT_CONTEXT_BYTES = 3_583;

/**
 * The trace context as the model function's client context: base64 JSON
 * `{"custom":{"traceparent":…,"tracestate":…}}` (what a Node.js function reads as
 * `context.clientContext.custom`, a Python one as `context.client_context.custom`), or nothing when
 * it would exceed Invoke's limit, as OpenTelemetry's AWS SDK instrumentation does: the call goes
 * on untraced rather than refused.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax
 * @see https://github.com/open-telemetry/opentelemetry-js-contrib/blob/main/packages/instrumentation-aws-sdk/src/services/lambda.ts
 */
export const clientContextOf = (propagation: TracePropagation | undefined): string | undefined => {
  if (propagation === undefined) return undefined;
  const encoded = Buffer.from(JSON.stringify({ custom: propagation })).toString('base64');
  return encoded.length > MAX_CLIENT_CONTEXT_BYTES ? undefined : encoded;
};

/**
 * The error an Invoke API failure means, named by its error code. The service's message is only
 * the detail: InvalidRequestContentException's quotes the payload it could not parse.
 */
const classifyInvokeError = (cause: unknown): Error => {
  const name = fieldName(cause instanceof Error ? cause.name : 'Error');
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (BAD_REQUEST_ERRORS.has(name)) {
    return new RecordFailure(`Lambda refused the payload (${name})`, {
      kind: name === 'RequestTooLargeException' ? FailureKind.tooLarge : FailureKind.modelRejected,
      detail,
      cause,
    });
  }
  const reason = `Lambda invoke failed (${name})`;
  // AccessDeniedException, ExpiredTokenException, UnrecognizedClientException… all answer 401 or 403:
  // the function's role may not invoke the model (any more), as a 401/403 from an HTTP model.
  // @see https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html
  const status = (cause as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  if (typeof status === 'number' && httpStatusFailure(status) === FailureKind.modelUnauthorized) {
    return new RecordFailure(reason, { kind: FailureKind.modelUnauthorized, detail, cause });
  }
  // Throttling, service errors, a function that does not exist (ResourceNotFoundException: the
  // function is the model, so the model is not there, as a model server that is down): none is the
  // record's fault.
  return new RecordFailure(reason, {
    kind: FailureKind.modelUnavailable,
    detail,
    cause,
  });
};

const parseFunctionError = (payload: Buffer): { errorType: string; errorMessage: string } => {
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    return {
      errorType: typeof parsed.errorType === 'string' ? parsed.errorType : 'Unhandled',
      errorMessage: typeof parsed.errorMessage === 'string' ? parsed.errorMessage : payload.toString('utf8'),
    };
  } catch {
    return { errorType: 'Unhandled', errorMessage: payload.toString('utf8') };
  }
};

const unwrapHttpShape = (payload: Buffer): Buffer => {
  // Cheap check first: only an object that starts with "statusCode"-style keys is worth a parse.
  if (!payload.includes('"statusCode"')) return payload;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return payload;
  }
  if (typeof parsed !== 'object' || parsed === null) return payload;
  const { statusCode, body } = parsed as { statusCode?: unknown; body?: unknown };
  if (typeof statusCode !== 'number') return payload;
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? null);
  const kind = httpStatusFailure(statusCode);
  if (kind === undefined) return Buffer.from(text);
  const reason = `model function answered ${statusCode} (a body of ${text.length} chars)`;
  throw new RecordFailure(reason, { kind, status: statusCode, detail: text });
};

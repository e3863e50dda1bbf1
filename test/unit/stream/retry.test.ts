import { describe, expect, it } from 'vitest';
import { FailureKind, RecordFailure } from '../../../functions/stream-inference/failures.js';
import { withRetry } from '../../../functions/stream-inference/model/retry.js';

const transient = () => new RecordFailure('down', { kind: FailureKind.modelUnavailable });

describe('withRetry', () => {
  it('retries transient errors until the call succeeds', async () => {
    let calls = 0;

    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw transient();
        return 'ok';
      },
      { baseMs: 1, maxMs: 2, deadline: Date.now() + 5_000 },
    );

    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('rethrows a bad-record error at once', async () => {
    let calls = 0;
    const bad = new RecordFailure('no', { kind: FailureKind.modelRejected, status: 400 });

    await expect(
      withRetry(
        async () => {
          calls++;
          throw bad;
        },
        { baseMs: 1, maxMs: 2, deadline: Date.now() + 5_000 },
      ),
    ).rejects.toBe(bad);
    expect(calls).toBe(1);
  });

  it('gives up when the deadline leaves no room, keeping the last error as cause', async () => {
    // Each attempt takes 100 ms of a fake clock; backoff waits are ~0 ms of real time.
    let clock = 0;
    let attempts = 0;
    const last = transient();

    const error = await withRetry(
      async () => {
        attempts++;
        clock += 100;
        throw last;
      },
      { baseMs: 1, maxMs: 1, deadline: 350, now: () => clock, random: () => 0 },
    ).catch((e: unknown) => e);

    expect(attempts).toBe(4);
    expect(error).toMatchObject({ name: 'RecordFailure', outOfTime: true, policy: 'retry', cause: last });
    expect((error as Error).message).toMatch(/gave up after 4 attempt\(s\): down/);
  });

  it('keeps the model’s refusal as the reason when the deadline cuts the next attempt short', async () => {
    // Prepare: the model refuses the credentials, then the deadline aborts the retry in flight.
    const deadline = new AbortController();
    const refused = new RecordFailure('model answered HTTP 401 (a body of 2 bytes)', {
      kind: FailureKind.modelUnauthorized,
      status: 401,
    });
    let attempts = 0;

    // Act
    const error = await withRetry(
      async (signal) => {
        attempts++;
        if (attempts === 1) throw refused;
        deadline.abort();
        throw new RecordFailure(`model unreachable: ${String(signal.aborted)}`, {
          kind: FailureKind.modelUnavailable,
        });
      },
      { baseMs: 1, maxMs: 1, deadline: Date.now() + 5_000, signal: deadline.signal },
    ).catch((e: unknown) => e);

    // Assess
    expect(attempts).toBe(2);
    expect(error).toMatchObject({
      name: 'RecordFailure',
      outOfTime: true,
      kind: 'model-unauthorized',
      cause: refused,
    });
  });

  it.each([
    new TypeError('x is not a function'),
    new RangeError('Maximum call stack size exceeded'),
    new ReferenceError('y is not defined'),
    new SyntaxError('Unexpected token'),
  ])('fails a programming error at once, as internal: $name', async (bug) => {
    let calls = 0;

    await expect(
      withRetry(
        async () => {
          calls++;
          throw bug;
        },
        { baseMs: 1, maxMs: 2, deadline: Date.now() + 5_000 },
      ),
    ).rejects.toMatchObject({ kind: 'internal', policy: 'dead-letter', cause: bug });
    expect(calls).toBe(1);
  });
});

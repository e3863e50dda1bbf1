import { detailOf, FailureKind, RecordFailure, reasonOf } from '../failures.js';

/**
 * Waits for a publish until `deadline` (epoch ms). When it fails or runs out of time, `giveUp` runs
 * first (the send may still be in flight, and only its publisher knows how to keep it from mixing
 * with the next one), then the publish rejects with a `RecordFailure` of kind `publish`. Shared by
 * every `Publisher`, so that each client gives up at the same moment for the same reasons.
 *
 * @example
 * await publishBefore(producer.send(records), deadline, () => void slot.reset());
 */
export const publishBefore = async (
  work: Promise<void>,
  deadline: number,
  giveUp: () => void,
): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new RecordFailure('broker did not acknowledge before the deadline', { kind: FailureKind.publish }),
        ),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    await Promise.race([work, timeout]);
  } catch (cause) {
    work.catch(() => undefined);
    giveUp();
    if (cause instanceof RecordFailure) throw cause;
    throw new RecordFailure(`publish failed: ${publishReason(cause)}`, {
      kind: FailureKind.publish,
      detail: detailOf(cause),
      cause,
    });
  } finally {
    clearTimeout(timer);
  }
};

/**
 * A producer error by its facts, not its message: each error of the chain (to three deep) by its
 * class, the broker's error type (`NOT_LEADER_OR_FOLLOWER`) and the network code (`ECONNREFUSED`).
 *
 * @example
 * publishReason(error); // "KafkaJSNumberOfRetriesExceeded <- KafkaJSConnectionError ECONNREFUSED"
 */
export const publishReason = (error: unknown): string => {
  const facts: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const { type, code } = e as { type?: unknown; code?: unknown };
    facts.push([reasonOf(e), type, code].filter((f) => typeof f === 'string' && f !== '').join(' '));
  }
  return facts.length === 0 ? reasonOf(error) : facts.join(' <- ');
};

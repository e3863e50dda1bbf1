import type { ProvisionedPollerConfig } from 'aws-cdk-lib/aws-lambda';

/** Provisioned mode's bounds when none are given: one poller always, up to ten under load. */
export const DEFAULT_PROVISIONED_POLLERS = { minimumPollers: 1, maximumPollers: 10 } as const;

/**
 * How the event source mapping's pollers scale. Lambda offers the Kafka error-handling controls
 * (partial batch responses, retries, maximum record age, split batch) to mappings in provisioned
 * mode, so the mode also decides whether the handler may report item failures.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-scaling-modes.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 * @example
 * EventPollers.provisioned();                                        // 1 to 10 pollers (the default)
 * EventPollers.provisioned({ minimumPollers: 2, maximumPollers: 50 });
 * EventPollers.onDemand();                 // no poller billing; a failed batch is retried whole
 */
export class EventPollers {
  /**
   * Provisioned mode: dedicated pollers between the bounds, billed in event poller units (EPU-hours)
   * for as long as the mapping exists. Partial batch responses are on by default.
   *
   * @param config - `minimumPollers` 1–200 (default 1), `maximumPollers` 1–2000 (default 10, or
   *   `minimumPollers` if higher), optionally a `pollerGroupName` to share EPUs between mappings
   */
  public static provisioned(config: ProvisionedPollerConfig = {}): EventPollers {
    const minimumPollers = config.minimumPollers ?? DEFAULT_PROVISIONED_POLLERS.minimumPollers;
    const maximumPollers =
      config.maximumPollers ?? Math.max(DEFAULT_PROVISIONED_POLLERS.maximumPollers, minimumPollers);
    return new EventPollers('provisioned', { ...config, minimumPollers, maximumPollers });
  }

  /**
   * On-demand mode: Lambda scales the pollers and bills nothing for them. It turns partial batch
   * responses off (the mapping's `ReportBatchItemFailures` and the handler's
   * `REPORT_BATCH_ITEM_FAILURES`), so a batch with a record to retry fails and is retried whole.
   */
  public static onDemand(): EventPollers {
    return new EventPollers('on-demand');
  }

  private constructor(
    public readonly mode: 'provisioned' | 'on-demand',
    /** The mapping's `ProvisionedPollerConfig`; undefined on demand. */
    public readonly config?: ProvisionedPollerConfig,
  ) {}
}

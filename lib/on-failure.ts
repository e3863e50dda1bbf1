import { Stack, Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { DlqDestinationConfig, IEventSourceDlq } from 'aws-cdk-lib/aws-lambda';
import { KafkaDlq, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Where the event source mapping sends a batch it gave up on (retries or record age exhausted).
 * Records the handler itself rejects go to the error topic instead; this catches what never
 * reached a verdict (timeouts, crashes, throttling beyond `retryAttempts`).
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html
 * @example
 * declare const queue: IQueue;
 * OnFailureDestination.kafkaTopic('iris-input-dlq');
 * OnFailureDestination.sqsQueue(queue);
 */
export class OnFailureDestination {
  /**
   * A topic of the same cluster. Lambda produces the failed records themselves, with failure metadata.
   * Under MSK IAM the function's role gets `WriteData` on that topic.
   *
   * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html
   */
  public static kafkaTopic(topic: string): OnFailureDestination {
    return new OnFailureDestination('kafka', topic, () => new KafkaDlq(topic));
  }

  /** An SQS queue (invocation metadata only). The role gets `sqs:SendMessage` on it. */
  public static sqsQueue(queue: IQueue): OnFailureDestination {
    return new OnFailureDestination('sqs', queue.queueArn, () => new SqsDlq(queue));
  }

  /**
   * An S3 bucket (metadata plus the whole invocation record). The role gets only what the docs ask
   * for, `s3:PutObject` and `s3:ListBucket` (plus `kms:GenerateDataKey` on a customer key), where
   * the L2 `S3OnFailureDestination` would grant read-write on the bucket.
   */
  public static s3Bucket(bucket: IBucket): OnFailureDestination {
    return new OnFailureDestination('s3', bucket.bucketArn, () => new S3PutOnlyDestination(bucket));
  }

  private constructor(
    public readonly kind: 'kafka' | 's3' | 'sqs',
    /** The Kafka topic name, or the queue / bucket ARN. */
    public readonly target: string,
    private readonly factory: () => IEventSourceDlq,
  ) {}

  /** @internal The L2 destination to hand to the event source mapping (it grants on bind). */
  public _toEventSourceDlq(): IEventSourceDlq {
    return this.factory();
  }
}

/** The L2 S3 destination minus its read-write grant. */
class S3PutOnlyDestination implements IEventSourceDlq {
  constructor(private readonly bucket: IBucket) {}

  public bind(_target: unknown, targetHandler: IGrantable): DlqDestinationConfig {
    const grantee = targetHandler.grantPrincipal;
    grantee.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'OnFailureS3List',
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
      }),
    );
    grantee.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'OnFailureS3Put',
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    this.bucket.encryptionKey?.grant(grantee, 'kms:GenerateDataKey');
    this.acknowledgeObjectWildcard(grantee);
    return { destination: this.bucket.bucketArn };
  }

  /** The object keys Lambda writes are its own (`aws/lambda/<ESM UUID>/...`): `/*` is the narrowest scope. */
  private acknowledgeObjectWildcard(grantee: unknown): void {
    if (!Construct.isConstruct(grantee)) return;
    // cdk-nag names the finding after the resolved ARN: `<LogicalId.Arn>/*` for a bucket of the stack.
    const arn = Stack.of(grantee).resolve(this.bucket.bucketArn) as unknown;
    const getAtt = (arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    const shown = typeof arn === 'string' ? arn : getAtt ? `<${getAtt[0]}.${getAtt[1]}>` : undefined;
    if (shown === undefined) return;
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${shown}/*]`,
      reason:
        'Lambda names the failure records it writes to the on-failure bucket; only PutObject is granted.',
    });
  }
}

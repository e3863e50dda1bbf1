import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';

/** The names the handler reads from `KAFKA_AUTH` (functions/stream-inference/config.ts). */
export const KAFKA_AUTH_KINDS = ['none', 'iam', 'scram-sha-256', 'scram-sha-512', 'mtls'] as const;
export type KafkaAuthKind = (typeof KAFKA_AUTH_KINDS)[number];

/**
 * How both the event source mapping (the consumer) and the handler's producer authenticate to Kafka.
 * One choice serves both, so the two can never disagree.
 *
 * @example
 * declare const secret: ISecret;
 * KafkaAuthentication.iam();            // MSK IAM (the default for MSK)
 * KafkaAuthentication.scram(secret);    // SASL/SCRAM-SHA-512 with a Secrets Manager secret
 * KafkaAuthentication.mtls(secret);     // mutual TLS with a client certificate secret
 */
export class KafkaAuthentication {
  /**
   * MSK IAM access control: the mapping and the producer sign in with the function's role, which
   * gets `kafka-cluster:*` permissions scoped to the cluster, the topics and the consumer group.
   * Only for MSK.
   *
   * @see https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html
   */
  public static iam(): KafkaAuthentication {
    return new KafkaAuthentication('iam');
  }

  /** No authentication (plaintext or TLS without a client identity). The default for self-managed Kafka. */
  public static none(): KafkaAuthentication {
    return new KafkaAuthentication('none');
  }

  /**
   * SASL/SCRAM with `{"username", "password"}` in a Secrets Manager secret. MSK supports SHA-512 only.
   *
   * @param mechanism - `sha-512` (default) or `sha-256`
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-configure.html#services-smaa-auth
   */
  public static scram(secret: ISecret, mechanism: 'sha-256' | 'sha-512' = 'sha-512'): KafkaAuthentication {
    return new KafkaAuthentication(mechanism === 'sha-256' ? 'scram-sha-256' : 'scram-sha-512', secret);
  }

  /**
   * Mutual TLS with `{"certificate", "privateKey", "privateKeyPassword"?}` (PEM) in a Secrets Manager secret.
   *
   * @see https://docs.aws.amazon.com/lambda/latest/dg/msk-cluster-auth.html#msk-mtls
   */
  public static mtls(secret: ISecret): KafkaAuthentication {
    return new KafkaAuthentication('mtls', secret);
  }

  private constructor(
    /** The value written to the handler's `KAFKA_AUTH`. */
    public readonly kind: KafkaAuthKind,
    /** The credentials (SCRAM) or client certificate (mTLS); read by both the mapping and the handler. */
    public readonly secret?: ISecret,
  ) {}
}

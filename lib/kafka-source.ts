import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';

/** Options of {@link KafkaSource.selfManaged}. */
export interface SelfManagedKafkaOptions {
  /** The brokers, `host:port` each. Also the handler's `KAFKA_BROKER`. */
  readonly bootstrapServers: string[];
  /**
   * The root CA certificate of brokers whose TLS certificates a private CA signed, as a Secrets
   * Manager secret `{"certificate": "<PEM>"}`. The mapping trusts it
   * (`SERVER_ROOT_CA_CERTIFICATE`), and so does the handler's producer (`KAFKA_ROOT_CA_SECRET_ARN`):
   * both connect over TLS, whatever the authentication.
   *
   * @default - the brokers' certificates chain to a CA that Lambda and Node.js already trust
   * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-cluster-auth.html#smaa-auth-ca-cert
   */
  readonly rootCaCertificate?: ISecret;
  /**
   * The customer managed KMS key `rootCaCertificate` is encrypted with: the role may decrypt with
   * it through Secrets Manager, for that secret only.
   *
   * @default - the secret's own `encryptionKey`, if it has one
   */
  readonly rootCaCertificateKey?: IKey;
}

/** A secret the mapping and the handler both read, with the key it is encrypted with when known. */
export interface SourceSecret {
  readonly secret: ISecret;
  readonly encryptionKey?: IKey;
}

/** Where the records come from, as {@link KafkaSource} holds it. */
export type KafkaSourceConfig =
  | { readonly kind: 'msk'; readonly clusterArn: string }
  | {
      readonly kind: 'self-managed';
      readonly bootstrapServers: readonly string[];
      readonly rootCa?: SourceSecret;
    };

/**
 * The Kafka cluster a stream consumes from and publishes to: an Amazon MSK cluster (by ARN) or
 * self-managed brokers. The kind decides what else applies (MSK IAM only for MSK, a private root CA
 * only for self-managed brokers), so the type says which, as aws-cdk-lib's
 * `ManagedKafkaEventSource` and `SelfManagedKafkaEventSource` do.
 *
 * @example
 * declare const rootCa: ISecret;
 * KafkaSource.msk('arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abcd1234-0000-0000-0000-000000000000-1');
 * KafkaSource.selfManaged({ bootstrapServers: ['b-1.kafka.internal:9094'], rootCaCertificate: rootCa });
 */
export class KafkaSource {
  /**
   * An MSK cluster, provisioned or serverless: `arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>`.
   *
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html
   */
  public static msk(clusterArn: string): KafkaSource {
    return new KafkaSource({ kind: 'msk', clusterArn });
  }

  /**
   * Self-managed Apache Kafka brokers, reached through the stream's `vpc` or over the internet.
   *
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html
   */
  public static selfManaged(options: SelfManagedKafkaOptions): KafkaSource {
    const { bootstrapServers, rootCaCertificate: secret, rootCaCertificateKey } = options;
    const encryptionKey = rootCaCertificateKey ?? secret?.encryptionKey;
    return new KafkaSource({
      kind: 'self-managed',
      bootstrapServers: [...bootstrapServers],
      ...(secret ? { rootCa: { secret, ...(encryptionKey ? { encryptionKey } : {}) } } : {}),
    });
  }

  private constructor(
    /** The cluster's kind and address. */
    public readonly config: KafkaSourceConfig,
  ) {}
}

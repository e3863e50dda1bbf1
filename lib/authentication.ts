import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { KAFKA_AUTHS, type KafkaAuth } from '../functions/stream-inference/contract.js';

/** The names the handler reads from `KAFKA_AUTH`: the contract's list. */
export const KAFKA_AUTH_KINDS = KAFKA_AUTHS;
export type KafkaAuthKind = KafkaAuth;

/** Options of a secret-based authentication. */
export interface KafkaSecretOptions {
  /**
   * The customer managed KMS key the secret is encrypted with. The role may decrypt with it only
   * through Secrets Manager and for this secret (`kms:ViaService`, `kms:EncryptionContext:SecretARN`).
   * Amazon MSK refuses SCRAM secrets under the default `aws/secretsmanager` key.
   *
   * @default - the secret's own `encryptionKey`, if it has one
   * @see https://docs.aws.amazon.com/msk/latest/developerguide/msk-password-limitations.html
   */
  readonly encryptionKey?: IKey;
}

/** Options of {@link KafkaAuthentication.scram}. */
export interface KafkaScramOptions extends KafkaSecretOptions {
  /**
   * The SCRAM hash; MSK offers SHA-512 only.
   *
   * @default 'sha-512'
   */
  readonly mechanism?: 'sha-256' | 'sha-512';
}

/**
 * How both the event source mapping (the consumer) and the handler's producer authenticate to Kafka.
 * One choice serves both, so the two can never disagree.
 *
 * @example
 * declare const secret: ISecret;
 * declare const key: IKey;
 * KafkaAuthentication.iam();                                // MSK IAM (the default for MSK)
 * KafkaAuthentication.scram(secret, { encryptionKey: key }); // SASL/SCRAM-SHA-512, secret under a CMK
 * KafkaAuthentication.mtls(secret);                         // mutual TLS with a client certificate secret
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
   * SASL/SCRAM with `{"username", "password"}` in a Secrets Manager secret. For MSK the secret must
   * be encrypted with a customer managed KMS key, given here or as the secret's `encryptionKey`.
   *
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-configure.html#services-smaa-auth
   */
  public static scram(secret: ISecret, options: KafkaScramOptions = {}): KafkaAuthentication {
    const kind = options.mechanism === 'sha-256' ? 'scram-sha-256' : 'scram-sha-512';
    return new KafkaAuthentication(kind, secret, options.encryptionKey ?? secret.encryptionKey);
  }

  /**
   * Mutual TLS with `{"certificate", "privateKey", "privateKeyPassword"?}` (PEM) in a Secrets Manager secret.
   *
   * @see https://docs.aws.amazon.com/lambda/latest/dg/msk-cluster-auth.html#msk-mtls
   */
  public static mtls(secret: ISecret, options: KafkaSecretOptions = {}): KafkaAuthentication {
    return new KafkaAuthentication('mtls', secret, options.encryptionKey ?? secret.encryptionKey);
  }

  private constructor(
    /** The value written to the handler's `KAFKA_AUTH`. */
    public readonly kind: KafkaAuthKind,
    /** The credentials (SCRAM) or client certificate (mTLS); read by both the mapping and the handler. */
    public readonly secret?: ISecret,
    /** The customer managed key `secret` is encrypted with, when known (given, or the secret's own). */
    public readonly encryptionKey?: IKey,
  ) {}
}

import { Arn, ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  EventRecordFormat,
  type IEventSourceMapping,
  type IFunction,
  type ISchemaRegistry,
  type KafkaSchemaRegistryAccessConfig,
  KafkaSchemaRegistryAccessConfigType,
  type KafkaSchemaRegistryConfig,
  KafkaSchemaValidationAttribute,
} from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import type { SchemaRecordFormat } from '../functions/stream-inference/contract.js';
import { StreamConfigError } from './errors.js';
import type { SourceSecret } from './kafka-source.js';

/** What every schema registry takes: how records reach the function, and what is validated. */
export interface SchemaRegistryOptions {
  /**
   * How Lambda hands validated records to the function. `JSON`: each validated attribute decoded
   * (Avro, Protobuf or JSON Schema) and delivered as JSON; the decoded value is the model request,
   * so the stream needs `transport: 'rest'`. `SOURCE`: as the producer wrote them, schema id removed.
   *
   * @default EventRecordFormat.JSON
   */
  readonly eventRecordFormat?: EventRecordFormat;
  /**
   * The attributes Lambda validates against the registry (and, with `JSON`, decodes). With `JSON`
   * they must include `VALUE`: the value is the model request.
   *
   * @default [KafkaSchemaValidationAttribute.VALUE]
   */
  readonly validate?: KafkaSchemaValidationAttribute[];
}

/** How Lambda signs in to a Confluent schema registry, with the secret that holds the credentials. */
export interface ConfluentRegistryAuthentication {
  /**
   * `BASIC_AUTH` (`{"username", "password"}`) or `CLIENT_CERTIFICATE_TLS_AUTH` (`{"certificate",
   * "privateKey", "privateKeyPassword"?}`, PEM).
   */
  readonly type: KafkaSchemaRegistryAccessConfigType;
  readonly secret: ISecret;
  /**
   * The customer managed KMS key `secret` is encrypted with.
   *
   * @default - the secret's own `encryptionKey`, if it has one
   */
  readonly encryptionKey?: IKey;
}

/** Options of {@link StreamSchemaRegistry.confluent}. */
export interface ConfluentSchemaRegistryOptions extends SchemaRegistryOptions {
  /**
   * How Lambda authenticates to the registry.
   *
   * @default - no credentials
   */
  readonly authentication?: ConfluentRegistryAuthentication;
  /**
   * The root CA certificate of a registry whose TLS certificate a private CA signed
   * (`SERVER_ROOT_CA_CERTIFICATE`), as a secret `{"certificate": "<PEM>"}`.
   *
   * @default - the registry's certificate chains to a CA Lambda trusts
   */
  readonly rootCaCertificate?: SourceSecret;
}

/** The registry, as {@link StreamSchemaRegistry} holds it. */
export type SchemaRegistryConfig =
  | { readonly kind: 'glue'; readonly registryArn: string }
  | {
      readonly kind: 'confluent';
      readonly uri: string;
      readonly authentication?: { readonly type: KafkaSchemaRegistryAccessConfigType } & SourceSecret;
      readonly rootCa?: SourceSecret;
    };

/** `arn:<partition>:glue:<region>:<account>:registry/<name>`. */
export const GLUE_REGISTRY_ARN = /^arn:[^:]+:glue:[^:]+:\d{12}:registry\/[^/]+$/;
export const GLUE_REGISTRY_ARN_RULE = 'arn:<partition>:glue:<region>:<account>:registry/<name>';
const AUTH_TYPES: readonly string[] = [
  KafkaSchemaRegistryAccessConfigType.BASIC_AUTH.type,
  KafkaSchemaRegistryAccessConfigType.CLIENT_CERTIFICATE_TLS_AUTH.type,
];

/**
 * A schema registry the event source mapping validates (and with `EventRecordFormat.JSON` decodes)
 * records with, before the function runs: an AWS Glue registry or a Confluent one. It is the
 * mapping's `SchemaRegistryConfig` (aws-cdk-lib's `ISchemaRegistry`); the stream grants its role
 * what the mapping needs to read the registry. Lambda offers it in provisioned mode only.
 *
 * Written here rather than aws-cdk-lib's `GlueSchemaRegistry` / `ConfluentSchemaRegistry`: that Glue
 * grant scopes the schemas to the stack's account and region rather than the registry's, and that
 * Confluent one takes one access configuration, where Lambda takes credentials and a root CA.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-consume-kafka-events.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-eventsourcemapping-schemaregistryconfig.html
 * @example
 * declare const credentials: ISecret;
 * StreamSchemaRegistry.glue('arn:aws:glue:eu-west-1:123456789012:registry/models');
 * StreamSchemaRegistry.confluent('https://registry.example.com', {
 *   authentication: { type: KafkaSchemaRegistryAccessConfigType.BASIC_AUTH, secret: credentials },
 * });
 */
export class StreamSchemaRegistry implements ISchemaRegistry {
  /**
   * An AWS Glue schema registry, `arn:<partition>:glue:<region>:<account>:registry/<name>`. The role
   * may `glue:GetRegistry` on it and `glue:GetSchemaVersion` on it and its schemas.
   */
  public static glue(registryArn: string, options: SchemaRegistryOptions = {}): StreamSchemaRegistry {
    if (!Token.isUnresolved(registryArn) && !GLUE_REGISTRY_ARN.test(registryArn)) {
      throw new StreamConfigError(
        'schemaRegistry',
        `'${registryArn}' is not a Glue registry ARN (${GLUE_REGISTRY_ARN_RULE})`,
      );
    }
    return new StreamSchemaRegistry({ kind: 'glue', registryArn }, options);
  }

  /**
   * A Confluent schema registry at `uri` (`https://…`). The role may read the secrets given.
   *
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-consume-kafka-events.html
   */
  public static confluent(uri: string, options: ConfluentSchemaRegistryOptions = {}): StreamSchemaRegistry {
    if (!Token.isUnresolved(uri) && !/^https?:\/\/[^\s/]+/.test(uri)) {
      throw new StreamConfigError(
        'schemaRegistry',
        `'${uri}' is not an http(s):// URL of a Confluent registry`,
      );
    }
    const { authentication, rootCaCertificate } = options;
    if (authentication && !AUTH_TYPES.includes(authentication.type.type)) {
      throw new StreamConfigError(
        'schemaRegistry',
        `authentication type ${authentication.type.type} is not one of ${AUTH_TYPES.join(', ')}`,
      );
    }
    const keyed = (s: SourceSecret): SourceSecret => {
      const encryptionKey = s.encryptionKey ?? s.secret.encryptionKey;
      return { secret: s.secret, ...(encryptionKey ? { encryptionKey } : {}) };
    };
    return new StreamSchemaRegistry(
      {
        kind: 'confluent',
        uri,
        ...(authentication
          ? { authentication: { type: authentication.type, ...keyed(authentication) } }
          : {}),
        ...(rootCaCertificate ? { rootCa: keyed(rootCaCertificate) } : {}),
      },
      options,
    );
  }

  /** The format records reach the function in. */
  public readonly eventRecordFormat: EventRecordFormat;
  /** The attributes Lambda validates. */
  public readonly validate: readonly KafkaSchemaValidationAttribute[];

  private constructor(
    /** The registry and how Lambda reaches it. */
    public readonly config: SchemaRegistryConfig,
    options: SchemaRegistryOptions,
  ) {
    this.eventRecordFormat = options.eventRecordFormat ?? EventRecordFormat.JSON;
    this.validate = options.validate ?? [KafkaSchemaValidationAttribute.VALUE];
    const values = this.validate.map((a) => a.value);
    if (values.length === 0 || new Set(values).size !== values.length) {
      throw new StreamConfigError('schemaRegistry', 'validate must list KEY and/or VALUE, each once');
    }
    if (this.recordFormat === 'json' && !values.includes(KafkaSchemaValidationAttribute.VALUE.value)) {
      throw new StreamConfigError(
        'schemaRegistry',
        'validate must include VALUE with EventRecordFormat.JSON: Lambda decodes only the attributes it ' +
          'validates, and the value is the model request',
      );
    }
  }

  /** The handler's `SCHEMA_RECORD_FORMAT`. */
  public get recordFormat(): SchemaRecordFormat {
    return this.eventRecordFormat.value === EventRecordFormat.SOURCE.value ? 'source' : 'json';
  }

  /** The secrets the mapping reads (credentials, root CA), each named for its grant's Sid. */
  public get secrets(): ReadonlyArray<SourceSecret & { readonly name: string }> {
    if (this.config.kind !== 'confluent') return [];
    const { authentication, rootCa } = this.config;
    return [
      ...(authentication ? [{ ...authentication, name: 'SchemaRegistryCredentials' }] : []),
      ...(rootCa ? [{ ...rootCa, name: 'SchemaRegistryRootCa' }] : []),
    ];
  }

  /**
   * The Glue registry's ARN and the ARN pattern of its schemas, in the registry's own partition,
   * region and account (known at deploy time only when the ARN is a token).
   */
  public glueArns(scope: IConstruct): { registry: string; schemas: string } | undefined {
    if (this.config.kind !== 'glue') return undefined;
    const registry = this.config.registryArn;
    const parts = Arn.split(registry, ArnFormat.SLASH_RESOURCE_NAME);
    const schemas = Stack.of(scope).formatArn({
      partition: parts.partition,
      service: 'glue',
      region: parts.region,
      account: parts.account,
      resource: 'schema',
      resourceName: `${parts.resourceName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    return { registry, schemas };
  }

  /** The mapping's `SchemaRegistryConfig`; the grants are the stream's (it owns the role). */
  public bind(_target: IEventSourceMapping, _targetHandler: IFunction): KafkaSchemaRegistryConfig {
    const accessConfigs: KafkaSchemaRegistryAccessConfig[] = [];
    if (this.config.kind === 'confluent') {
      const { authentication, rootCa } = this.config;
      if (authentication)
        accessConfigs.push({ type: authentication.type, uri: authentication.secret.secretArn });
      if (rootCa) {
        accessConfigs.push({
          type: KafkaSchemaRegistryAccessConfigType.SERVER_ROOT_CA_CERTIFICATE,
          uri: rootCa.secret.secretArn,
        });
      }
    }
    return {
      schemaRegistryUri: this.config.kind === 'glue' ? this.config.registryArn : this.config.uri,
      eventRecordFormat: this.eventRecordFormat,
      schemaValidationConfigs: this.validate.map((attribute) => ({ attribute })),
      ...(accessConfigs.length > 0 ? { accessConfigs } : {}),
    };
  }
}

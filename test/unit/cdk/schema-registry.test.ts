import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  EventRecordFormat,
  KafkaSchemaRegistryAccessConfigType,
  KafkaSchemaValidationAttribute,
} from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { EventPollers } from '../../../lib/event-pollers.js';
import { KafkaSource } from '../../../lib/kafka-source.js';
import { StreamSchemaRegistry } from '../../../lib/schema-registry.js';
import {
  CLUSTER_ARN,
  importedVpc,
  REPO_ROOT,
  statementWithSid,
  synthStream as synth,
  testStack,
} from './helpers.js';

// The documented syntax (test/fixtures/aws/lambda-esm-schema-registry-cfn-syntax.json, sources in
// README-schema-registry.md).
interface Syntax {
  properties: Record<string, string>;
  allowedValues?: Record<string, string[]>;
  maximumItems?: Record<string, number>;
}
const SYNTAX = JSON.parse(
  readFileSync(
    join(REPO_ROOT, 'test', 'fixtures', 'aws', 'lambda-esm-schema-registry-cfn-syntax.json'),
    'utf8',
  ),
) as Record<string, Syntax>;

const GLUE_ARN = 'arn:aws:glue:eu-west-1:210987654321:registry/models';
const SELF_MANAGED = KafkaSource.selfManaged({ bootstrapServers: ['b-1.kafka.internal:9092'] });

const mappingOf = (template: Template): Record<string, unknown> =>
  (
    Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0] as {
      Properties: Record<string, unknown>;
    }
  ).Properties;

const variablesOf = (template: Template): Record<string, unknown> =>
  (
    Object.values(template.findResources('AWS::Lambda::Function'))[0] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    }
  ).Properties.Environment.Variables;

/** Each key of `value` is a documented property of `type`, and each listed value an allowed one. */
const expectDocumented = (type: string, value: Record<string, unknown>): void => {
  const syntax = SYNTAX[type]!;
  expect(Object.keys(syntax.properties)).toEqual(expect.arrayContaining(Object.keys(value)));
  for (const [prop, allowed] of Object.entries(syntax.allowedValues ?? {})) {
    if (value[prop] !== undefined) expect(allowed).toContain(value[prop]);
  }
  for (const [prop, max] of Object.entries(syntax.maximumItems ?? {})) {
    expect(((value[prop] as unknown[] | undefined) ?? []).length).toBeLessThanOrEqual(max);
  }
};

describe('schemaRegistry: a Glue registry on MSK', () => {
  const { template } = synth({
    source: KafkaSource.msk(CLUSTER_ARN),
    schemaRegistry: StreamSchemaRegistry.glue(GLUE_ARN),
  });
  const kafkaConfig = mappingOf(template)['AmazonManagedKafkaEventSourceConfig'] as Record<string, unknown>;
  const registry = kafkaConfig['SchemaRegistryConfig'] as Record<string, unknown>;

  it('sets the MSK mapping’s SchemaRegistryConfig in the documented syntax, JSON records, the value validated', () => {
    // GIVEN a stream on MSK with StreamSchemaRegistry.glue(arn) and no other choice
    // THEN the mapping names the registry by ARN, asks for JSON records and validates the value
    expectDocumented('AmazonManagedKafkaEventSourceConfig', kafkaConfig);
    expectDocumented('SchemaRegistryConfig', registry);
    expect(registry).toEqual({
      SchemaRegistryURI: GLUE_ARN,
      EventRecordFormat: 'JSON',
      SchemaValidationConfigs: [{ Attribute: 'VALUE' }],
    });
    for (const config of registry['SchemaValidationConfigs'] as Array<Record<string, unknown>>) {
      expectDocumented('SchemaValidationConfig', config);
    }
  });

  it('lets the role read the registry and its schemas, in the registry’s own account and region', () => {
    // THEN GetRegistry on the registry, GetSchemaVersion on it and schema/<registry>/*
    expect(statementWithSid(template, 'GlueGetRegistry')).toEqual({
      Sid: 'GlueGetRegistry',
      Effect: 'Allow',
      Action: 'glue:GetRegistry',
      Resource: GLUE_ARN,
    });
    expect(statementWithSid(template, 'GlueGetSchemaVersion')).toEqual({
      Sid: 'GlueGetSchemaVersion',
      Effect: 'Allow',
      Action: 'glue:GetSchemaVersion',
      Resource: [GLUE_ARN, 'arn:aws:glue:eu-west-1:210987654321:schema/models/*'],
    });
  });

  it('tells the handler the records are JSON (SCHEMA_RECORD_FORMAT=json)', () => {
    expect(variablesOf(template)['SCHEMA_RECORD_FORMAT']).toBe('json');
  });
});

describe('schemaRegistry: a Confluent registry on self-managed Kafka', () => {
  it('passes the credentials and the root CA as AccessConfigs and grants reading both secrets', () => {
    // GIVEN a Confluent registry with basic auth under a customer managed key and a private root CA
    const stack = testStack();
    const key = new Key(stack, 'RegistryKey', { enableKeyRotation: true });
    const credentials = new Secret(stack, 'RegistryCredentials', { encryptionKey: key });
    const rootCa = new Secret(stack, 'RegistryRootCa');
    // WHEN the stream is synthesized, SOURCE records, key and value validated
    const { template } = synth(
      {
        source: SELF_MANAGED,
        vpc: importedVpc(stack),
        schemaRegistry: StreamSchemaRegistry.confluent('https://registry.example.com', {
          eventRecordFormat: EventRecordFormat.SOURCE,
          validate: [KafkaSchemaValidationAttribute.KEY, KafkaSchemaValidationAttribute.VALUE],
          authentication: { type: KafkaSchemaRegistryAccessConfigType.BASIC_AUTH, secret: credentials },
          rootCaCertificate: { secret: rootCa },
        }),
      },
      stack,
    );
    // THEN the self-managed mapping carries it, in the documented syntax
    const kafkaConfig = mappingOf(template)['SelfManagedKafkaEventSourceConfig'] as Record<string, unknown>;
    const registry = kafkaConfig['SchemaRegistryConfig'] as Record<string, unknown>;
    expectDocumented('SelfManagedKafkaEventSourceConfig', kafkaConfig);
    expectDocumented('SchemaRegistryConfig', registry);
    const access = registry['AccessConfigs'] as Array<Record<string, unknown>>;
    for (const config of access) expectDocumented('SchemaRegistryAccessConfig', config);
    expect(registry).toMatchObject({
      SchemaRegistryURI: 'https://registry.example.com',
      EventRecordFormat: 'SOURCE',
      SchemaValidationConfigs: [{ Attribute: 'KEY' }, { Attribute: 'VALUE' }],
    });
    expect(access.map((a) => a['Type'])).toEqual(['BASIC_AUTH', 'SERVER_ROOT_CA_CERTIFICATE']);
    // AND the role reads each secret, and decrypts the credentials with their key only via Secrets Manager
    const read = (sid: string) => [...(statementWithSid(template, sid)!['Action'] as string[])].sort();
    expect(read('ReadSchemaRegistryCredentials')).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(read('ReadSchemaRegistryRootCa')).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(statementWithSid(template, 'DecryptSchemaRegistryCredentials')).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: {
        StringEquals: {
          'kms:ViaService': {
            'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
          },
        },
      },
    });
    expect(statementWithSid(template, 'GlueGetRegistry')).toBeUndefined();
    expect(variablesOf(template)['SCHEMA_RECORD_FORMAT']).toBe('source');
  });
});

describe('schemaRegistry: what cannot deploy or cannot work fails at synth, naming the prop', () => {
  const glue = () => StreamSchemaRegistry.glue(GLUE_ARN);

  it('refuses on-demand pollers: AWS offers schema registries in provisioned mode only', () => {
    expect(() =>
      synth({
        source: KafkaSource.msk(CLUSTER_ARN),
        pollers: EventPollers.onDemand(),
        schemaRegistry: glue(),
      }),
    ).toThrow(/KafkaInferenceStream: schemaRegistry needs provisioned pollers/);
  });

  it('refuses JSON records with transport grpc', () => {
    expect(() =>
      synth({
        source: KafkaSource.msk(CLUSTER_ARN),
        transport: 'grpc',
        modelEndpoint: 'grpc://models.internal:8081',
        schemaRegistry: glue(),
      }),
    ).toThrow(/schemaRegistry delivers records decoded to JSON .* needs transport 'rest'/);
  });

  it('takes SOURCE records with transport grpc', () => {
    const { template } = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      transport: 'grpc',
      modelEndpoint: 'grpc://models.internal:8081',
      schemaRegistry: StreamSchemaRegistry.glue(GLUE_ARN, { eventRecordFormat: EventRecordFormat.SOURCE }),
    });
    expect(variablesOf(template)['SCHEMA_RECORD_FORMAT']).toBe('source');
  });

  it('refuses JSON records without the value validated, a registry ARN that is not one, and a URI', () => {
    expect(() =>
      StreamSchemaRegistry.glue(GLUE_ARN, { validate: [KafkaSchemaValidationAttribute.KEY] }),
    ).toThrow(/schemaRegistry validate must include VALUE with EventRecordFormat.JSON/);
    expect(() => StreamSchemaRegistry.glue('arn:aws:glue:eu-west-1:123456789012:schema/models/x')).toThrow(
      /schemaRegistry .* is not a Glue registry ARN/,
    );
    expect(() => StreamSchemaRegistry.confluent('registry.example.com')).toThrow(
      /schemaRegistry 'registry.example.com' is not an http\(s\):\/\/ URL/,
    );
    expect(() =>
      StreamSchemaRegistry.confluent('https://registry.example.com', {
        authentication: {
          type: KafkaSchemaRegistryAccessConfigType.SERVER_ROOT_CA_CERTIFICATE,
          secret: new Secret(testStack(), 'Ca'),
        },
      }),
    ).toThrow(
      /authentication type SERVER_ROOT_CA_CERTIFICATE is not one of BASIC_AUTH, CLIENT_CERTIFICATE_TLS_AUTH/,
    );
  });

  it('lets environment not set SCHEMA_RECORD_FORMAT: the schemaRegistry prop stands for it', () => {
    expect(() =>
      synth({ source: KafkaSource.msk(CLUSTER_ARN), environment: { SCHEMA_RECORD_FORMAT: 'json' } }),
    ).toThrow(/environment may not set SCHEMA_RECORD_FORMAT: the construct sets it from schemaRegistry/);
  });
});

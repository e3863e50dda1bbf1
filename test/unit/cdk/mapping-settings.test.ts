import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { EventSourceMappingLogLevel, FilterCriteria, FilterRule, MetricType } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { KafkaAuthentication } from '../../../lib/authentication.js';
import { Coalesce } from '../../../lib/coalesce.js';
import { KafkaSource } from '../../../lib/kafka-source.js';
import {
  CLUSTER_ARN,
  importedVpc,
  Match,
  REPO_ROOT,
  statementWithSid,
  synthStream as synth,
  testStack,
} from './helpers.js';

// The documented syntax (test/fixtures/aws/lambda-esm-cfn-syntax.json, sources in README-esm.md).
const SYNTAX = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'aws', 'lambda-esm-cfn-syntax.json'), 'utf8'),
) as {
  'AWS::Lambda::EventSourceMapping': Record<string, string>;
  LoggingConfig: { properties: Record<string, string>; allowedValues: { SystemLogLevel: string[] } };
  MetricsConfig: {
    properties: Record<string, string>;
    allowedValues: { Metrics: string[] };
    maximumItems: { Metrics: number };
  };
  SourceAccessConfiguration: { properties: Record<string, string>; allowedValues: { Type: string[] } };
};

/** The one event source mapping's properties. */
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

/** Self-managed brokers on a private CA, SCRAM, every new mapping setting given. */
const everySetting = () => {
  const stack = testStack();
  const rootCaKey = new Key(stack, 'RootCaKey', { enableKeyRotation: true });
  const rootCa = new Secret(stack, 'RootCa', { encryptionKey: rootCaKey });
  const filterKey = new Key(stack, 'FilterKey', { enableKeyRotation: true });
  const { template } = synth(
    {
      source: KafkaSource.selfManaged({
        bootstrapServers: ['b-1.kafka.internal:9096'],
        rootCaCertificate: rootCa,
      }),
      authentication: KafkaAuthentication.scram(new Secret(stack, 'Credentials')),
      vpc: importedVpc(stack),
      metricsConfig: {
        metrics: [MetricType.EVENT_COUNT, MetricType.ERROR_COUNT, MetricType.KAFKA_METRICS],
      },
      logLevel: EventSourceMappingLogLevel.INFO,
      filters: [FilterCriteria.filter({ value: { model: FilterRule.isEqual('iris') } })],
      filterEncryption: filterKey,
    },
    stack,
  );
  return { stack, template };
};

describe('the mapping settings, against the shapes AWS documents', () => {
  // GIVEN a stream with every new setting / WHEN synthesized
  const { template } = everySetting();
  const mapping = mappingOf(template);

  it('names each property as CloudFormation does', () => {
    // THEN each documented property is there, under its documented name
    for (const name of Object.keys(SYNTAX['AWS::Lambda::EventSourceMapping'])) {
      expect(mapping, name).toHaveProperty(name);
    }
    expect(mapping['KmsKeyArn']).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^FilterKey/), 'Arn'] });
  });

  it('writes LoggingConfig and MetricsConfig with documented fields and values only', () => {
    const logging = mapping['LoggingConfig'] as Record<string, string>;
    expect(Object.keys(logging)).toEqual(Object.keys(SYNTAX.LoggingConfig.properties));
    expect(SYNTAX.LoggingConfig.allowedValues.SystemLogLevel).toContain(logging['SystemLogLevel']);
    expect(logging['SystemLogLevel']).toBe('INFO');

    const metrics = mapping['MetricsConfig'] as Record<string, string[]>;
    expect(Object.keys(metrics)).toEqual(Object.keys(SYNTAX.MetricsConfig.properties));
    expect(metrics['Metrics']).toHaveLength(SYNTAX.MetricsConfig.maximumItems.Metrics);
    expect([...(metrics['Metrics'] ?? [])].sort()).toEqual(
      [...SYNTAX.MetricsConfig.allowedValues.Metrics].sort(),
    );
  });

  it('gives the root CA secret as SERVER_ROOT_CA_CERTIFICATE, each access configuration Type and URI only', () => {
    const configs = mapping['SourceAccessConfigurations'] as Array<Record<string, unknown>>;
    for (const config of configs) {
      expect(Object.keys(config).sort()).toEqual(
        Object.keys(SYNTAX.SourceAccessConfiguration.properties).sort(),
      );
      expect(SYNTAX.SourceAccessConfiguration.allowedValues.Type).toContain(config['Type']);
    }
    expect(configs).toContainEqual({
      Type: 'SERVER_ROOT_CA_CERTIFICATE',
      URI: { Ref: expect.stringMatching(/^RootCa/) },
    });
    expect(configs).toContainEqual({
      Type: 'SASL_SCRAM_512_AUTH',
      URI: { Ref: expect.stringMatching(/^Credentials/) },
    });
  });
});

describe('a private root CA (self-managed Kafka)', () => {
  const { template } = everySetting();

  it('is read by the role, for the mapping and the producer, and decrypted through Secrets Manager only', () => {
    expect(statementWithSid(template, 'ReadKafkaRootCa')).toMatchObject({
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Resource: { Ref: expect.stringMatching(/^RootCa/) },
    });
    expect(statementWithSid(template, 'DecryptKafkaRootCa')).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^RootCaKey/), 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
    });
  });

  it('is the handler KAFKA_ROOT_CA_SECRET_ARN, with TLS on even without authentication', () => {
    // GIVEN the same CA with no authentication in a VPC
    const stack = testStack();
    const rootCa = new Secret(stack, 'RootCa');
    const { template: plain } = synth(
      {
        source: KafkaSource.selfManaged({
          bootstrapServers: ['kafka.internal:9093'],
          rootCaCertificate: rootCa,
        }),
        vpc: importedVpc(stack),
      },
      stack,
    );
    // THEN
    expect(variablesOf(plain)).toMatchObject({
      KAFKA_AUTH: 'none',
      KAFKA_TLS: 'true',
      KAFKA_ROOT_CA_SECRET_ARN: { Ref: expect.stringMatching(/^RootCa/) },
    });
    expect(variablesOf(template)).toHaveProperty('KAFKA_ROOT_CA_SECRET_ARN');
  });
});

describe('filterEncryption', () => {
  it('lets the Lambda service decrypt with a key of the stack (the L2 writes it in the key policy)', () => {
    const { template } = everySetting();
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
          }),
        ]),
      },
    });
  });
});

describe('the defaults', () => {
  it('leave the new settings to Lambda: no logging, no mapping metrics, no filter key, no dropped-events alarm', () => {
    const { stream, template } = synth({ source: KafkaSource.msk(CLUSTER_ARN) });
    const mapping = mappingOf(template);
    expect(mapping).not.toHaveProperty('LoggingConfig');
    expect(mapping).not.toHaveProperty('MetricsConfig');
    expect(mapping).not.toHaveProperty('KmsKeyArn');
    expect(stream.alarms.droppedEvents).toBeUndefined();
    expect(
      Object.keys(variablesOf(template)).filter((v) => /_MS$|CONCURRENCY|COALESCE|RECORD_BYTES/.test(v)),
    ).toEqual([]);
  });
});

describe('alarms on the mapping metrics', () => {
  it('with EventCount metrics, alarms on DroppedEventCount of this mapping', () => {
    // GIVEN event count metrics and a threshold / WHEN / THEN
    const { stream, template } = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
      alarmThresholds: { droppedEvents: 5 },
    });
    expect(stream.alarms.droppedEvents).toBeDefined();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'DroppedEventCount',
      Dimensions: [
        { Name: 'EventSourceMappingUUID', Value: { Ref: Match.stringLikeRegexp('EventSourceMapping') } },
      ],
      Statistic: 'Sum',
      Threshold: 5,
    });
  });

  it('with ErrorCount or KafkaMetrics only, adds none', () => {
    const { stream } = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      metricsConfig: { metrics: [MetricType.ERROR_COUNT, MetricType.KAFKA_METRICS] },
    });
    expect(stream.alarms.droppedEvents).toBeUndefined();
  });
});

describe('the handler tuning props', () => {
  it('set the handler variables in its units', () => {
    // GIVEN every tuning prop / WHEN synthesized
    const { template } = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      modelTimeout: Duration.seconds(4),
      modelConcurrency: 8,
      coalesce: Coalesce.records(32),
      maxRecordBytes: 500_000,
      safetyMargin: Duration.seconds(5),
      retryBaseDelay: Duration.millis(50),
      retryMaxDelay: Duration.seconds(2),
    });
    // THEN
    expect(variablesOf(template)).toMatchObject({
      MODEL_TIMEOUT_MS: '4000',
      MODEL_CONCURRENCY: '8',
      COALESCE_MAX_RECORDS: '32',
      MAX_RECORD_BYTES: '500000',
      SAFETY_MARGIN_MS: '5000',
      RETRY_BASE_MS: '50',
      RETRY_MAX_MS: '2000',
    });
  });

  it.each([
    [Coalesce.auto(), 'auto'],
    [Coalesce.perRecord(), '1'],
  ])('set COALESCE_MAX_RECORDS from coalesce %#', (coalesce, variable) => {
    // GIVEN a coalescing mode / WHEN synthesized
    const { template } = synth({ source: KafkaSource.msk(CLUSTER_ARN), coalesce });
    // THEN
    expect(variablesOf(template)).toMatchObject({ COALESCE_MAX_RECORDS: variable });
  });

  it('leave COALESCE_MAX_RECORDS unset without coalesce: the handler sends each record alone', () => {
    // GIVEN no coalesce prop / WHEN synthesized
    const { template } = synth({ source: KafkaSource.msk(CLUSTER_ARN) });
    // THEN
    expect(variablesOf(template)).not.toHaveProperty('COALESCE_MAX_RECORDS');
  });

  it('leave KAFKA_COMPRESSION and LOG_PAYLOADS, which no prop stands for, to environment', () => {
    const { template } = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      environment: { KAFKA_COMPRESSION: 'gzip', LOG_PAYLOADS: 'true' },
    });
    expect(variablesOf(template)).toMatchObject({ KAFKA_COMPRESSION: 'gzip', LOG_PAYLOADS: 'true' });
  });
});

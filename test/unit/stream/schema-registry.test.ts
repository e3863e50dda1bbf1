/**
 * Records a schema registry validated (and, with EventRecordFormat JSON, decoded) before the
 * function: the handler reads their schema metadata as the fixtures carry it
 * (test/fixtures/aws/README-schema-registry.md), takes the decoded record as the protocol's JSON
 * request, and says so when it is not one.
 */
import { describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../../../functions/stream-inference/config.js';
import {
  ConfigError,
  FailureKind,
  type RecordFailure,
} from '../../../functions/stream-inference/failures.js';
import { decodeEvent, type InputRecord } from '../../../functions/stream-inference/inbound/event.js';
import { requestPreparer } from '../../../functions/stream-inference/inbound/request-check.js';
import { protocolSpec } from '../../../functions/stream-inference/model/protocols/index.js';
import { AwsEventFixture, awsEvent, recordsOf } from '../../helpers/aws-fixtures.js';
import { restRequest } from '../../helpers/iris.js';

const env = (more: Record<string, string> = {}) => ({
  KAFKA_OUTPUT_TOPIC: 'out',
  KAFKA_ERROR_TOPIC: 'err',
  MODEL_ENDPOINT: 'http://127.0.0.1:1',
  PROTOCOL: 'v2',
  MODEL_NAME: 'iris',
  ...more,
});

const firstRecord = (fixture: AwsEventFixture): InputRecord =>
  decodeEvent(awsEvent(fixture)).partitions[0]!.records[0]!;

const refusal = (config: Config, record: InputRecord): RecordFailure => {
  try {
    requestPreparer(config, protocolSpec(config.model.protocol))(record);
  } catch (error) {
    return error as RecordFailure;
  }
  throw new Error('the record was accepted');
};

describe('schema metadata on the fixtures', () => {
  it.each([
    [AwsEventFixture.powertoolsPythonMsk, 'AVRO'],
    [AwsEventFixture.powertoolsTypescriptProtobufGlue, 'PROTOBUF'],
  ])('reads valueSchemaMetadata of %s as the file has it', (fixture, format) => {
    // Prepare
    const want = recordsOf(awsEvent(fixture))[0]!.valueSchemaMetadata!;

    // Act
    const record = firstRecord(fixture);

    // Assess
    expect(want.dataFormat).toBe(format);
    expect(record.valueSchema).toEqual({ dataFormat: want.dataFormat, schemaId: want.schemaId });
    expect(record.problem).toBeUndefined();
  });

  it('dead-letters a record whose valueSchemaMetadata has no dataFormat', () => {
    const event = awsEvent(AwsEventFixture.powertoolsTypescriptProtobufGlue);
    const raw = recordsOf(event)[0]! as unknown as Record<string, unknown>;
    raw['valueSchemaMetadata'] = { schemaId: 'x' };

    const [partition] = decodeEvent(event).partitions;

    expect(partition!.records[0]!.problem).toBe('valueSchemaMetadata has no dataFormat');
  });
});

describe('SCHEMA_RECORD_FORMAT', () => {
  it('is json or source, and json needs TRANSPORT rest', () => {
    expect(loadConfig(env({ SCHEMA_RECORD_FORMAT: 'json' })).kafka.schemaRecordFormat).toBe('json');
    expect(loadConfig(env()).kafka.schemaRecordFormat).toBeUndefined();
    const grpc = { TRANSPORT: 'grpc', MODEL_ENDPOINT: 'grpc://127.0.0.1:1' };
    expect(loadConfig(env({ ...grpc, SCHEMA_RECORD_FORMAT: 'source' })).kafka.schemaRecordFormat).toBe(
      'source',
    );
    expect(() => loadConfig(env({ ...grpc, SCHEMA_RECORD_FORMAT: 'json' }))).toThrow(ConfigError);
    expect(() => loadConfig(env({ ...grpc, SCHEMA_RECORD_FORMAT: 'json' }))).toThrow(
      /^SCHEMA_RECORD_FORMAT: is json: .* needs TRANSPORT rest$/,
    );
    expect(() => loadConfig(env({ SCHEMA_RECORD_FORMAT: 'avro' }))).toThrow(
      "SCHEMA_RECORD_FORMAT: 'avro' is not allowed; allowed: json | source",
    );
  });
});

describe('a decoded record is the protocol’s JSON request', () => {
  it('takes a Protobuf-decoded record whose JSON is a V2 request, bytes as they came', () => {
    // Prepare: the fixture's record, its value the JSON of a V2 request (see the fixture README)
    const config = loadConfig(env({ SCHEMA_RECORD_FORMAT: 'json' }));
    const record = firstRecord(AwsEventFixture.powertoolsTypescriptProtobufGlue);
    const value = Buffer.from(JSON.stringify(restRequest('v2', [5.1, 3.5, 1.4, 0.2])));
    const decoded = { ...record, value };

    // Act
    const body = requestPreparer(config, protocolSpec('v2'))(decoded);

    // Assess
    expect(body).toBe(value);
  });

  it.each(['seldon', 'tensorflow', 'v2'] as const)(
    'takes an Avro-decoded record whose JSON is a %s request, and refuses the fixture’s {"key":"value"}',
    (protocol) => {
      // Prepare
      const config = loadConfig(env({ PROTOCOL: protocol, SCHEMA_RECORD_FORMAT: 'json' }));
      const record = firstRecord(AwsEventFixture.powertoolsPythonMsk);
      const value = Buffer.from(JSON.stringify(restRequest(protocol, [6.7, 3.0, 5.2, 2.3])));

      // Act
      const body = requestPreparer(config, protocolSpec(protocol))({ ...record, value });
      const failure = refusal(config, record);

      // Assess
      expect(body).toBe(value);
      expect(failure.message).toMatch(
        new RegExp(
          `^record decoded by the schema registry \\(AVRO, schema 1234\\) is not a ${protocolSpec(protocol).title} request: `,
        ),
      );
    },
  );

  it('dead-letters an Avro-decoded record that is not a V2 request, naming the format and the schema', () => {
    // Prepare: the fixture's value decodes to {"key":"value"}
    const record = firstRecord(AwsEventFixture.powertoolsPythonMsk);

    // Act
    const decodedRefusal = refusal(loadConfig(env({ SCHEMA_RECORD_FORMAT: 'json' })), record);
    const plainRefusal = refusal(loadConfig(env()), record);

    // Assess
    expect(decodedRefusal.kind).toBe(FailureKind.shape);
    expect(decodedRefusal.policy).toBe('dead-letter');
    expect(decodedRefusal.message).toBe(
      `record decoded by the schema registry (AVRO, schema 1234) is not a V2 request: ${plainRefusal.message}`,
    );
    expect(plainRefusal.message).toMatch(/inputs/);
  });

  it('dead-letters a Protobuf record delivered as its source bytes under json: they are not JSON', () => {
    const record = firstRecord(AwsEventFixture.powertoolsTypescriptProtobufGlue);

    const failure = refusal(loadConfig(env({ SCHEMA_RECORD_FORMAT: 'json' })), record);

    expect(failure.kind).toBe(FailureKind.decode);
    expect(failure.message).toMatch(
      /^record decoded by the schema registry \(PROTOBUF, schema 12345678-1234-1234-1234-123456789012\) is not a V2 request: value is not JSON/,
    );
  });
});

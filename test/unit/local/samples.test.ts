/**
 * The committed sample events (`events/`) are what the generator makes of the committed request
 * files, the handler's decoder and request checks accept every record, and the environment files
 * point at the local services.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/stream-inference/config.js';
import { decodeEvent, type LambdaKafkaEvent } from '../../../functions/stream-inference/inbound/event.js';
import { requestPreparer } from '../../../functions/stream-inference/inbound/request-check.js';
import { protocolSpec } from '../../../functions/stream-inference/model/protocols/index.js';
import { parseEnvVars } from '../../../scripts/local/env-file.js';
import { formatEvent } from '../../../scripts/local/event.js';
import { generateEvent } from '../../../scripts/local/generate-event.js';
import {
  EVENTS_DIR,
  SAMPLE_PROTOCOLS,
  SAMPLE_TRANSPORTS,
  sampleEnvFile,
  sampleEventFile,
  sampleTopics,
} from '../../../scripts/local/generate-samples.js';
import { LOCAL_ENDPOINTS } from '../../../scripts/local/local-services.js';
import { decodeMessage, GRPC_MESSAGES } from '../../../scripts/local/protos.js';
import { IRIS_SAMPLES } from '../../../scripts/local/samples.js';

const cases = SAMPLE_PROTOCOLS.flatMap((p) => SAMPLE_TRANSPORTS.map((t) => [p, t] as const));

describe.each(cases)('events/%s-%s-msk.json', (protocol, transport) => {
  const file = sampleEventFile(protocol, transport);
  const text = readFileSync(file, 'utf8');
  const event = JSON.parse(text) as LambdaKafkaEvent;
  const env = parseEnvVars(JSON.parse(readFileSync(sampleEnvFile(protocol, transport), 'utf8')));

  it('is what the generator writes for the committed request file (npm run events:generate)', async () => {
    const input = `${EVENTS_DIR}requests/${protocol}-${transport}.${transport === 'rest' ? 'jsonl' : 'b64'}`;

    const regenerated = await generateEvent({
      input,
      topic: sampleTopics(protocol, transport).input,
      partitions: 2,
      timestamp: 1_735_689_600_000,
      keyPrefix: 'iris-',
      ...(transport === 'grpc' ? { protoName: GRPC_MESSAGES[protocol].request } : {}),
      shape: 'msk',
      bootstrapServers: '127.0.0.1:9092',
    });

    expect(formatEvent(regenerated)).toBe(text);
  });

  it('decodes, and every record passes the handler checks for its protocol and transport', () => {
    const config = loadConfig(env);
    const prepare = requestPreparer(config, protocolSpec(config.model.protocol));

    const decoded = decodeEvent(event);

    const records = decoded.partitions.flatMap((p) => p.records);
    expect(decoded.eventSource).toBe('aws:kafka');
    expect(records).toHaveLength(IRIS_SAMPLES.length);
    expect(new Set(records.map((r) => r.partition))).toEqual(new Set([0, 1]));
    for (const r of records) expect(() => prepare(r)).not.toThrow();
  });

  it('holds the iris sample rows, keyed iris-1..6', () => {
    const records = decodeEvent(event).partitions.flatMap((p) => p.records);
    const byKey = new Map(records.map((r) => [r.key!.toString(), r]));
    for (const sample of IRIS_SAMPLES) {
      const value = byKey.get(sample.key)!.value!;
      const text =
        transport === 'rest'
          ? value.toString()
          : JSON.stringify(decodeMessage(GRPC_MESSAGES[protocol].request, value));
      for (const x of sample.row) expect(text).toContain(String(x));
    }
  });

  it('comes with the environment of the local server for its protocol and transport', () => {
    expect(env).toMatchObject({
      KAFKA_BROKER: '127.0.0.1:9092',
      KAFKA_INPUT_TOPIC: sampleTopics(protocol, transport).input,
      MODEL_ENDPOINT: LOCAL_ENDPOINTS[protocol][transport],
      MODEL_NAME: 'iris',
      PROTOCOL: protocol,
      TRANSPORT: transport,
    });
  });
});

describe('events/v2-rest-self-managed.json', () => {
  it('is the self-managed shape of the same records', () => {
    const msk = JSON.parse(readFileSync(sampleEventFile('v2', 'rest'), 'utf8')) as LambdaKafkaEvent;
    const selfManaged = JSON.parse(
      readFileSync(sampleEventFile('v2', 'rest', 'self-managed'), 'utf8'),
    ) as LambdaKafkaEvent;

    expect(selfManaged.eventSource).toBe('SelfManagedKafka');
    expect('eventSourceArn' in selfManaged).toBe(false);
    expect(selfManaged.records).toEqual(msk.records);
    expect(decodeEvent(selfManaged).partitions).toEqual(decodeEvent(msk).partitions);
  });
});

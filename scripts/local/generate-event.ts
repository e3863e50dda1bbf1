/**
 * Writes a Lambda Kafka event (MSK or self-managed) from a file of requests or from records already
 * on a topic. SAM CLI's `sam local generate-event` has no Kafka event; this is ours.
 *
 *   npm run event -- --input requests.jsonl --topic demo-v2-rest-input [--partitions 2] [--out event.json]
 *   npm run event -- --input requests.b64 --protocol v2                   # gRPC: adds the proto-name header
 *   npm run event -- --from-topic demo-v2-rest-input --max 10 --shape self-managed
 */

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PROTOCOLS } from '../../functions/stream-inference/contract.js';
import type { LambdaKafkaEvent } from '../../functions/stream-inference/inbound/event.js';
import { integerFlag, isMain, oneOfFlag, runMain, UsageError } from './cli.js';
import { buildEvent, EVENT_SHAPES, type EventShape, formatEvent, type SourceRecord } from './event.js';
import { GRPC_MESSAGES } from './protos.js';
import { formatOf, REQUEST_FORMATS, type RequestFormat, readRequests, toRecords } from './requests.js';
import { readTopic } from './topic-reader.js';

const USAGE = `Usage: generate-event (--input <file> | --from-topic <topic>) [options]

Source (one of):
  --input <file>            requests, one per record: JSON lines (.jsonl/.json), protobuf base64 lines
                            (.b64/.txt) or length-delimited protobuf (anything else); see --format
  --from-topic <topic>      records already on a topic (read from the start, up to the end now)

Options:
  --format <f>              ${REQUEST_FORMATS.join(' | ')} (default: from the file name)
  --protocol <p>            v2 | seldon | tensorflow: with protobuf input, sets the proto-name header
  --proto-name <message>    the proto-name header of protobuf records (overrides --protocol)
  --header <name=value>     a header on every record from --input (repeatable)
  --topic <name>            topic of records from --input (default: input)
  --partitions <n>          spread records from --input over n partitions (default: 1)
  --first-offset <n>        first offset of each partition (default: 0)
  --timestamp <ms>          timestamp of the first record (default: now)
  --key-prefix <text>       keys are <text>1, <text>2, ... (default: record-); --no-keys for none
  --brokers <list>          with --from-topic (default: 127.0.0.1:9092)
  --max <n>                 with --from-topic: at most n records (default: 100)
  --from-offset <n>         with --from-topic: first offset of each partition (default: earliest)
  --shape <s>               ${EVENT_SHAPES.join(' | ')} (default: msk)
  --bootstrap-servers <l>   the event's bootstrapServers (default: the brokers, or 127.0.0.1:9092)
  --event-source-arn <arn>  the MSK cluster ARN (default: a local placeholder)
  --out <file>              write here instead of stdout
`;

export interface GenerateOptions {
  readonly input?: string;
  readonly fromTopic?: string;
  readonly format?: RequestFormat;
  readonly protoName?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly topic?: string;
  readonly partitions?: number;
  readonly firstOffset?: number;
  readonly timestamp?: number;
  readonly keyPrefix?: string | null;
  readonly brokers?: readonly string[];
  readonly max?: number;
  readonly fromOffset?: number;
  readonly shape?: EventShape;
  readonly bootstrapServers?: string;
  readonly eventSourceArn?: string;
}

/**
 * The event for a file of requests or for a topic's records.
 *
 * @example
 * const event = await generateEvent({ input: 'events/requests/v2-rest.jsonl', topic: 'in', shape: 'msk' });
 */
export const generateEvent = async (options: GenerateOptions): Promise<LambdaKafkaEvent> => {
  const brokers = options.brokers ?? ['127.0.0.1:9092'];
  let records: SourceRecord[];
  if (options.input !== undefined) {
    const format = options.format ?? formatOf(options.input);
    const protoName = format === 'jsonl' ? undefined : options.protoName;
    const keyPrefix = options.keyPrefix === undefined ? 'record-' : options.keyPrefix;
    records = toRecords(readRequests(options.input, format), {
      topic: options.topic ?? 'input',
      ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
      ...(options.firstOffset === undefined ? {} : { firstOffset: options.firstOffset }),
      ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
      key: (i) => (keyPrefix === null ? null : `${keyPrefix}${i + 1}`),
      headers: { ...(protoName === undefined ? {} : { 'proto-name': protoName }), ...options.headers },
    });
  } else if (options.fromTopic !== undefined) {
    records = await readTopic({
      brokers,
      topic: options.fromTopic,
      ...(options.max === undefined ? {} : { max: options.max }),
      ...(options.fromOffset === undefined ? {} : { fromOffset: options.fromOffset }),
    });
    if (records.length === 0) throw new Error(`topic '${options.fromTopic}' holds no records to read`);
  } else {
    throw new UsageError('give --input <file> or --from-topic <topic>');
  }
  return buildEvent(records, {
    shape: options.shape ?? 'msk',
    bootstrapServers: options.bootstrapServers ?? brokers.join(','),
    ...(options.eventSourceArn === undefined ? {} : { eventSourceArn: options.eventSourceArn }),
  });
};

const main = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      input: { type: 'string' },
      'from-topic': { type: 'string' },
      format: { type: 'string' },
      protocol: { type: 'string' },
      'proto-name': { type: 'string' },
      header: { type: 'string', multiple: true, default: [] },
      topic: { type: 'string' },
      partitions: { type: 'string' },
      'first-offset': { type: 'string' },
      timestamp: { type: 'string' },
      'key-prefix': { type: 'string' },
      'no-keys': { type: 'boolean', default: false },
      brokers: { type: 'string' },
      max: { type: 'string' },
      'from-offset': { type: 'string' },
      shape: { type: 'string' },
      'bootstrap-servers': { type: 'string' },
      'event-source-arn': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const protocol = oneOfFlag('protocol', values.protocol, PROTOCOLS);
  const headers: Record<string, string> = {};
  for (const h of values.header) {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new UsageError(`--header '${h}' is not name=value`);
    headers[h.slice(0, eq)] = h.slice(eq + 1);
  }
  const protoName =
    values['proto-name'] ??
    (protocol === undefined ? undefined : GRPC_MESSAGES[protocol === 'kfserving' ? 'v2' : protocol].request);
  const format = oneOfFlag('format', values.format, REQUEST_FORMATS);
  if (
    values.input !== undefined &&
    (format ?? formatOf(values.input)) !== 'jsonl' &&
    protoName === undefined
  ) {
    throw new UsageError('protobuf requests need --protocol or --proto-name (the proto-name header)');
  }
  const event = await generateEvent({
    ...(values.input === undefined ? {} : { input: values.input }),
    ...(values['from-topic'] === undefined ? {} : { fromTopic: values['from-topic'] }),
    ...(format === undefined ? {} : { format }),
    ...(protoName === undefined ? {} : { protoName }),
    headers,
    ...(values.topic === undefined ? {} : { topic: values.topic }),
    ...(values.partitions === undefined
      ? {}
      : { partitions: Math.max(1, integerFlag('partitions', values.partitions)!) }),
    ...(values['first-offset'] === undefined
      ? {}
      : { firstOffset: integerFlag('first-offset', values['first-offset'])! }),
    ...(values.timestamp === undefined ? {} : { timestamp: integerFlag('timestamp', values.timestamp)! }),
    keyPrefix: values['no-keys'] ? null : (values['key-prefix'] ?? 'record-'),
    ...(values.brokers === undefined ? {} : { brokers: values.brokers.split(',').map((b) => b.trim()) }),
    ...(values.max === undefined ? {} : { max: integerFlag('max', values.max)! }),
    ...(values['from-offset'] === undefined
      ? {}
      : { fromOffset: integerFlag('from-offset', values['from-offset'])! }),
    shape: oneOfFlag('shape', values.shape, EVENT_SHAPES) ?? 'msk',
    ...(values['bootstrap-servers'] === undefined ? {} : { bootstrapServers: values['bootstrap-servers'] }),
    ...(values['event-source-arn'] === undefined ? {} : { eventSourceArn: values['event-source-arn'] }),
  });
  const json = formatEvent(event);
  if (values.out === undefined) process.stdout.write(json);
  else {
    writeFileSync(values.out, json);
    const count = Object.values(event.records).reduce((n, list) => n + list.length, 0);
    process.stderr.write(`wrote ${values.out}: ${count} records, ${event.eventSource}\n`);
  }
  return 0;
};

if (isMain(import.meta.url)) runMain('generate-event', USAGE, main);

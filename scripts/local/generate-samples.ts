/**
 * Regenerates the sample events in `events/` (`npm run events:generate`): for each protocol and
 * transport, a request file of the iris samples (`events/requests/`), the MSK event the generator
 * makes of it, and the handler environment pointing at the local services (`events/env/`, in the
 * format of `sam local invoke --env-vars`). One self-managed event shows the other shape.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Protocol, Transport } from '../../functions/stream-inference/config.js';
import { isMain, runMain } from './cli.js';
import { type EventShape, formatEvent } from './event.js';
import { generateEvent } from './generate-event.js';
import { LOCAL_BROKER, localHandlerEnv } from './local-services.js';
import { GRPC_MESSAGES } from './protos.js';
import { IRIS_SAMPLES, sampleRecord } from './samples.js';

export const EVENTS_DIR = fileURLToPath(new URL('../../events/', import.meta.url));

export const SAMPLE_PROTOCOLS: readonly Protocol[] = ['v2', 'seldon', 'tensorflow'];
export const SAMPLE_TRANSPORTS: readonly Transport[] = ['rest', 'grpc'];

/** 2025-01-01T00:00:00Z: fixed, so that regenerating changes nothing. */
const SAMPLE_TIMESTAMP = 1_735_689_600_000;

/** Topics the sample events and their environment name. */
export const sampleTopics = (protocol: Protocol, transport: Transport) => ({
  input: `samples-${protocol}-${transport}-input`,
  output: `samples-${protocol}-${transport}-output`,
  errors: `samples-${protocol}-${transport}-errors`,
});

export const sampleEventFile = (
  protocol: Protocol,
  transport: Transport,
  shape: EventShape = 'msk',
): string => `${EVENTS_DIR}${protocol}-${transport}-${shape}.json`;

export const sampleEnvFile = (protocol: Protocol, transport: Transport): string =>
  `${EVENTS_DIR}env/${protocol}-${transport}.json`;

/** Writes the request file of a protocol and transport; returns its path. */
const writeRequests = (protocol: Protocol, transport: Transport): string => {
  const records = IRIS_SAMPLES.map((s) => sampleRecord(protocol, transport, s));
  const path = `${EVENTS_DIR}requests/${protocol}-${transport}.${transport === 'rest' ? 'jsonl' : 'b64'}`;
  const encode = (value: Buffer): string =>
    transport === 'rest' ? value.toString('utf8') : value.toString('base64');
  writeFileSync(path, `${records.map((r) => encode(r.value)).join('\n')}\n`);
  return path;
};

const relative = (path: string): string => path.slice(EVENTS_DIR.length - 'events/'.length);

const main = async (): Promise<number> => {
  mkdirSync(`${EVENTS_DIR}requests`, { recursive: true });
  mkdirSync(`${EVENTS_DIR}env`, { recursive: true });
  for (const protocol of SAMPLE_PROTOCOLS) {
    for (const transport of SAMPLE_TRANSPORTS) {
      const input = writeRequests(protocol, transport);
      const shapes: EventShape[] =
        protocol === 'v2' && transport === 'rest' ? ['msk', 'self-managed'] : ['msk'];
      for (const shape of shapes) {
        const event = await generateEvent({
          input,
          topic: sampleTopics(protocol, transport).input,
          partitions: 2,
          timestamp: SAMPLE_TIMESTAMP,
          keyPrefix: 'iris-',
          ...(transport === 'grpc' ? { protoName: GRPC_MESSAGES[protocol].request } : {}),
          shape,
          bootstrapServers: LOCAL_BROKER,
        });
        const file = sampleEventFile(protocol, transport, shape);
        writeFileSync(file, formatEvent(event));
        process.stdout.write(`wrote ${relative(file)} from ${relative(input)}\n`);
      }
      const env = { Parameters: localHandlerEnv(protocol, transport, sampleTopics(protocol, transport)) };
      writeFileSync(sampleEnvFile(protocol, transport), `${JSON.stringify(env, null, 2)}\n`);
    }
  }
  return 0;
};

if (isMain(import.meta.url)) runMain('generate-samples', '', main);

/** What the local CLIs read: SAM env-vars files, request files, the Lambda-like context. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invoke, lambdaContext, TaskTimedOutError } from '../../../scripts/local/context.js';
import { parseAssignments, parseEnvVars, readEnvFile } from '../../../scripts/local/env-file.js';
import { generateEvent } from '../../../scripts/local/generate-event.js';
import { parseInvokeArgs } from '../../../scripts/local/invoke.js';
import { formatOf, parseRequests, toRecords, writeDelimited } from '../../../scripts/local/requests.js';

describe('SAM env-vars files', () => {
  it('applies Parameters to every function and a function entry over it', () => {
    const json = { Parameters: { A: '1', B: '1' }, StreamFunction: { B: '2', N: 3, T: true } };

    expect(parseEnvVars(json, 'StreamFunction')).toEqual({ A: '1', B: '2', N: '3', T: 'true' });
    expect(parseEnvVars(json)).toEqual({ A: '1', B: '2', N: '3', T: 'true' }); // the only function entry
    expect(parseEnvVars({ Parameters: { A: '1' } })).toEqual({ A: '1' });
  });

  it('asks which function when the file has several, and names what is wrong', () => {
    expect(() => parseEnvVars({ F1: {}, F2: {} })).toThrow(/F1, F2.*--function-id/);
    expect(() => parseEnvVars({ F1: {} }, 'F9')).toThrow(/no entry for 'F9'/);
    expect(() => parseEnvVars({ F1: { A: { nested: 1 } } })).toThrow(/F1\.A/);
    expect(() => parseEnvVars([])).toThrow(/JSON object/);
  });

  it('reads a file and K=V flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-'));
    const file = join(dir, 'env.json');
    writeFileSync(file, JSON.stringify({ Parameters: { MODEL_NAME: 'iris' } }));

    expect(readEnvFile(file)).toEqual({ MODEL_NAME: 'iris' });
    expect(parseAssignments(['A=1', 'URL=http://h/?a=b'])).toEqual({ A: '1', URL: 'http://h/?a=b' });
    expect(() => parseAssignments(['=x'])).toThrow(/NAME=value/);
  });
});

describe('invoke command line', () => {
  it('takes the event file as the argument or as --event, with the other flags either way', () => {
    const file = 'events/v2-rest-msk.json';

    const positional = parseInvokeArgs([file, '--env', 'A=1', '--timeout-ms', '500']);
    const flag = parseInvokeArgs(['--env', 'A=1', '--event', file, '--timeout-ms', '500']);

    expect(positional).toEqual({ event: file, env: ['A=1'], timeoutMs: '500' });
    expect(flag).toEqual(positional);
    expect(parseInvokeArgs(['-e', file, '--env-vars', 'env.json'])).toMatchObject({
      event: file,
      envFile: 'env.json',
    });
  });

  it('wants exactly one event file, and answers --help without one', () => {
    expect(() => parseInvokeArgs([])).toThrow(/event file is required/);
    expect(() => parseInvokeArgs(['a.json', 'b.json'])).toThrow(/one event file, not a.json b.json/);
    expect(() => parseInvokeArgs(['a.json', '--event', 'b.json'])).toThrow(
      /--event b.json or a.json, not both/,
    );
    expect(() => parseInvokeArgs(['a.json', '--evnt', 'b.json'])).toThrow(/evnt/);
    expect(parseInvokeArgs(['--help'])).toBe('help');
  });
});

describe('request files', () => {
  it('knows the format from the file name', () => {
    expect(formatOf('a.jsonl')).toBe('jsonl');
    expect(formatOf('a.json')).toBe('jsonl');
    expect(formatOf('a.b64')).toBe('protobuf-base64');
    expect(formatOf('a.bin')).toBe('protobuf-delimited');
  });

  it('reads JSON lines as written, skipping blank and # lines, and rejects a line that is not JSON', () => {
    const text = '{"a": 1}\n\n# comment\n{"b":[1, 2]}\r\n';

    expect(parseRequests(Buffer.from(text), 'jsonl').map(String)).toEqual(['{"a": 1}', '{"b":[1, 2]}']);
    expect(() => parseRequests(Buffer.from('{"a":1}\nnope\n'), 'jsonl')).toThrow(/line 2/);
  });

  it('reads length-delimited and base64 protobuf messages', () => {
    const messages = [Buffer.from([8, 1]), Buffer.alloc(300, 7), Buffer.alloc(0)];

    expect(parseRequests(writeDelimited(messages), 'protobuf-delimited')).toEqual(messages);
    const b64 = messages.map((m) => m.toString('base64')).join('\n');
    expect(parseRequests(Buffer.from(b64), 'protobuf-base64')).toEqual(messages.slice(0, 2));
  });

  it('spreads records over partitions round-robin with consecutive offsets and timestamps', () => {
    const values = ['a', 'b', 'c', 'd', 'e'].map((v) => Buffer.from(v));

    const records = toRecords(values, {
      topic: 'in',
      partitions: 2,
      firstOffset: 10,
      timestamp: 1000,
      headers: { 'proto-name': 'x.Y' },
    });

    expect(
      records.map((r) => [r.partition, r.offset, r.value?.toString(), r.key?.toString(), r.timestamp]),
    ).toEqual([
      [0, 10, 'a', 'record-1', 1000],
      [0, 11, 'c', 'record-3', 1002],
      [0, 12, 'e', 'record-5', 1004],
      [1, 10, 'b', 'record-2', 1001],
      [1, 11, 'd', 'record-4', 1003],
    ]);
    expect(records[0]!.headers).toEqual([['proto-name', Buffer.from('x.Y')]]);
  });

  it('generates an event from a file, gRPC records with the proto-name header', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-'));
    const input = join(dir, 'requests.b64');
    writeFileSync(input, `${Buffer.from([8, 1]).toString('base64')}\n`);

    const event = await generateEvent({
      input,
      protoName: 'inference.ModelInferRequest',
      topic: 'in',
      keyPrefix: null,
      shape: 'self-managed',
      timestamp: 5,
    });

    expect(event).toEqual({
      eventSource: 'SelfManagedKafka',
      bootstrapServers: '127.0.0.1:9092',
      records: {
        'in-0': [
          {
            topic: 'in',
            partition: 0,
            offset: 0,
            timestamp: 5,
            timestampType: 'CREATE_TIME',
            value: 'CAE=',
            headers: [{ 'proto-name': [...Buffer.from('inference.ModelInferRequest')] }],
          },
        ],
      },
    });
  });
});

describe('Lambda-like context', () => {
  it('counts the remaining time down from the function timeout', () => {
    let now = 1_000;
    const context = lambdaContext({ timeoutMs: 30_000, functionName: 'fn' }, () => now);

    expect(context.getRemainingTimeInMillis()).toBe(30_000);
    now += 12_345;
    expect(context.getRemainingTimeInMillis()).toBe(17_655);
    now += 60_000;
    expect(context.getRemainingTimeInMillis()).toBe(0);
    expect(context.functionName).toBe('fn');
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:fn');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('returns the response, passes errors on, and fails an invocation that overruns the timeout', async () => {
    await expect(invoke(async (event) => ({ echo: event }), 1)).resolves.toEqual({ echo: 1 });
    await expect(
      invoke(async () => {
        throw new TypeError('bad');
      }, {}),
    ).rejects.toThrow(TypeError);
    const slow = invoke(() => new Promise(() => undefined), {}, { timeoutMs: 50 });
    await expect(slow).rejects.toBeInstanceOf(TaskTimedOutError);
    await expect(slow).rejects.toThrow('Task timed out after 0.05 seconds');
  });
});

/**
 * A REST deployment never loads protobufjs, the descriptor or @grpc/grpc-js (about 150 ms of a cold
 * start); a gRPC deployment does. Each case is a fresh process, as a cold start is.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const probe = fileURLToPath(new URL('./fixtures/lazy-probe.ts', import.meta.url));

const loadedPackages = async (transport: 'rest' | 'grpc'): Promise<string[]> => {
  const { stdout } = await run(`${root}node_modules/.bin/tsx`, [probe, transport], {
    cwd: root,
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as string[];
};

describe('lazy loading of the gRPC code', () => {
  it('a REST cold start loads neither protobufjs nor @grpc/grpc-js', async () => {
    expect(await loadedPackages('rest')).toEqual([]);
  });

  it('a gRPC cold start loads both', async () => {
    expect(await loadedPackages('grpc')).toEqual(['@grpc/grpc-js', 'protobufjs']);
  });
});

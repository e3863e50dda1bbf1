/**
 * `npm start` as a user runs it: the demo answers its sample requests with the right species and
 * exits 0; with `--follow` it keeps running until Ctrl-C, then stops with its offsets committed.
 * What it prints on either stream reads as text: no terminal escape codes and no kafkajs log lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeKafkaHelpers, kafkaAdmin } from '../helpers/kafka-clients.js';
import { repoRoot } from '../helpers/models.js';

const TSX = join(repoRoot, 'node_modules', '.bin', 'tsx');

interface Run {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  /** stdout and stderr as the terminal shows them, interleaved. */
  readonly screen: () => string;
  readonly exited: Promise<number | null>;
}

const start = (args: readonly string[]): Run => {
  const child = spawn(TSX, ['scripts/start.ts', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let screen = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    screen += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    screen += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, screen: () => screen, exited };
};

/** Lines a user should not have to read: an ANSI escape sequence, or a log line of kafkajs. */
const unreadable = (screen: string): string[] =>
  screen.split('\n').filter((line) => line.includes('\u001b') || /kafkajs/i.test(line));

const waitForOutput = async (run: Run, pattern: RegExp, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.stdout())) {
    if (Date.now() > deadline || run.child.exitCode !== null) {
      throw new Error(`no ${pattern} in npm start's output:\n${run.stdout()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
};

afterAll(async () => {
  await closeKafkaHelpers();
});

describe('npm start', () => {
  it('with no configuration, prints a prediction per sample request and exits 0', async () => {
    // Act
    const run = start(['--protocol', 'seldon', '--transport', 'grpc']);
    const code = await run.exited;

    // Assess
    const out = run.stdout();
    expect(code, out).toBe(0);
    const predictions = [...out.matchAll(/^ {2}(iris-\d+) +\[[\d., ]+\] -> (\w+) +\(data set: (\w+)\)/gm)];
    expect(predictions.map((m) => m[1]).sort()).toEqual([
      'iris-1',
      'iris-2',
      'iris-3',
      'iris-4',
      'iris-5',
      'iris-6',
    ]);
    for (const [, key, predicted, truth] of predictions) expect(predicted, key).toBe(truth);
    expect(out).toMatch(/6 of 6 answered with a prediction/);
    expect(out).toMatch(/offsets committed/);
    expect(unreadable(run.screen())).toEqual([]);
  });

  it('with --follow, runs until Ctrl-C, then commits and exits 0', async () => {
    // Prepare
    const run = start(['--protocol', 'tensorflow', '--follow', '--count', '50']);
    await waitForOutput(run, /Following demo-tensorflow-rest-input/, 120_000);

    // Act
    run.child.kill('SIGINT');
    const code = await run.exited;

    // Assess: a clean stop, and the group's offsets at the end of the topic.
    expect(code, run.stdout()).toBe(0);
    expect(run.stdout()).toMatch(/Stopped after .* 0 failed invocations; offsets committed/);
    expect(unreadable(run.screen())).toEqual([]);
    const admin = await kafkaAdmin();
    const topic = 'demo-tensorflow-rest-input';
    const [committed] = await admin.fetchOffsets({
      groupId: `msk-inference-local-${topic}`,
      topics: [topic],
    });
    const ends = await admin.fetchTopicOffsets(topic);
    for (const end of ends) {
      const at = committed!.partitions.find((p) => p.partition === end.partition)?.offset;
      expect(at, `partition ${end.partition}`).toBe(end.high);
    }
  });
});

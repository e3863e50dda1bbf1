/** Charging a real `node --cpu-prof` profile of a real esbuild bundle to the packages in it. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { type CpuProfile, packageOf, summarizeProfile } from '../../../scripts/bench/cpu-profile.js';

const dir = mkdtempSync(join(tmpdir(), 'cpu-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A package whose one function spins for `ms` on the CPU. */
const spinner = (name: string, ms: number) => {
  mkdirSync(join(dir, 'node_modules', name), { recursive: true });
  writeFileSync(
    join(dir, 'node_modules', name, 'index.js'),
    `export function spin() { const end = performance.now() + ${ms}; let x = 0; while (performance.now() < end) x++; return x; }\n`,
  );
};

describe('summarizeProfile', () => {
  it('charges each phase to the packages that spent it, found through the source map', async () => {
    // Prepare: two packages, one busy three times longer, called in two phases marked on hrtime's clock.
    spinner('slow-pkg', 300);
    spinner('quick-pkg', 100);
    writeFileSync(
      join(dir, 'entry.js'),
      [
        "import { spin as slow } from 'slow-pkg';",
        "import { spin as quick } from 'quick-pkg';",
        'const us = () => Number(process.hrtime.bigint() / 1000n);',
        'const a = us(); slow(); const b = us(); quick(); const c = us();',
        'console.log(JSON.stringify([a, b, c]));',
      ].join('\n'),
    );
    const bundle = join(dir, 'out', 'index.mjs');
    await build({
      entryPoints: [join(dir, 'entry.js')],
      outfile: bundle,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      sourcemap: true,
      absWorkingDir: dir,
    });

    // Act
    const profiles = join(dir, 'profiles');
    const marks = JSON.parse(
      execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profiles}`, bundle], {
        encoding: 'utf8',
      }),
    ) as [number, number, number];
    const file = readdirSync(profiles).find((f) => f.endsWith('.cpuprofile'))!;
    const profile = JSON.parse(readFileSync(join(profiles, file), 'utf8')) as CpuProfile;
    const [first, second] = summarizeProfile(profile, bundle, [
      { name: 'slow', fromUs: marks[0], toUs: marks[1] },
      { name: 'quick', fromUs: marks[1], toUs: marks[2] },
    ]);

    // Assess: a sample near a mark may fall on either side of it (the sampler's timestamps and the
    // marks are taken by different threads), so each phase is judged by what dominates it.
    const ms = (phase: typeof first, owner: string) => phase!.by.find(([o]) => o === owner)?.[1] ?? 0;
    expect(first!.by[0]![0]).toBe('slow-pkg');
    expect(ms(first, 'slow-pkg')).toBeGreaterThan(200);
    expect(ms(first, 'quick-pkg')).toBeLessThan(ms(first, 'slow-pkg') / 10);
    expect(second!.by[0]![0]).toBe('quick-pkg');
    expect(ms(second, 'quick-pkg')).toBeGreaterThan(50);
    expect(ms(second, 'slow-pkg')).toBeLessThan(ms(second, 'quick-pkg') / 5);
  });
});

describe('packageOf', () => {
  it('names a scoped package, a plain one, and our own sources', () => {
    expect(packageOf('../node_modules/@smithy/core/dist-es/index.js')).toBe('@smithy/core');
    expect(packageOf('../../node_modules/kafkajs/src/producer/index.js')).toBe('kafkajs');
    expect(packageOf('../../functions/stream-inference/config.ts')).toBe('msk-inference (functions/)');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CfnLintFinding, ensureCfnLint, formatFinding, lintTemplates } from '../../helpers/cfn-lint.js';
import {
  APP_TARGETS,
  CANARY_TARGET,
  CONSTRUCT_TARGETS,
  EXAMPLE_TARGETS,
  type LintTarget,
} from './lint-variants.js';

// The templates are checked against AWS's own resource schemas (cfn-lint), not against what this
// project expects of them: a property CloudFormation would reject, or a pattern AWS warns about,
// fails here before a deploy does.
const TARGETS: LintTarget[] = [...EXAMPLE_TARGETS, ...APP_TARGETS, ...CONSTRUCT_TARGETS];
const inCanary = (f: CfnLintFinding) => basename(f.Filename).startsWith(`${CANARY_TARGET.name}.`);

describe('cfn-lint on every synthesized template', () => {
  let dir: string;
  let findings: CfnLintFinding[];

  beforeAll(async () => {
    // GIVEN cfn-lint (installed on first use) and every example manifest and construct variant,
    // synthesized to template JSON
    await ensureCfnLint();
    vi.stubEnv('CDK_DEFAULT_ACCOUNT', undefined);
    vi.stubEnv('CDK_DEFAULT_REGION', undefined);
    dir = mkdtempSync(join(tmpdir(), 'msk-inference-cfn-lint-'));
    const files: string[] = [];
    for (const { name, template } of [...TARGETS, CANARY_TARGET]) {
      const file = join(dir, `${name}.template.json`);
      writeFileSync(file, JSON.stringify(template(), null, 1));
      files.push(file);
      // Each synthesis blocks for seconds: let vitest's worker answer its heartbeat between them.
      await yieldToEventLoop();
    }
    // WHEN one cfn-lint process lints them all
    findings = await lintTemplates(files);
  }, 600_000);

  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lints the example manifests, the app overrides and the construct variants', () => {
    expect(EXAMPLE_TARGETS.length).toBeGreaterThanOrEqual(3);
    expect(TARGETS.map((t) => t.name)).toEqual([...new Set(TARGETS.map((t) => t.name))]);
  });

  it('finds no error and no warning', () => {
    // THEN nothing is reported, bar the checks a resource's Metadata ignores (lib/cfn-lint.ts says why)
    expect(findings.filter((f) => !inCanary(f)).map(formatFinding)).toEqual([]);
  });

  it('reports what the ignores silence once they are taken out (W3005 on the stream function)', () => {
    // THEN the canary template shows that cfn-lint did lint, and that the ignore is still needed
    const canary = findings.filter(inCanary);
    expect(canary.map((f) => [f.Rule.Id, f.Level, f.Location.Path.slice(0, 2).join('/')])).toEqual([
      ['W3005', 'Warning', expect.stringMatching(/^Resources\/IrisFunction[0-9A-F]{8}$/)],
    ]);
  });
});

/**
 * Runs cfn-lint, AWS's linter of CloudFormation templates against the resource specification, from
 * the venv that `scripts/setup/cfn-lint.sh` builds (pinned in `scripts/setup/cfn-lint/requirements.txt`).
 * Both calls are asynchronous: a vitest worker that blocks for the minute they can take loses its
 * heartbeat.
 *
 * ```ts
 * await ensureCfnLint();
 * const findings = await lintTemplates(['/tmp/x/stack.template.json']);
 * expect(findings.map(formatFinding)).toEqual([]);
 * ```
 */
import { spawn } from 'node:child_process';
import { basename, join } from 'node:path';
import { repoRoot } from './models.js';

const SETUP_SCRIPT = join(repoRoot, 'scripts', 'setup', 'cfn-lint.sh');
const CFN_LINT = join(repoRoot, '.cache', 'venvs', 'cfn-lint', 'bin', 'cfn-lint');

/** One finding of `cfn-lint --format json`. */
export interface CfnLintFinding {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string; readonly Source: string };
  readonly Location: {
    readonly Start: { readonly LineNumber: number };
    readonly Path: Array<string | number>;
  };
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const run = (command: string, args: readonly string[]): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });

/**
 * Creates or refreshes the cfn-lint venv (a no-op when it matches the pins), so `npm test` works on a
 * machine where `npm run services:up` never ran. Prints the script's progress.
 */
export const ensureCfnLint = async (): Promise<void> => {
  const setup = await run('bash', [SETUP_SCRIPT]);
  console.info(setup.stdout.trim());
  if (setup.code !== 0) throw new Error(`bash ${SETUP_SCRIPT}: exit ${setup.code}\n${setup.stderr}`);
};

/**
 * Lints every template in one cfn-lint process (it spends seconds loading its schemas at start).
 * cfn-lint exits with a bit mask of the levels it found (2 error, 4 warning, 8 informational); 1, or
 * no JSON on stdout, means it could not lint, and rejects.
 */
export const lintTemplates = async (files: readonly string[]): Promise<CfnLintFinding[]> => {
  const lint = await run(CFN_LINT, ['--format', 'json', '--', ...files]);
  if (lint.code === 1 || !lint.stdout.trim().startsWith('[')) {
    throw new Error(`cfn-lint failed (exit ${lint.code}):\n${lint.stderr}\n${lint.stdout}`);
  }
  return JSON.parse(lint.stdout) as CfnLintFinding[];
};

/** `file: W3005 Warning at Resources/X/DependsOn/1 (line 12): message`, one line per finding. */
export const formatFinding = (f: CfnLintFinding): string =>
  `${basename(f.Filename)}: ${f.Rule.Id} ${f.Level} at ${f.Location.Path.join('/')} ` +
  `(line ${f.Location.Start.LineNumber}): ${f.Message.replace(/\s+/g, ' ')}`;

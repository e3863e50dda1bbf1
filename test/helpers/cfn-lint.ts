/**
 * Runs cfn-lint, AWS's linter of CloudFormation templates against the resource specification, from
 * the venv that `scripts/setup/cfn-lint.sh` builds (pinned in `scripts/setup/cfn-lint/requirements.txt`).
 *
 * ```ts
 * const findings = await lintTemplates(['/tmp/x/stack.template.json']);
 * expect(findings.map(formatFinding)).toEqual([]);
 * ```
 */
import { execFileSync, spawn } from 'node:child_process';
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

/**
 * Creates or refreshes the cfn-lint venv (a no-op when it matches the pins), so `npm test` works on a
 * machine where `npm run services:up` never ran.
 */
export const ensureCfnLint = (): void => {
  execFileSync('bash', [SETUP_SCRIPT], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
};

/**
 * Lints every template in one cfn-lint process (it spends seconds loading its schemas at start).
 * cfn-lint exits with a bit mask of the levels it found (2 error, 4 warning, 8 informational); 1, or
 * no JSON on stdout, means it could not lint, and rejects. Asynchronous: a blocked worker loses
 * vitest's heartbeat during the tens of seconds cfn-lint takes.
 */
export const lintTemplates = (files: readonly string[]): Promise<CfnLintFinding[]> =>
  new Promise((resolve, reject) => {
    const child = spawn(CFN_LINT, ['--format', 'json', '--', ...files], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 1 || !stdout.trim().startsWith('[')) {
        reject(new Error(`cfn-lint failed (exit ${code}):\n${stderr}\n${stdout}`));
        return;
      }
      resolve(JSON.parse(stdout) as CfnLintFinding[]);
    });
  });

/** `file: W3005 Warning at Resources/X/DependsOn (line 12): message`, one line per finding. */
export const formatFinding = (f: CfnLintFinding): string =>
  `${basename(f.Filename)}: ${f.Rule.Id} ${f.Level} at ${f.Location.Path.join('/')} ` +
  `(line ${f.Location.Start.LineNumber}): ${f.Message.replace(/\s+/g, ' ')}`;

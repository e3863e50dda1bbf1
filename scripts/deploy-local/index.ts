/**
 * `npm run deploy:local [-- [--only] <deployment>[,<deployment>]...]`: the CDK app deployed for real
 * to moto on localhost, then read back with the Lambda API. See docs/deploy-local.md.
 */

import { deployLocal } from './deploy-local.js';
import { DEPLOYMENTS, selectDeployments } from './deployments.js';
import { DEFAULT_PORT } from './endpoint.js';

const show = (value: unknown): string => JSON.stringify(value) ?? 'undefined';

/** `--only a,b c` and `a b c` alike: the deployment names, `--only` dropped and lists split. */
const deploymentNames = (args: readonly string[]): string[] =>
  args.filter((a) => a !== '--only').flatMap((a) => a.split(',').filter((n) => n !== ''));

const main = async (): Promise<number> => {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(`usage: npm run deploy:local [-- [--only] ${DEPLOYMENTS.map((d) => d.name).join(',')}]`);
    for (const d of DEPLOYMENTS) console.log(`  ${d.name.padEnd(18)} ${d.covers}`);
    return 0;
  }
  const port = Number(process.env.DEPLOY_LOCAL_PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`DEPLOY_LOCAL_PORT=${port} is not a port`);
  const report = await deployLocal(selectDeployments(deploymentNames(args)), port, (line) =>
    console.error(`deploy-local: ${line}`),
  );

  let failed = 0;
  for (const r of report.results) {
    for (const m of r.mismatches) {
      console.log(
        `MISMATCH ${r.deployment.stackName} ${m.property}: template ${show(m.template)}, deployed ${show(m.deployed)}`,
      );
    }
    failed += r.mismatches.length;
  }
  console.log(`install ${report.installSeconds} s, bootstrap ${report.bootstrapSeconds} s`);
  for (const r of report.results) {
    console.log(
      `${r.deployment.name.padEnd(18)} deploy ${String(r.deploySeconds).padStart(6)} s  ` +
        `${r.mappings} mapping(s), ${r.functions} function(s): ${r.mismatches.length === 0 ? 'round trip ok' : `${r.mismatches.length} mismatch(es)`}`,
    );
  }
  return failed === 0 ? 0 : 1;
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);

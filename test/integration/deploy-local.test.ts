/**
 * `cdk bootstrap` + `cdk deploy` of the default app against moto on localhost, and the Lambda API
 * round trip of its event source mapping and function (scripts/deploy-local, docs/deploy-local.md).
 * It proves the deploy mechanics (assets, change sets, every property carried through), not
 * Lambda's or IAM's behaviour. The other deployments run with `npm run deploy:local`.
 */
import { describe, expect, it } from 'vitest';
import { deployLocal } from '../../scripts/deploy-local/deploy-local.js';
import { selectDeployments } from '../../scripts/deploy-local/deployments.js';

describe('npm run deploy:local -- --only default', () => {
  it('deploys the default app to moto and reads back every mapping and function property', async () => {
    // Prepare: the default app's deployment (its own CDK_HOME and moto, localhost only).
    const deployments = selectDeployments(['default']);
    const lines: string[] = [];

    // Act
    const report = await deployLocal(deployments, 5055, (line) => lines.push(line));

    // Assess: one mapping and one function, each property equal to the synthesized template's.
    const [result] = report.results;
    expect(result?.mappings, lines.join('\n')).toBe(1);
    expect(result?.functions).toBe(1);
    expect(result?.mismatches).toEqual([]);
  }, 900_000);
});

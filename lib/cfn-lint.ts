import type { CfnResource } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';

/**
 * Turns cfn-lint rules off on one resource, through the template metadata cfn-lint reads for it
 * (`Metadata: { cfn-lint: { config: { ignore_checks: [...] } } }`); repeated calls add to the list.
 * Call it only for a rule that is wrong for that resource, with a comment saying why.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cfn-lint.html
 * @see https://github.com/aws-cloudformation/cfn-lint#metadata
 * @example
 * ignoreCfnLintChecks(queue.node.defaultChild as CfnResource, ['I3013']);
 */
export const ignoreCfnLintChecks = (resource: CfnResource, ruleIds: readonly string[]): void => {
  const current = resource.getMetadata('cfn-lint') as { config?: { ignore_checks?: string[] } } | undefined;
  const checks = new Set([...(current?.config?.ignore_checks ?? []), ...ruleIds]);
  resource.addMetadata('cfn-lint', { config: { ignore_checks: [...checks].sort() } });
};

/**
 * Ignores cfn-lint W3005 ("DependsOn already enforced by a GetAtt") on an L2 Lambda function.
 * The L2 makes its resource depend on the whole role construct so that it waits for the role's
 * default policy, which the function needs; the role itself then appears both in `DependsOn` and in
 * the `Role` GetAtt. The duplicate is harmless and the L2's doing; dropping it would mean rewriting
 * `DependsOn` behind the L2's back.
 *
 * @see https://github.com/aws/aws-cdk/issues/24578
 * @example
 * ignoreL2FunctionRoleDependsOn(fn);
 */
export const ignoreL2FunctionRoleDependsOn = (fn: LambdaFunction): void => {
  ignoreCfnLintChecks(fn.node.defaultChild as CfnResource, ['W3005']);
};

/**
 * A stack's logical → physical resource ids, from CloudFormation's ListStackResources at the local
 * endpoint. ListStackResources pages through every resource; DescribeStackResources stops at 100.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackResources.html
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResources.html
 */
import { CloudFormationClient, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { assertLocalEndpoint, REGION, TEST_CREDENTIALS } from './endpoint.js';

export interface StackResource {
  readonly logicalId: string;
  readonly physicalId: string;
  readonly type: string;
}

/**
 * A CloudFormation client for `endpoint`, which must be a localhost URL (assertLocalEndpoint).
 *
 * @example
 * const cloudFormation = localCloudFormation('http://localhost:5055');
 */
export const localCloudFormation = (endpoint: string): CloudFormationClient =>
  new CloudFormationClient({
    endpoint: assertLocalEndpoint(endpoint),
    region: REGION,
    credentials: TEST_CREDENTIALS,
  });

/**
 * Every resource of `stackName` that has a physical id, by logical id.
 *
 * @example
 * const byLogicalId = await listStackResources(localCloudFormation(endpoint), 'MskInferenceStack');
 */
export const listStackResources = async (
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<Map<string, StackResource>> => {
  const resources = new Map<string, StackResource>();
  for await (const page of paginateListStackResources({ client: cloudFormation }, { StackName: stackName })) {
    for (const r of page.StackResourceSummaries ?? []) {
      const { LogicalResourceId: logicalId, PhysicalResourceId: physicalId, ResourceType: type } = r;
      if (logicalId && physicalId && type) resources.set(logicalId, { logicalId, physicalId, type });
    }
  }
  return resources;
};

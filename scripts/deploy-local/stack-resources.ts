/**
 * A stack's logical → physical resource ids, from CloudFormation's DescribeStackResources at the
 * local endpoint. The project has no CloudFormation SDK client, and this one read-only Query call is
 * a form post and a flat XML list: a few lines here instead of a new dependency.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResources.html
 */
import { assertLocalEndpoint, REGION, TEST_CREDENTIALS } from './endpoint.js';

export interface StackResource {
  readonly logicalId: string;
  readonly physicalId: string;
  readonly type: string;
}

const field = (member: string, name: string): string | undefined =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(member)?.[1];

/** The `<member>` entries of a DescribeStackResources response. */
export const parseStackResources = (xml: string): StackResource[] =>
  [...xml.matchAll(/<member>([\s\S]*?)<\/member>/g)].flatMap(([, member = '']) => {
    const logicalId = field(member, 'LogicalResourceId');
    const physicalId = field(member, 'PhysicalResourceId');
    const type = field(member, 'ResourceType');
    return logicalId && physicalId && type ? [{ logicalId, physicalId, type }] : [];
  });

/**
 * @example
 * const byLogicalId = await describeStackResources('http://localhost:5055', 'MskInferenceStack');
 */
export const describeStackResources = async (
  endpoint: string,
  stackName: string,
): Promise<Map<string, StackResource>> => {
  const response = await fetch(assertLocalEndpoint(endpoint), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      // The credential scope routes the call to CloudFormation in our region; moto checks no signature.
      authorization: `AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/20200101/${REGION}/cloudformation/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({
      Action: 'DescribeStackResources',
      Version: '2010-05-15',
      StackName: stackName,
    }),
  });
  const xml = await response.text();
  if (!response.ok) throw new Error(`DescribeStackResources ${stackName}: HTTP ${response.status}: ${xml}`);
  return new Map(parseStackResources(xml).map((r) => [r.logicalId, r]));
};

/**
 * The synthesized template (cdk.out) with its intrinsic functions resolved against the deployed
 * stack, so that its properties can be compared with what the Lambda API returns.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT, REGION } from './endpoint.js';
import type { StackResource } from './stack-resources.js';

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
export interface Template {
  readonly Resources: Record<string, TemplateResource>;
}

/** `<outdir>/<stackName>.template.json`, as `cdk deploy --output <outdir>` wrote it. */
export const readTemplate = (outdir: string, stackName: string): Template =>
  JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), 'utf8')) as Template;

/** The logical ids of a template's resources of one type. */
export const resourcesOfType = (template: Template, type: string): string[] =>
  Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id]) => id);

const PSEUDO: Record<string, string> = {
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A resource's ARN from its physical id, as CloudFormation's `Fn::GetAtt <id>.Arn` returns it. */
const arnOf = (r: StackResource): string => {
  switch (r.type) {
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${ACCOUNT}:role/${r.physicalId}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${r.physicalId}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${r.physicalId}`;
    case 'AWS::SQS::Queue':
      // The physical id of a queue is its URL; the name is its last segment.
      return `arn:aws:sqs:${REGION}:${ACCOUNT}:${r.physicalId.split('/').pop()}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${r.physicalId}:*`;
    default:
      throw new Error(`deploy-local: no ARN rule for ${r.type} (${r.logicalId})`);
  }
};

/**
 * A function that resolves `Ref`, `Fn::GetAtt …Arn` (and a security group's `GroupId`), `Fn::Join` and `Fn::Sub` in a template value,
 * with the deployed stack's physical ids. Throws on anything else, so nothing goes uncompared.
 *
 * @example
 * const resolve = resolver(await listStackResources(cloudFormation, stackName), stackName);
 * resolve({ Ref: 'irismlserverFunctionDE27143F' }); // 'MskInferenceStack-irismlserverFunction…'
 */
export const resolver = (resources: ReadonlyMap<string, StackResource>, stackName: string) => {
  const resource = (logicalId: string): StackResource => {
    const r = resources.get(logicalId);
    if (!r) throw new Error(`deploy-local: ${logicalId} is not a resource of the deployed ${stackName}`);
    return r;
  };
  const ref = (name: string): string =>
    name === 'AWS::StackName' ? stackName : (PSEUDO[name] ?? resource(name).physicalId);
  const getAtt = (logicalId: string, attribute: string): string => {
    // A security group's physical id is its group id.
    if (attribute === 'GroupId' && resource(logicalId).type === 'AWS::EC2::SecurityGroup') {
      return resource(logicalId).physicalId;
    }
    if (attribute !== 'Arn')
      throw new Error(`deploy-local: no rule for Fn::GetAtt ${logicalId}.${attribute}`);
    return arnOf(resource(logicalId));
  };

  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [key, arg] = entries[0] ?? [];
    if (entries.length === 1 && key === 'Ref') return ref(arg as string);
    if (entries.length === 1 && key === 'Fn::GetAtt') {
      const [logicalId, attribute] = arg as [string, string];
      return getAtt(logicalId, attribute);
    }
    if (entries.length === 1 && key === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map(resolve).join(separator);
    }
    if (entries.length === 1 && key === 'Fn::Sub' && typeof arg === 'string') {
      return arg.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        const [logicalId = '', attribute] = name.split('.');
        return attribute ? getAtt(logicalId, attribute) : ref(logicalId);
      });
    }
    if (key?.startsWith('Fn::')) throw new Error(`deploy-local: no rule for ${key}`);
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
};

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { KafkaInferenceStream } from '../../../lib/kafka-inference-stream.js';
import { KafkaSource } from '../../../lib/kafka-source.js';
import { OnFailureDestination } from '../../../lib/on-failure.js';
import { CLUSTER_ARN, policyStatements, REPO_ROOT, STREAM_BASE, synthStream, testStack } from './helpers.js';

// The contract is AWS's: MSK's table of kafka-cluster actions (each with its resource type and the
// actions it requires), MSK's ARN formats, and the execution-role policy Lambda documents for an MSK
// mapping under IAM. Both are copied from AWS's documentation into test/fixtures/aws (README-iam.md).
interface MskIamDoc {
  readonly actions: Record<string, { readonly requiredActions: string[]; readonly resource: string }>;
  readonly resourceArnFormats: Record<string, string>;
  readonly useCases: Record<string, string[]>;
}
interface LambdaRoleDoc {
  readonly policy: { readonly Statement: Array<{ readonly Action: string[] }> };
}
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'aws', name), 'utf8')) as T;
const MSK = fixture<MskIamDoc>('msk-iam-kafka-actions.json');
const LAMBDA_ROLE = fixture<LambdaRoleDoc>('lambda-msk-iam-execution-role.json');

const CLUSTER_PATH = { cluster: 'demo-cluster', uuid: 'abcd1234-ab12-cd34-ef56-abcdef123456-1' };

/** A granted resource ARN read with the documented format of its type; undefined if it fits none. */
interface ParsedArn {
  readonly type: string;
  readonly cluster: string;
  readonly uuid: string;
  readonly name?: string;
}
const parseMskArn = (arn: string): ParsedArn | undefined => {
  for (const [type, format] of Object.entries(MSK.resourceArnFormats)) {
    // e.g. 'topic/cluster-name/cluster-uuid/topic-name': a type, the cluster's two parts, maybe a name
    const parts = format.split(':').slice(5).join(':').split('/');
    const named = parts.length === 4;
    const pattern = new RegExp(
      `^arn:aws:kafka:[^:]+:\\d{12}:${type}/([^/]+)/([^/]+)${named ? '/(.+)' : ''}$`,
    );
    const match = pattern.exec(arn);
    if (match)
      return { type, cluster: match[1] ?? '', uuid: match[2] ?? '', ...(named ? { name: match[3] } : {}) };
  }
  return undefined;
};

/** Every (kafka-cluster action, resource) pair the template grants. */
const kafkaGrants = (template: Template): Array<{ action: string; arn: string }> =>
  policyStatements(template).flatMap((s) =>
    [s.Action]
      .flat()
      .map(String)
      .filter((a) => a.startsWith('kafka-cluster:'))
      .flatMap((action) => [s.Resource].flat().map((arn) => ({ action, arn: String(arn) }))),
  );

describe('the execution role under MSK IAM, against AWS’s documented contract', () => {
  // GIVEN a stream on MSK IAM that produces transactionally and has a Kafka on-failure topic
  // WHEN it is synthesized
  const { template } = synthStream({
    source: KafkaSource.msk(CLUSTER_ARN),
    consumerGroupId: 'iris-group',
    transactional: true,
    onFailure: OnFailureDestination.kafkaTopic('iris-input-dlq'),
  });
  const grants = kafkaGrants(template);

  it('grants every action Lambda lists for an MSK mapping under IAM, on the resource type MSK names', () => {
    // THEN each documented action is granted on this cluster's resource of the action's type
    const documented = LAMBDA_ROLE.policy.Statement.flatMap((s) => s.Action);
    expect(documented).toContain('kafka-cluster:DescribeClusterDynamicConfiguration');
    const expected: Record<string, string> = {
      cluster: CLUSTER_ARN,
      topic: `topic/${CLUSTER_PATH.cluster}/${CLUSTER_PATH.uuid}/iris-input`,
      group: `group/${CLUSTER_PATH.cluster}/${CLUSTER_PATH.uuid}/iris-group`,
    };
    for (const action of documented) {
      const type = MSK.actions[action]?.resource ?? 'unknown';
      const onIt = grants.filter((g) => g.action === action && g.arn.endsWith(expected[type] ?? '?'));
      expect(onIt, `${action} on the ${type}`).not.toEqual([]);
    }
  });

  it('grants each action only on resources of the type MSK documents for it, in the documented ARN form', () => {
    for (const { action, arn } of grants) {
      const parsed = parseMskArn(arn);
      expect(parsed, `${action} on ${arn}`).toBeDefined();
      expect(parsed?.type, `${action} on ${arn}`).toBe(MSK.actions[action]?.resource);
      // this cluster only, never a wildcard over clusters or incarnations
      expect({ cluster: parsed?.cluster, uuid: parsed?.uuid }).toEqual(CLUSTER_PATH);
      // a named resource is named exactly, except the producer's per-input-partition transactional ids
      if (parsed?.type === 'transactional-id') expect(parsed.name).toMatch(/^msk-inference-[0-9a-f]{8}-\*$/);
      else expect(parsed?.name ?? '', arn).not.toContain('*');
    }
  });

  it('grants what each granted action requires, per MSK’s table', () => {
    const granted = new Set(grants.map((g) => g.action));
    for (const action of granted) {
      for (const required of MSK.actions[action]?.requiredActions ?? []) {
        expect(granted.has(required), `${action} requires ${required}`).toBe(true);
      }
    }
  });

  it('grants nothing beyond consuming (Lambda’s list) and producing idempotently and transactionally', () => {
    const allowed = new Set([
      ...LAMBDA_ROLE.policy.Statement.flatMap((s) => s.Action),
      ...(MSK.useCases['Produce data idempotently'] ?? []),
      ...(MSK.useCases['Produce data transactionally'] ?? []),
    ]);
    expect(grants.map((g) => g.action).filter((a) => !allowed.has(a))).toEqual([]);
  });
});

describe('grants for the stream’s neighbours, against MSK’s documented use cases', () => {
  it('grantWriteInput is “Produce data” and grantReadOutput is “Consume data”, exactly', () => {
    // GIVEN a stream and two roles
    const stack = testStack();
    const stream = new KafkaInferenceStream(stack, 'Iris', {
      ...STREAM_BASE,
      source: KafkaSource.msk(CLUSTER_ARN),
    });
    const role = (id: string) =>
      new Role(stack, id, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    // WHEN
    const produce = stream.grantWriteInput(role('Producer'));
    const consume = stream.grantReadOutput(role('Consumer'), 'dashboards');
    // THEN
    const actions = (grant: typeof produce) =>
      [...new Set(grant.principalStatements.flatMap((s) => s.actions))].sort();
    expect(actions(produce)).toEqual([...(MSK.useCases['Produce data'] ?? [])].sort());
    expect(actions(consume)).toEqual([...(MSK.useCases['Consume data'] ?? [])].sort());
  });
});

import { readFileSync } from 'node:fs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { KafkaSource } from '../../../lib/kafka-source.js';
import { CLUSTER_ARN, Match, policyStatements, synthStream } from './helpers.js';

/** AWS's managed policy for uploading traces (test/fixtures/aws/README-iam.md). */
const XRAY_WRITE = JSON.parse(
  readFileSync(new URL('../../fixtures/aws/xray-daemon-write-access-policy.json', import.meta.url), 'utf8'),
) as { Statement: Array<{ Action: string[] }> };
const UPLOAD_ACTIONS = XRAY_WRITE.Statement.flatMap((s) => s.Action).filter((a) => a.startsWith('xray:Put'));

const grantedActions = (statements: ReadonlyArray<Record<string, unknown>>): string[] =>
  statements.flatMap((s) => [s.Action].flat() as string[]);

describe('the tracing prop', () => {
  it("turns on X-Ray active tracing, TRACING, and the role's trace upload", () => {
    // GIVEN a stream with tracing
    // WHEN
    const { template } = synthStream({ source: KafkaSource.msk(CLUSTER_ARN), tracing: true });
    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ TRACING: 'true' }) },
    });
    expect(UPLOAD_ACTIONS).toHaveLength(2);
    expect(grantedActions(policyStatements(template))).toEqual(expect.arrayContaining(UPLOAD_ACTIONS));
  });

  it('is off by default: no tracing config, no TRACING, no X-Ray grant', () => {
    // GIVEN / WHEN a stream without it
    const { template } = synthStream({ source: KafkaSource.msk(CLUSTER_ARN) });
    // THEN
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const props = (fn as { Properties: Record<string, { Variables?: Record<string, unknown> }> }).Properties;
    expect(props['TracingConfig']).toBeUndefined();
    expect(props['Environment']?.Variables).not.toHaveProperty('TRACING');
    expect(grantedActions(policyStatements(template)).filter((a) => a.startsWith('xray:'))).toEqual([]);
  });

  it("passes cdk-nag's AwsSolutions checks", () => {
    // GIVEN / WHEN
    const { stream } = synthStream({ source: KafkaSource.msk(CLUSTER_ARN), tracing: true });
    // THEN
    expect(new AwsSolutionsChecks().validateScope(stream).violations).toEqual([]);
  });
});

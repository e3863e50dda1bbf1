import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Annotations } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { KafkaAuthentication } from '../../../lib/authentication.js';
import { KafkaSource } from '../../../lib/kafka-source.js';
import {
  CLUSTER_ARN,
  importedVpc,
  Match,
  policyStatements,
  REPO_ROOT,
  statementWithSid,
  synthStream,
  testApp,
  testStack,
} from './helpers.js';

// AWS's contract: Secrets Manager decrypts a secret by calling KMS Decrypt on the caller's behalf,
// with the secret's ARN as encryption context (test/fixtures/aws/README-kms.md).
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'aws', name), 'utf8')) as T;
interface KmsEvent {
  readonly eventName: string;
  readonly awsRegion: string;
  readonly requestParameters: { readonly encryptionContext: Record<string, string> };
  readonly resources: Array<{ readonly ARN: string }>;
}
interface KeyPolicy {
  readonly Statement: Array<{ readonly Condition?: Record<string, Record<string, string>> }>;
}
const DECRYPT = fixture<KmsEvent>('secretsmanager-kms-decrypt-event.json');
const MANAGED_KEY_POLICY = fixture<KeyPolicy>('secretsmanager-aws-managed-key-policy.json');

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_iris-AbCdEf';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const VIA_SECRETS_MANAGER = {
  'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
};

/** The request context IAM evaluates for the documented Decrypt, in the condition keys KMS defines. */
const requestContext = (event: KmsEvent): Record<string, string> => {
  // AWS's own key policy for aws/secretsmanager names the service as `secretsmanager.<region>.amazonaws.com`.
  const documented = MANAGED_KEY_POLICY.Statement[0]?.Condition?.['StringEquals']?.['kms:ViaService'] ?? '';
  return {
    'kms:ViaService': documented.replace('us-west-2', event.awsRegion),
    ...Object.fromEntries(
      Object.entries(event.requestParameters.encryptionContext).map(([k, v]) => [
        `kms:EncryptionContext:${k}`,
        v,
      ]),
    ),
  };
};

/** Whether an Allow statement covers the request: action, resource, and every StringEquals / StringLike. */
const allows = (
  s: Record<string, unknown>,
  action: string,
  resource: string,
  ctx: Record<string, string>,
) => {
  const like = (pattern: string, value: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(value);
  const conditions = (s.Condition ?? {}) as Record<string, Record<string, string>>;
  return (
    [s.Action].flat().includes(action) &&
    [s.Resource].flat().includes(resource) &&
    Object.entries(conditions['StringEquals'] ?? {}).every(([k, v]) => ctx[k] === v) &&
    Object.entries(conditions['StringLike'] ?? {}).every(([k, v]) => ctx[k] !== undefined && like(v, ctx[k]))
  );
};

describe('the Kafka secret under a customer managed key', () => {
  it('lets the role decrypt with the given key, through Secrets Manager and for this secret only', () => {
    // GIVEN an MSK SCRAM secret imported by ARN and its key given to the authentication
    const stack = testStack();
    const secret = Secret.fromSecretCompleteArn(stack, 'Credentials', SECRET_ARN);
    const encryptionKey = Key.fromKeyArn(stack, 'CredentialsKey', KEY_ARN);
    // WHEN
    const { template } = synthStream(
      {
        source: KafkaSource.msk(CLUSTER_ARN),
        vpc: importedVpc(stack),
        authentication: KafkaAuthentication.scram(secret, { encryptionKey }),
      },
      stack,
    );
    // THEN one read statement on the secret and one decrypt statement on the key, with both conditions
    expect(statementWithSid(template, 'ReadKafkaSecret')).toEqual({
      Sid: 'ReadKafkaSecret',
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      Resource: SECRET_ARN,
    });
    expect(statementWithSid(template, 'DecryptKafkaSecret')).toEqual({
      Sid: 'DecryptKafkaSecret',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: KEY_ARN,
      Condition: { StringEquals: { ...VIA_SECRETS_MANAGER, 'kms:EncryptionContext:SecretARN': SECRET_ARN } },
    });
    expect(policyStatements(template).filter((s) => String(s.Action).startsWith('kms:'))).toHaveLength(1);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('customer managed KMS key'));
  });

  it('allows the Decrypt AWS documents Secrets Manager making for that secret, and not for another', () => {
    // GIVEN the documented request's region, secret and key
    const stack = new Stack(testApp(), 'Documented', {
      env: { account: '111122223333', region: DECRYPT.awsRegion },
    });
    const secretArn = DECRYPT.requestParameters.encryptionContext['SecretARN'] ?? '';
    const keyArn = DECRYPT.resources[0]?.ARN ?? '';
    const secret = Secret.fromSecretAttributes(stack, 'Credentials', {
      secretCompleteArn: secretArn,
      encryptionKey: Key.fromKeyArn(stack, 'Key', keyArn),
    });
    // WHEN
    const { template } = synthStream(
      {
        source: KafkaSource.selfManaged({ bootstrapServers: ['b-1.example.com:9096'] }),
        authentication: KafkaAuthentication.scram(secret),
      },
      stack,
    );
    const decrypt = statementWithSid(template, 'DecryptKafkaSecret') ?? {};
    // THEN the documented request is allowed; the same request for another secret, or not via Secrets Manager, is not
    const ctx = requestContext(DECRYPT);
    expect(DECRYPT.eventName).toBe('Decrypt');
    expect(allows(decrypt, 'kms:Decrypt', keyArn, ctx)).toBe(true);
    const other = secretArn.replace('test-secret-a1b2c3', 'other-secret-d4e5f6');
    expect(allows(decrypt, 'kms:Decrypt', keyArn, { ...ctx, 'kms:EncryptionContext:SecretARN': other })).toBe(
      false,
    );
    expect(
      allows(decrypt, 'kms:Decrypt', keyArn, { ...ctx, 'kms:ViaService': 'ssm.us-east-2.amazonaws.com' }),
    ).toBe(false);
  });

  it('uses the secret’s own encryptionKey, and matches a partial ARN as CDK does', () => {
    // GIVEN an mTLS secret known by a partial ARN, with its key
    const stack = testStack();
    const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:iris-client';
    const secret = Secret.fromSecretAttributes(stack, 'Certificate', {
      secretPartialArn: partial,
      encryptionKey: Key.fromKeyArn(stack, 'Key', KEY_ARN),
    });
    // WHEN
    const { template } = synthStream(
      {
        source: KafkaSource.msk(CLUSTER_ARN),
        vpc: importedVpc(stack),
        authentication: KafkaAuthentication.mtls(secret),
      },
      stack,
    );
    // THEN
    expect(statementWithSid(template, 'ReadKafkaSecret')?.Resource).toBe(`${partial}-??????`);
    expect(statementWithSid(template, 'DecryptKafkaSecret')?.Condition).toEqual({
      StringEquals: VIA_SECRETS_MANAGER,
      StringLike: { 'kms:EncryptionContext:SecretARN': `${partial}-??????` },
    });
  });

  it('prefers the encryptionKey given to the authentication over the secret’s own', () => {
    // GIVEN a secret that names one key, and another key given explicitly
    const stack = testStack();
    const secret = Secret.fromSecretAttributes(stack, 'Credentials', {
      secretCompleteArn: SECRET_ARN,
      encryptionKey: Key.fromKeyArn(stack, 'OldKey', KEY_ARN.replace('1234abcd', '9999abcd')),
    });
    const encryptionKey = Key.fromKeyArn(stack, 'Key', KEY_ARN);
    // WHEN
    const { template } = synthStream(
      {
        source: KafkaSource.msk(CLUSTER_ARN),
        vpc: importedVpc(stack),
        authentication: KafkaAuthentication.scram(secret, { encryptionKey }),
      },
      stack,
    );
    // THEN
    expect(statementWithSid(template, 'DecryptKafkaSecret')?.Resource).toBe(KEY_ARN);
  });

  it('grants on a key of the stack in the role’s policy, not in the key’s', () => {
    // GIVEN a secret created with a key of the same stack
    const stack = testStack();
    const encryptionKey = new Key(stack, 'Key', { enableKeyRotation: true });
    const secret = new Secret(stack, 'Credentials', { encryptionKey });
    // WHEN
    const { template } = synthStream(
      {
        source: KafkaSource.msk(CLUSTER_ARN),
        vpc: importedVpc(stack),
        authentication: KafkaAuthentication.scram(secret),
      },
      stack,
    );
    // THEN the role's statement names the key; the key policy does not name the role
    expect(statementWithSid(template, 'DecryptKafkaSecret')).toMatchObject({
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
      Condition: {
        StringEquals: { 'kms:EncryptionContext:SecretARN': { Ref: expect.stringMatching(/^Credentials/) } },
      },
    });
    const keyPolicy = JSON.stringify(Object.values(template.findResources('AWS::KMS::Key'))[0]);
    expect(keyPolicy).not.toContain('IrisRole');
  });
});

describe('MSK SCRAM and the secret’s key', () => {
  it('fails for a secret created here with the default key, which MSK refuses', () => {
    const stack = testStack();
    expect(() =>
      synthStream(
        {
          source: KafkaSource.msk(CLUSTER_ARN),
          authentication: KafkaAuthentication.scram(new Secret(stack, 'S')),
        },
        stack,
      ),
    ).toThrow(/authentication the SCRAM secret is created with the default aws\/secretsmanager key/);
  });

  it('warns for an imported secret whose key it does not know, and grants no kms:Decrypt', () => {
    // GIVEN / WHEN
    const stack = testStack();
    const secret = Secret.fromSecretCompleteArn(stack, 'S', SECRET_ARN);
    const { template } = synthStream(
      {
        source: KafkaSource.msk(CLUSTER_ARN),
        vpc: importedVpc(stack),
        authentication: KafkaAuthentication.scram(secret),
      },
      stack,
    );
    // THEN
    Annotations.fromStack(stack).hasWarning(
      '/TestStack/Iris',
      Match.stringLikeRegexp(
        'Amazon MSK requires the SCRAM secret to be encrypted with a customer managed KMS key.*kms:Decrypt.*\\[ack: msk-inference:scramSecretKey\\]',
      ),
    );
    expect(statementWithSid(template, 'DecryptKafkaSecret')).toBeUndefined();
  });

  it('does not warn for self-managed Kafka, whose brokers do not read the secret', () => {
    const stack = testStack();
    const secret = Secret.fromSecretCompleteArn(stack, 'S', SECRET_ARN);
    synthStream(
      {
        source: KafkaSource.selfManaged({ bootstrapServers: ['b-1.example.com:9096'] }),
        authentication: KafkaAuthentication.scram(secret),
      },
      stack,
    );
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('customer managed KMS key'));
  });
});

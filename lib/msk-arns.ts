import { Fn, Token } from 'aws-cdk-lib';
import { MSK_CLUSTER_ARN, MSK_CLUSTER_ARN_RULE } from '../functions/stream-inference/contract.js';
import { StreamConfigError } from './errors.js';

/**
 * The resources MSK IAM access control authorizes, derived from a cluster ARN
 * `arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>`.
 *
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html#msk-iam-resources
 */
export interface MskArns {
  readonly cluster: string;
  /** `arn:…:topic/<name>/<uuid>/<topic>` */
  topic(name: string): string;
  /** `arn:…:group/<name>/<uuid>/<group>` */
  group(name: string): string;
  /** `arn:…:transactional-id/<name>/<uuid>/<id>` (`*` wildcards allowed) */
  transactionalId(id: string): string;
}

/**
 * Parses the cluster ARN as a string when it is a literal (and rejects a malformed one), or with
 * `Fn.split`/`Fn.select` when it is a token (an imported value or a cluster created in the stack).
 *
 * @example
 * mskArns('arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abcd-1').topic('in');
 * // 'arn:aws:kafka:eu-west-1:123456789012:topic/demo/abcd-1/in'
 */
export const mskArns = (clusterArn: string): MskArns => {
  let prefix: string;
  let clusterPath: string;
  if (Token.isUnresolved(clusterArn)) {
    const parts = Fn.split(':', clusterArn);
    const resource = Fn.split('/', Fn.select(5, parts));
    prefix = `arn:${Fn.select(1, parts)}:kafka:${Fn.select(3, parts)}:${Fn.select(4, parts)}`;
    clusterPath = `${Fn.select(1, resource)}/${Fn.select(2, resource)}`;
  } else {
    const match = MSK_CLUSTER_ARN.exec(clusterArn);
    if (!match) {
      throw new StreamConfigError(
        'clusterArn',
        `'${clusterArn}' is not an MSK cluster ARN (${MSK_CLUSTER_ARN_RULE})`,
      );
    }
    const [, partition, region, account, name, uuid] = match;
    prefix = `arn:${partition}:kafka:${region}:${account}`;
    clusterPath = `${name}/${uuid}`;
  }
  return {
    cluster: clusterArn,
    topic: (name) => `${prefix}:topic/${clusterPath}/${name}`,
    group: (name) => `${prefix}:group/${clusterPath}/${name}`,
    transactionalId: (id) => `${prefix}:transactional-id/${clusterPath}/${id}`,
  };
};

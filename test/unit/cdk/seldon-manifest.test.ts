import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Coalesce } from '../../../lib/coalesce.js';
import { ManifestError } from '../../../lib/errors.js';
import { MskInferenceStack } from '../../../lib/msk-inference-stack.js';
import {
  COALESCE_ANNOTATION,
  GLUE_REGISTRY_ANNOTATION,
  parseSeldonDeployment,
} from '../../../lib/seldon-manifest.js';
import { REPO_ROOT, statementWithSid, testApp } from './helpers.js';

const SEED = readFileSync(join(REPO_ROOT, 'examples', 'tfserving-cifar10.yaml'), 'utf8');

type Sdep = {
  spec: Record<string, unknown> & {
    predictors: Array<
      Record<string, unknown> & {
        svcOrchSpec: { env: Array<{ name: string; value?: string }> };
        graph: { name?: string; endpoint?: unknown };
      }
    >;
  };
};

/** The seed manifest, changed by `edit`. */
const seedWith = (edit: (sdep: Sdep) => void): string => {
  const sdep = parse(SEED) as Sdep;
  edit(sdep);
  return stringify(sdep);
};

const findingsOf = (text: string) => {
  try {
    parseSeldonDeployment(text, 'test.yaml');
  } catch (e) {
    if (e instanceof ManifestError) return e.findings.map((f) => `${f.field}: ${f.message}`);
    throw e;
  }
  throw new Error('expected a ManifestError');
};

describe('parseSeldonDeployment', () => {
  it('reads the seed manifest into one stream per predictor', () => {
    // GIVEN the seed's SeldonDeployment / WHEN parsed
    const streams = parseSeldonDeployment(SEED);
    // THEN
    expect(streams).toEqual([
      {
        name: 'tfserving-cifar10-model',
        deploymentName: 'tfserving-cifar10',
        predictorName: 'model',
        bootstrapServers: ['10.12.10.16:9094'],
        inputTopic: 'cifar10-rest-input',
        outputTopic: 'cifar10-rest-output',
        errorTopic: 'cifar10-rest-input-errors',
        modelEndpoint: 'http://localhost:8501',
        modelEndpointFrom: 'graph',
        modelName: 'resnet32',
        protocol: 'tensorflow',
        transport: 'rest',
      },
    ]);
  });

  it('takes the optional variables, defaults protocol and transport, and makes one stream per predictor', () => {
    const text = seedWith((sdep) => {
      delete sdep.spec.protocol;
      delete sdep.spec.transport;
      const [first] = sdep.spec.predictors;
      first?.svcOrchSpec.env.push(
        { name: 'KAFKA_ERROR_TOPIC', value: 'cifar10-dead' },
        { name: 'MODEL_ENDPOINT', value: 'https://tfserving.example.com' },
        { name: 'KAFKA_BROKER', value: 'a:9092, b:9092' },
      );
      const canary = structuredClone(first) as Sdep['spec']['predictors'][number];
      canary.name = 'canary';
      canary.svcOrchSpec.env = canary.svcOrchSpec.env.map((e) =>
        e.name === 'KAFKA_INPUT_TOPIC' ? { ...e, value: 'cifar10-canary-input' } : e,
      );
      sdep.spec.predictors.push(canary);
    });
    const streams = parseSeldonDeployment(text);
    expect(streams.map((s) => s.name)).toEqual(['tfserving-cifar10-model', 'tfserving-cifar10-canary']);
    expect(streams[0]).toMatchObject({
      protocol: 'seldon',
      transport: 'rest',
      errorTopic: 'cifar10-dead',
      modelEndpoint: 'https://tfserving.example.com',
      modelEndpointFrom: 'env',
      bootstrapServers: ['a:9092', 'b:9092'],
    });
  });

  it('builds a gRPC endpoint from the graph with transport grpc', () => {
    const text = seedWith((sdep) => {
      sdep.spec.transport = 'grpc';
      sdep.spec.predictors[0]!.graph.endpoint = {
        service_host: 'tfserving',
        service_port: 8500,
      };
    });
    expect(parseSeldonDeployment(text)[0]?.modelEndpoint).toBe('grpc://tfserving:8500');
  });

  it.each([
    ['16', Coalesce.records(16)],
    ['auto', Coalesce.auto()],
  ])('takes the coalescing annotation %s, the same for every predictor', (value, coalesce) => {
    // GIVEN the seed annotated / WHEN parsed
    const text = seedWith((sdep) => {
      (sdep as unknown as { metadata: Record<string, unknown> }).metadata.annotations = {
        [COALESCE_ANNOTATION]: value,
      };
    });
    // THEN
    expect(COALESCE_ANNOTATION).toBe('msk-inference/coalesce-max-records');
    const streams = parseSeldonDeployment(text);
    expect(streams.map((s) => s.coalesce)).toEqual(streams.map(() => coalesce));
    expect(parseSeldonDeployment(SEED)[0]).not.toHaveProperty('coalesce');
  });

  it('takes the Glue schema registry annotation, and the stack maps it onto every stream’s mapping', () => {
    // GIVEN the seed over REST, annotated with a Glue registry
    const registry = 'arn:aws:glue:eu-west-1:123456789012:registry/models';
    const text = seedWith((sdep) => {
      sdep.spec.transport = 'rest';
      (sdep as unknown as { metadata: Record<string, unknown> }).metadata.annotations = {
        [GLUE_REGISTRY_ANNOTATION]: registry,
      };
    });
    // WHEN parsed and built into the app's stack
    const streams = parseSeldonDeployment(text);
    const stack = new MskInferenceStack(testApp(), 'Manifest', {
      streams,
      vpc: {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
      },
    });
    const template = Template.fromStack(stack);
    // THEN each mapping validates with the registry, JSON records, and the role reads it
    expect(GLUE_REGISTRY_ANNOTATION).toBe('msk-inference/glue-schema-registry');
    expect(streams[0]?.glueSchemaRegistryArn).toBe(registry);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      SelfManagedKafkaEventSourceConfig: {
        SchemaRegistryConfig: { SchemaRegistryURI: registry, EventRecordFormat: 'JSON' },
      },
    });
    expect(statementWithSid(template, 'GlueGetRegistry')?.['Resource']).toBe(registry);
    // AND cdk-nag accepts the schemas' wildcard, which the construct acknowledges with its reason
    const nag = new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName);
    expect(nag.filter((rule) => rule.startsWith('AwsSolutions-IAM5'))).toEqual([]);
    expect(parseSeldonDeployment(SEED)[0]).not.toHaveProperty('glueSchemaRegistryArn');
  });

  it('reads several SeldonDeployments of one file, each graph on its own input topic', () => {
    // GIVEN two documents, the second a copy of the seed on other topics
    const other = seedWith((sdep) => {
      (sdep as unknown as { metadata: { name: string } }).metadata.name = 'cifar10-b';
      sdep.spec.predictors[0]!.svcOrchSpec.env = sdep.spec.predictors[0]!.svcOrchSpec.env.map((e) =>
        e.name.endsWith('_TOPIC') ? { ...e, value: `b-${e.value}` } : e,
      );
    });
    // WHEN parsed
    const streams = parseSeldonDeployment(`${SEED}\n---\n${other}`);
    // THEN one stream per predictor of each
    expect(streams.map((s) => [s.name, s.inputTopic])).toEqual([
      ['tfserving-cifar10-model', 'cifar10-rest-input'],
      ['cifar10-b-model', 'b-cifar10-rest-input'],
    ]);
  });

  describe('rejects a manifest that cannot deploy, naming the field', () => {
    const setEnv = (sdep: Sdep, i: number, name: string, value: string) => {
      const env = sdep.spec.predictors[i]!.svcOrchSpec.env.filter((e) => e.name !== name);
      sdep.spec.predictors[i]!.svcOrchSpec.env = [...env, { name, value }];
    };

    it('two graphs (predictors) reading one input topic of one cluster', () => {
      // GIVEN a second predictor on the seed's input topic, writing elsewhere
      const text = seedWith((sdep) => {
        const twin = structuredClone(sdep.spec.predictors[0]!);
        twin.name = 'twin';
        sdep.spec.predictors.push(twin);
        setEnv(sdep, 1, 'KAFKA_OUTPUT_TOPIC', 'cifar10-twin-output');
      });
      // WHEN / THEN
      expect(findingsOf(text)).toEqual([
        "spec.predictors[1].svcOrchSpec.env: KAFKA_INPUT_TOPIC 'cifar10-rest-input' is also read by " +
          'tfserving-cifar10-model (spec.predictors[0].svcOrchSpec.env): two graphs would each answer every ' +
          'record; give each graph its own input topic',
      ]);
    });

    it('two SeldonDeployment documents whose graphs read one input topic, each field under its document', () => {
      // GIVEN the seed twice under two names, an empty document between them
      const other = seedWith((sdep) => {
        (sdep as unknown as { metadata: { name: string } }).metadata.name = 'cifar10-b';
      });
      // WHEN / THEN
      expect(findingsOf(`${SEED}\n---\n---\n${other}`)).toEqual([
        "documents[2].spec.predictors[0].svcOrchSpec.env: KAFKA_INPUT_TOPIC 'cifar10-rest-input' is also " +
          'read by tfserving-cifar10-model (documents[0].spec.predictors[0].svcOrchSpec.env): two graphs would ' +
          'each answer every record; give each graph its own input topic',
      ]);
    });

    it('accepts one input topic name on two different clusters', () => {
      const text = seedWith((sdep) => {
        const twin = structuredClone(sdep.spec.predictors[0]!);
        twin.name = 'twin';
        sdep.spec.predictors.push(twin);
        setEnv(sdep, 1, 'KAFKA_BROKER', '10.12.10.17:9094');
      });
      expect(parseSeldonDeployment(text)).toHaveLength(2);
    });

    it.each([
      [
        'an output topic that is the input topic (a loop)',
        { KAFKA_OUTPUT_TOPIC: 'cifar10-rest-input' },
        "KAFKA_OUTPUT_TOPIC is the input topic 'cifar10-rest-input': every prediction would come back as a request (a loop)",
      ],
      [
        'an error topic that is the output topic',
        { KAFKA_ERROR_TOPIC: 'cifar10-rest-output' },
        "KAFKA_ERROR_TOPIC is the output topic 'cifar10-rest-output': consumers would read error records as predictions",
      ],
      [
        'an output topic that is the default error topic',
        { KAFKA_OUTPUT_TOPIC: 'cifar10-rest-input-errors' },
        "KAFKA_ERROR_TOPIC (unset, so 'cifar10-rest-input-errors') is the output topic 'cifar10-rest-input-errors': " +
          'consumers would read error records as predictions',
      ],
      [
        'a topic name Kafka refuses',
        { KAFKA_OUTPUT_TOPIC: 'cifar10 output' },
        "KAFKA_OUTPUT_TOPIC 'cifar10 output' is not a Kafka topic name (letters, digits, '.', '_', '-'; 1-249 chars)",
      ],
    ])('%s', (_name, vars, message) => {
      const text = seedWith((sdep) => {
        for (const [name, value] of Object.entries(vars)) setEnv(sdep, 0, name, value);
      });
      expect(findingsOf(text)).toEqual([`spec.predictors[0].svcOrchSpec.env: ${message}`]);
    });

    it.each([
      [
        'not a number',
        'many',
        'rest',
        "'many' is not allowed; allowed: an integer from 1 to 10000 (1 = each record alone), or auto",
      ],
      [
        'over the handler range',
        '10001',
        'rest',
        "'10001' is not allowed; allowed: an integer from 1 to 10000 (1 = each record alone), or auto",
      ],
      ['over gRPC', '8', 'grpc', 'packs JSON requests: it needs spec.transport rest'],
      ['auto over gRPC', 'auto', 'grpc', 'packs JSON requests: it needs spec.transport rest'],
    ])('a coalescing annotation %s', (_name, value, transport, message) => {
      const text = seedWith((sdep) => {
        sdep.spec.transport = transport === 'grpc' ? 'grpc' : 'rest';
        (sdep as unknown as { metadata: Record<string, unknown> }).metadata.annotations = {
          [COALESCE_ANNOTATION]: value,
        };
      });
      expect(findingsOf(text)).toEqual([`metadata.annotations["${COALESCE_ANNOTATION}"]: ${message}`]);
    });
  });

  describe('rejects a Glue schema registry annotation', () => {
    it.each([
      [
        'that is not a registry ARN',
        'arn:aws:glue:eu-west-1:123456789012:schema/models/iris',
        'rest',
        "'arn:aws:glue:eu-west-1:123456789012:schema/models/iris' is not a Glue registry ARN (arn:<partition>:glue:<region>:<account>:registry/<name>)",
      ],
      [
        'over gRPC',
        'arn:aws:glue:eu-west-1:123456789012:registry/models',
        'grpc',
        'delivers records decoded to JSON: it needs spec.transport rest',
      ],
    ])('%s', (_name, value, transport, message) => {
      const text = seedWith((sdep) => {
        sdep.spec.transport = transport;
        (sdep as unknown as { metadata: Record<string, unknown> }).metadata.annotations = {
          [GLUE_REGISTRY_ANNOTATION]: value,
        };
      });
      expect(findingsOf(text)).toEqual([`metadata.annotations["${GLUE_REGISTRY_ANNOTATION}"]: ${message}`]);
    });
  });

  describe('rejects, naming the field, like the admission webhook', () => {
    it('a serverType other than kafka', () => {
      const text = seedWith((sdep) => {
        sdep.spec.serverType = 'rpc';
      });
      expect(findingsOf(text)).toEqual([
        "spec.serverType: must be kafka to run as a Kafka stream (got 'rpc')",
      ]);
    });

    it('no serverType at all', () => {
      const text = seedWith((sdep) => {
        delete sdep.spec.serverType;
      });
      expect(findingsOf(text)).toEqual([
        'spec.serverType: must be kafka to run as a Kafka stream (got unset (rpc))',
      ]);
    });

    it.each(['KAFKA_BROKER', 'KAFKA_INPUT_TOPIC', 'KAFKA_OUTPUT_TOPIC'])('a predictor without %s', (name) => {
      const text = seedWith((sdep) => {
        const env = sdep.spec.predictors[0]?.svcOrchSpec.env ?? [];
        sdep.spec.predictors[0]!.svcOrchSpec.env = env.filter((e) => e.name !== name);
      });
      expect(findingsOf(text)).toEqual([
        `spec.predictors[0].svcOrchSpec.env: ${name} is required for serverType: kafka`,
      ]);
    });

    it('a predictor without svcOrchSpec: every KAFKA_* variable at once', () => {
      const text = seedWith((sdep) => {
        delete (sdep.spec.predictors[0] as { svcOrchSpec?: unknown }).svcOrchSpec;
      });
      expect(findingsOf(text)).toHaveLength(3);
    });

    it('an unknown protocol', () => {
      const text = seedWith((sdep) => {
        sdep.spec.protocol = 'torchserve';
      });
      expect(findingsOf(text)).toEqual([
        "spec.protocol: 'torchserve' is not supported; allowed: seldon, tensorflow, kfserving, v2",
      ]);
    });

    it('an unknown transport', () => {
      const text = seedWith((sdep) => {
        sdep.spec.transport = 'http';
      });
      expect(findingsOf(text)).toEqual(["spec.transport: 'http' is not supported; allowed: rest, grpc"]);
    });

    it('a variable from a Kubernetes secret (valueFrom)', () => {
      const text = seedWith((sdep) => {
        sdep.spec.predictors[0]!.svcOrchSpec.env[0] = {
          name: 'KAFKA_BROKER',
          valueFrom: { secretKeyRef: { name: 'kafka', key: 'broker' } },
        } as never;
      });
      expect(findingsOf(text)).toEqual([
        'spec.predictors[0].svcOrchSpec.env[0].valueFrom: KAFKA_BROKER: valueFrom is not supported; give value',
        'spec.predictors[0].svcOrchSpec.env: KAFKA_BROKER is required for serverType: kafka',
      ]);
    });

    it('a predictor without a name, a graph without a name, no predictors', () => {
      expect(findingsOf(seedWith((sdep) => delete sdep.spec.predictors[0]!.name))).toEqual([
        'spec.predictors[0].name: is required',
      ]);
      expect(findingsOf(seedWith((sdep) => delete sdep.spec.predictors[0]!.graph.name))).toEqual([
        'spec.predictors[0].graph.name: is required',
      ]);
      expect(findingsOf(seedWith((sdep) => (sdep.spec.predictors = [])))).toEqual([
        'spec.predictors: must list at least one predictor',
      ]);
    });

    it('a document that is not a SeldonDeployment, and YAML that does not parse', () => {
      expect(findingsOf('kind: Deployment\n')).toEqual(['kind: no document of kind SeldonDeployment']);
      expect(findingsOf('spec: [unclosed\n')[0]).toMatch(/^\(line \d+\): /);
    });

    it('reports every finding in one message', () => {
      const text = seedWith((sdep) => {
        sdep.spec.serverType = 'rest';
        sdep.spec.protocol = 'grpc';
        sdep.spec.predictors[0]!.svcOrchSpec.env = [];
      });
      expect(() => parseSeldonDeployment(text, 'bad.yaml')).toThrow(
        /SeldonDeployment bad\.yaml is not valid for serverType: kafka:\n {2}spec\.serverType: .*\n {2}spec\.protocol: /,
      );
    });
  });
});

/**
 * A `KafkaInferenceStream` prop that would deploy something broken (or not deploy at all).
 * Thrown at construction so `cdk synth` fails before CloudFormation does.
 *
 * @example
 * throw new StreamConfigError('batchSize', 'must be an integer from 1 to 10000 (got 0)');
 */
export class StreamConfigError extends Error {
  /** The prop at fault, as written in `KafkaInferenceStreamProps`. */
  public readonly prop: string;

  constructor(prop: string, message: string) {
    super(`KafkaInferenceStream: ${prop} ${message}`);
    this.name = 'StreamConfigError';
    this.prop = prop;
  }
}

/** One finding about a SeldonDeployment manifest, named by its field path. */
export interface ManifestFinding {
  /** Field path in the manifest, e.g. `spec.predictors[0].svcOrchSpec.env`. */
  readonly field: string;
  readonly message: string;
}

/**
 * A SeldonDeployment manifest that cannot run as a Kafka stream. Like Seldon's admission webhook,
 * it reports every finding at once, each naming its field path.
 *
 * @example
 * throw new ManifestError('sdep.yaml', [{ field: 'spec.serverType', message: 'must be kafka' }]);
 */
export class ManifestError extends Error {
  public readonly findings: readonly ManifestFinding[];

  constructor(source: string, findings: readonly ManifestFinding[], options?: { cause?: unknown }) {
    const lines = findings.map((f) => `  ${f.field}: ${f.message}`).join('\n');
    super(`SeldonDeployment ${source} is not valid for serverType: kafka:\n${lines}`, options);
    this.name = 'ManifestError';
    this.findings = findings;
  }
}

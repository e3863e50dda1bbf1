/**
 * The generated descriptor is what protos/ compiles to, and the registry built from it knows every
 * message a protocol accepts or answers with.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { protocolSpec } from '../../../functions/stream-inference/model/protocols/index.js';
import { protoRegistry } from '../../../functions/stream-inference/model/protocols/protobuf.js';
import { compileDescriptor, GENERATED_FILE, renderDescriptor } from '../../../scripts/generate-protos.js';

const PROTOCOLS = ['seldon', 'tensorflow', 'v2'] as const;

describe('generated/protos.ts', () => {
  it('is up to date with protos/ (else run: npx tsx scripts/generate-protos.ts)', () => {
    // Act
    const fresh = renderDescriptor(compileDescriptor());

    // Assess
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(fresh);
  });
});

describe('protoRegistry', () => {
  it('is built once and kept', () => {
    expect(protoRegistry()).toBe(protoRegistry());
  });

  it.each(PROTOCOLS)('knows every request it accepts and the response of %s', (protocol) => {
    // Prepare
    const { grpc } = protocolSpec(protocol);

    // Act
    const names = [...Object.keys(grpc.requests), grpc.responseType];

    // Assess
    for (const name of names) expect(protoRegistry().type(name)?.fullName).toBe(`.${name}`);
  });

  it.each([
    'google.protobuf.ListValue',
    'inference.ModelInferRequest.InferInputTensor',
    'tensorflow.TensorProto',
    'tensorflow.TensorShapeProto.Dim',
    'tensorflow.serving.ModelSpec',
  ])('knows %s by its fully qualified name, nested messages included', (name) => {
    // Act
    const type = protoRegistry().type(name);

    // Assess
    expect(type?.fullName).toBe(`.${name}`);
  });

  it('answers undefined for a name no .proto declares', () => {
    expect(protoRegistry().type('tensorflow.serving.ClassificationRequest')).toBeUndefined();
    expect(protoRegistry().type('inference')).toBeUndefined();
  });

  it('keeps the .proto field names and the wire layout (packed repeated scalars)', () => {
    // Prepare
    const type = protoRegistry().type('inference.ModelInferRequest.InferInputTensor')!;

    // Act
    const bytes = type.encode(type.fromObject({ name: 'x', shape: [1, 4] })).finish();

    // Assess: field 3 (shape) as one length-delimited run of varints, as protoc writes proto3.
    expect(Buffer.from(bytes).toString('hex')).toBe('0a01781a020104');
    expect(Object.keys(type.fields)).toEqual(['name', 'datatype', 'shape', 'parameters', 'contents']);
  });
});

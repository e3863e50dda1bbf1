import { expect } from 'vitest';
import { byPartition, type KafkaRecord } from './kafka-records.js';

/** A header of a record read back, as text (the first value when repeated). */
export const header = (r: KafkaRecord, name: string): string | undefined => {
  const v = r.headers[name];
  return v === undefined ? undefined : (Array.isArray(v) ? v[0]! : v).toString('utf8');
};

/**
 * Checks what every stream test expects of its outputs: each names its input in
 * `msk-inference-source`, keeps its key and the named headers, and within each output partition the
 * records of one input partition appear in increasing input offsets. Returns each output with its
 * input, for the protocol-specific checks.
 */
export const expectOutputsFollowInputs = (
  outputs: readonly KafkaRecord[],
  inputs: readonly KafkaRecord[],
  keptHeaders: readonly string[],
): Array<{ out: KafkaRecord; source: KafkaRecord }> => {
  const inputBySource = new Map(inputs.map((r) => [`${r.topic}/${r.partition}/${r.offset}`, r]));
  const pairs = outputs.map((out) => {
    const source = inputBySource.get(header(out, 'msk-inference-source')!);
    expect(source, 'every output names its input').toBeDefined();
    expect(out.key?.toString()).toBe(source!.key?.toString());
    for (const name of keptHeaders) expect(header(out, name)).toBe(header(source!, name));
    return { out, source: source! };
  });
  for (const records of byPartition([...outputs]).values()) {
    const offsetsOf = new Map<number, number[]>();
    for (const r of records) {
      const [, p, o] = header(r, 'msk-inference-source')!.split('/');
      offsetsOf.set(Number(p), [...(offsetsOf.get(Number(p)) ?? []), Number(o)]);
    }
    for (const offsets of offsetsOf.values()) expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  }
  return pairs;
};

/**
 * The books of a failure test: every input record must end on the output or the error topic, and a
 * record may appear there more than once only if the driver delivered it more than once.
 *
 * ```ts
 * const books = account(run, await readToEnd(output), await readToEnd(errors));
 * expect(books.lost).toEqual([]);
 * expect(books.unexpectedDuplicates).toEqual([]);
 * ```
 */
import type { KafkaRecord } from './kafka-records.js';
import { type DriveResult, sourceKey } from './lambda-driver.js';

export const SOURCE_HEADER = 'msk-inference-source';

/** A header as UTF-8 (the first value when repeated). */
export const header = (r: KafkaRecord, name: string): string | undefined => {
  const v = r.headers[name];
  return v === undefined ? undefined : (Array.isArray(v) ? v[0]! : v).toString('utf8');
};

export interface Books {
  /** Input records. */
  readonly in: number;
  /** Distinct sources on the output topic, and records there in all. */
  readonly out: number;
  readonly outRecords: number;
  readonly errors: number;
  readonly errorRecords: number;
  /** Sources found on both topics (must not happen: one record, one fate). */
  readonly onBoth: readonly string[];
  /** Input records found on neither topic. */
  readonly lost: readonly string[];
  /** Output or error records naming no input record. */
  readonly strangers: readonly string[];
  /** Sources published more than once, and those among them that were never delivered twice. */
  readonly duplicates: readonly string[];
  readonly unexpectedDuplicates: readonly string[];
  /** First output or error record per source. */
  readonly first: ReadonlyMap<string, KafkaRecord>;
}

export const account = (
  run: Pick<DriveResult, 'records' | 'redelivered'>,
  outputs: readonly KafkaRecord[],
  errors: readonly KafkaRecord[],
): Books => {
  const inputs = new Set(run.records.map(sourceKey));
  const seen = new Map<string, number>();
  const first = new Map<string, KafkaRecord>();
  const outSources = new Set<string>();
  const errSources = new Set<string>();
  const strangers: string[] = [];
  for (const [list, sources] of [
    [outputs, outSources],
    [errors, errSources],
  ] as const) {
    for (const r of list) {
      const source = header(r, SOURCE_HEADER) ?? `(no source: ${r.topic}/${r.partition}/${r.offset})`;
      if (!inputs.has(source)) strangers.push(source);
      sources.add(source);
      seen.set(source, (seen.get(source) ?? 0) + 1);
      if (!first.has(source)) first.set(source, r);
    }
  }
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([s]) => s);
  return {
    in: inputs.size,
    out: outSources.size,
    outRecords: outputs.length,
    errors: errSources.size,
    errorRecords: errors.length,
    onBoth: [...outSources].filter((s) => errSources.has(s)),
    lost: [...inputs].filter((s) => !seen.has(s)),
    strangers,
    duplicates,
    unexpectedDuplicates: duplicates.filter((s) => !run.redelivered.has(s)),
    first,
  };
};

/** The books in one line, for the test log. */
export const describeBooks = (b: Books): string =>
  `in ${b.in} = out ${b.out} + errors ${b.errors} (records on the topics: ${b.outRecords} + ${b.errorRecords}); ` +
  `lost ${b.lost.length}, on both ${b.onBoth.length}, duplicated ${b.duplicates.length} ` +
  `(${b.unexpectedDuplicates.length} never redelivered)`;

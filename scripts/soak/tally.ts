/**
 * The soak's books: which input records came out, on which topic, and how often. Every input record
 * is keyed `<tag>-<n>` with n below the run's count, so one bit per record and topic is enough, and a
 * million records cost 250 KB instead of a set of a million strings.
 */

/** A fixed-size set of the integers 0 … size-1. */
class Bits {
  readonly #words: Uint32Array;

  constructor(size: number) {
    this.#words = new Uint32Array(Math.ceil(size / 32));
  }

  has(n: number): boolean {
    return (this.#words[n >>> 5]! & (1 << (n & 31))) !== 0;
  }

  /** Sets bit n; false if it was set already. */
  add(n: number): boolean {
    if (this.has(n)) return false;
    this.#words[n >>> 5]! |= 1 << (n & 31);
    return true;
  }
}

export type Topic = 'output' | 'error';

export interface Counts {
  /** Records produced (the run's count). */
  readonly in: number;
  /** Distinct input records answered on the output topic. */
  readonly out: number;
  /** Distinct input records on the error topic. */
  readonly errors: number;
  /** Distinct input records on either topic. */
  readonly answered: number;
  /** Input records on neither topic. */
  readonly lost: number;
  /** Input records found on both topics (one record, one fate: must be 0). */
  readonly onBoth: number;
  /** Records seen again on the same topic (at least once allows them after a redelivery). */
  readonly duplicates: number;
  /** Records whose key names no input record of the run. */
  readonly strangers: number;
}

/**
 * @example
 * const tally = new KeyTally('soak1', 3);
 * tally.see('output', 'soak1-0');
 * tally.see('error', 'soak1-2');
 * tally.counts(); // { in: 3, out: 1, errors: 1, answered: 2, lost: 1, onBoth: 0, duplicates: 0, strangers: 0 }
 */
export class KeyTally {
  readonly #prefix: string;
  readonly #count: number;
  readonly #seen: Record<Topic, Bits>;
  readonly #distinct: Record<Topic, number> = { output: 0, error: 0 };
  #onBoth = 0;
  #duplicates = 0;
  #strangers = 0;

  constructor(tag: string, count: number) {
    this.#prefix = `${tag}-`;
    this.#count = count;
    this.#seen = { output: new Bits(count), error: new Bits(count) };
  }

  /** Counts one record read from the output or error topic, by its key. */
  see(topic: Topic, key: string | undefined): void {
    const n = this.#indexOf(key);
    if (n === undefined) {
      this.#strangers++;
      return;
    }
    if (!this.#seen[topic].add(n)) {
      this.#duplicates++;
      return;
    }
    this.#distinct[topic]++;
    if (this.#seen[topic === 'output' ? 'error' : 'output'].has(n)) this.#onBoth++;
  }

  /** Distinct input records on either topic. */
  get answered(): number {
    return this.#distinct.output + this.#distinct.error - this.#onBoth;
  }

  counts(): Counts {
    return {
      in: this.#count,
      out: this.#distinct.output,
      errors: this.#distinct.error,
      answered: this.answered,
      lost: this.#count - this.answered,
      onBoth: this.#onBoth,
      duplicates: this.#duplicates,
      strangers: this.#strangers,
    };
  }

  #indexOf(key: string | undefined): number | undefined {
    if (key === undefined || !key.startsWith(this.#prefix)) return undefined;
    const digits = key.slice(this.#prefix.length);
    if (!/^(0|[1-9]\d*)$/.test(digits)) return undefined;
    const n = Number(digits);
    return n < this.#count ? n : undefined;
  }
}

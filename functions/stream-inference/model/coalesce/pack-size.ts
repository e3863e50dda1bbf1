import type { Coalesce } from '../../contract.js';

/** A change of the learned pack size, and what caused it. */
export interface PackSizeChange {
  readonly from: number;
  readonly to: number;
  /** `grew`: a full pack was answered; `refused`: a pack was refused for its size. */
  readonly cause: 'grew' | 'refused';
}

/**
 * The most records the next pack may hold, and what the model's answers to packs teach about it.
 * Lives as long as the warm container, so every batch starts from what earlier ones learned.
 */
export interface PackSize {
  current(): number;
  /** A pack of `records` was answered; `full` when it was planned at the size then current. */
  accepted(records: number, full: boolean): void;
  /**
   * A pack of `records` was refused, and each of its records was then answered in smaller packs:
   * the size was at fault, not a record.
   */
  refused(records: number): void;
}

/**
 * The pack size `COALESCE_MAX_RECORDS` asks for: fixed, or learned.
 *
 * @example
 * const size = packSizeFor({ mode: 'auto', startRecords: 16, maxRecords: 10_000 }, (c) => logger.info('pack size', { ...c }));
 */
export const packSizeFor = (coalesce: Coalesce, onChange?: (change: PackSizeChange) => void): PackSize =>
  coalesce.mode === 'fixed'
    ? { current: () => coalesce.maxRecords, accepted() {}, refused() {} }
    : learnedPackSize(coalesce.startRecords, coalesce.maxRecords, onChange);

/**
 * Starts at `start` and doubles each time a full pack is answered, up to `max`. A pack refused for
 * its size (an HTTP 4xx, or an answer that does not split, while each of its records is answered in
 * smaller packs) caps it: the size drops to the largest answered below it and from then on grows
 * only halfway towards the smallest refused, so it settles on the largest size the model takes.
 * Transient faults (5xx, timeouts, a model away) never reach it: they prove nothing about a size.
 */
const learnedPackSize = (
  start: number,
  max: number,
  onChange?: (change: PackSizeChange) => void,
): PackSize => {
  let size = start;
  let largestAccepted = 0;
  let smallestRefused = max + 1;
  const set = (to: number, cause: PackSizeChange['cause']) => {
    if (to === size) return;
    const from = size;
    size = to;
    onChange?.({ from, to, cause });
  };
  return {
    current: () => size,
    accepted(records, full) {
      largestAccepted = Math.max(largestAccepted, records);
      // A pack cut short by the end of its partition, or half of a refused one, says nothing of the size.
      if (!full || records < size) return;
      const next =
        smallestRefused > max ? Math.min(2 * size, max) : Math.floor((largestAccepted + smallestRefused) / 2);
      if (next > size) set(next, 'grew');
    },
    refused(records) {
      smallestRefused = Math.min(smallestRefused, records);
      // A limit in bytes, not records, may refuse a size answered earlier with smaller records.
      largestAccepted = Math.min(largestAccepted, smallestRefused - 1);
      const below = largestAccepted > 0 ? largestAccepted : Math.max(1, Math.floor(records / 2));
      if (below < size) set(below, 'refused');
    },
  };
};

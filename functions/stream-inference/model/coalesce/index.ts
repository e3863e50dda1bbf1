import type { Protocol } from '../../config.js';
import type { PackSize } from './pack-size.js';
import { seldonBatch } from './seldon.js';
import { tensorflowBatch } from './tensorflow.js';
import type { BatchCodec } from './types.js';
import { v2Batch } from './v2.js';

export { type PackSize, type PackSizeChange, packSizeFor } from './pack-size.js';
export { SplitError } from './types.js';

const PROTOCOL_SPECS: Record<Protocol, BatchCodec> = {
  seldon: seldonBatch,
  tensorflow: tensorflowBatch,
  v2: v2Batch,
};

/** A request ready for the model: its record's index in the partition and the request bytes. */
export interface Ready {
  readonly index: number;
  readonly body: Buffer;
}

/** One model call: one request, or several packed into one. */
export interface PlannedCall {
  readonly members: readonly Ready[];
  readonly body: Buffer;
  /** Parsed member requests, kept to split the answer; absent for a call of one request. */
  readonly requests?: readonly Record<string, unknown>[];
  /** The pack reached the size limit of its plan: its answer shows whether that size is taken. */
  readonly full?: boolean;
}

export interface Coalescer {
  /** How many records a pack may hold, and what the model's answers to packs teach about it. */
  readonly size: PackSize;
  /** Packs requests of one partition with the same signature, up to `size.current()` per call. */
  plan(ready: readonly Ready[]): PlannedCall[];
  /** Cuts a packed answer into one answer per member, each as the model would have sent it alone. */
  split(answer: Buffer, call: PlannedCall): Buffer[];
  /** The two halves of a packed call (or its members alone), to find which member the model refuses. */
  bisect(call: PlannedCall): PlannedCall[];
}

/**
 * Opt-in coalescing (`COALESCE_MAX_RECORDS` > 1 or `auto`, REST only): several records of one
 * partition go to the model as one request along the batch dimension, which most servers answer in
 * little more time than one row. A packed call the model refuses is retried in halves down to the
 * record at fault, so a bad record never fails its neighbours.
 *
 * @example
 * const calls = coalescerFor('v2', packSizeFor({ mode: 'fixed', maxRecords: 32 })).plan(ready);
 */
export const coalescerFor = (protocol: Protocol, size: PackSize): Coalescer => {
  const spec = PROTOCOL_SPECS[protocol];
  const alone = (members: readonly Ready[]): PlannedCall[] =>
    members.map((m) => ({ members: [m], body: m.body }));
  /**
   * One packed call, or each member alone when the pack cannot be built: JSON.stringify recurses,
   * so a member nested deep enough (in a field the request check does not walk) overflows the stack.
   * Sent alone, it goes as its own bytes and fails, if it does, on its own.
   */
  const packed = (
    members: readonly Ready[],
    requests: readonly Record<string, unknown>[],
    full = false,
  ): PlannedCall[] => {
    if (members.length === 1) return alone(members);
    try {
      return [{ members, body: Buffer.from(JSON.stringify(spec.merge(requests))), requests, full }];
    } catch {
      return alone(members);
    }
  };
  /** The signature of a request, or `undefined` (sent alone) when it cannot be computed. */
  const signatureOf = (item: Ready): { signature: string; request: Record<string, unknown> } | undefined => {
    try {
      const request = JSON.parse(item.body.toString('utf8')) as Record<string, unknown>;
      const signature = spec.signature(request);
      return signature === undefined ? undefined : { signature, request };
    } catch {
      return undefined;
    }
  };
  return {
    size,
    plan(ready) {
      // Read once: packs of one plan share a size while answers in flight may change it.
      const maxRecords = size.current();
      const open = new Map<string, { members: Ready[]; requests: Record<string, unknown>[] }>();
      const calls: PlannedCall[] = [];
      const close = (key: string) => {
        const group = open.get(key)!;
        open.delete(key);
        calls.push(...packed(group.members, group.requests, group.members.length >= maxRecords));
      };
      for (const item of ready) {
        const signed = signatureOf(item);
        if (signed === undefined) {
          calls.push({ members: [item], body: item.body });
          continue;
        }
        const group = open.get(signed.signature) ?? { members: [], requests: [] };
        group.members.push(item);
        group.requests.push(signed.request);
        open.set(signed.signature, group);
        if (group.members.length >= maxRecords) close(signed.signature);
      }
      for (const key of [...open.keys()]) close(key);
      return calls;
    },
    bisect(call) {
      const half = Math.ceil(call.members.length / 2);
      const requests = call.requests!;
      return [
        ...packed(call.members.slice(0, half), requests.slice(0, half)),
        ...packed(call.members.slice(half), requests.slice(half)),
      ];
    },
    split(answer, call) {
      const parsed = JSON.parse(answer.toString('utf8')) as Record<string, unknown>;
      return spec.split(parsed, call.requests!).map((part) => Buffer.from(JSON.stringify(part)));
    },
  };
};

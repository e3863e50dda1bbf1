import { describe, expect, it } from 'vitest';
import {
  type PackSizeChange,
  packSizeFor,
} from '../../../functions/stream-inference/model/coalesce/pack-size.js';

const auto = (startRecords: number, maxRecords: number) => {
  const changes: PackSizeChange[] = [];
  const size = packSizeFor({ mode: 'auto', startRecords, maxRecords }, (c) => changes.push(c));
  return { size, changes };
};

/** A model that takes packs of up to `limit` records: full packs at the size in use, refused ones bisected. */
const serve = (size: ReturnType<typeof packSizeFor>, limit: number, batches: number) => {
  for (let b = 0; b < batches; b++) {
    const n = size.current();
    if (n <= limit) {
      size.accepted(n, true);
      continue;
    }
    // The halves are answered first (bisection), then the refused pack is known to be the size's fault.
    const halves = [Math.ceil(n / 2), Math.floor(n / 2)];
    for (const h of halves) if (h > 1 && h <= limit) size.accepted(h, false);
    size.refused(n);
  }
};

describe('packSizeFor', () => {
  it('a fixed size stays put whatever the answers', () => {
    // Prepare
    const size = packSizeFor({ mode: 'fixed', maxRecords: 8 });

    // Act
    size.accepted(8, true);
    size.refused(8);

    // Assess
    expect(size.current()).toBe(8);
  });

  it('auto starts at its start and doubles on each full pack answered, up to its maximum', () => {
    // Prepare
    const { size, changes } = auto(16, 100);

    // Act
    serve(size, 10_000, 5);

    // Assess
    expect(size.current()).toBe(100);
    expect(changes.map((c) => c.to)).toEqual([32, 64, 100]);
    expect(changes.every((c) => c.cause === 'grew')).toBe(true);
  });

  it('packs cut short by their partition, or halves of a refused pack, do not grow it', () => {
    // Prepare
    const { size, changes } = auto(16, 10_000);

    // Act
    size.accepted(7, true);
    size.accepted(16, false);

    // Assess
    expect(size.current()).toBe(16);
    expect(changes).toEqual([]);
  });

  it.each([1, 5, 8, 13, 24, 31, 100])(
    'settles on the largest size a model taking %i records accepts',
    (limit) => {
      // Prepare
      const { size } = auto(16, 10_000);

      // Act
      serve(size, limit, 40);

      // Assess
      expect(size.current()).toBe(limit);
    },
  );

  it('a refusal drops to the largest size answered below it and never grows back past it', () => {
    // Prepare
    const { size, changes } = auto(16, 10_000);
    size.accepted(16, true);

    // Act
    size.accepted(16, false);
    size.refused(32);
    for (let i = 0; i < 10; i++) size.accepted(size.current(), true);

    // Assess
    expect(changes[1]).toEqual({ from: 32, to: 16, cause: 'refused' });
    expect(size.current()).toBe(31);
  });

  it('a refusal of a size answered before (a limit in bytes) still brings it down', () => {
    // Prepare
    const { size } = auto(16, 10_000);
    size.accepted(16, true);

    // Act
    size.refused(12);

    // Assess
    expect(size.current()).toBe(11);
  });
});

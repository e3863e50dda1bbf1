/** The soak's books: every input record counted once per topic, by its key `<tag>-<n>`. */
import { describe, expect, it } from 'vitest';
import { KeyTally } from '../../../scripts/soak/tally.js';

describe('KeyTally', () => {
  it('counts in = out + errors + lost', () => {
    // Prepare
    const tally = new KeyTally('soak1', 5);

    // Act
    tally.see('output', 'soak1-0');
    tally.see('output', 'soak1-1');
    tally.see('error', 'soak1-4');

    // Assess
    expect(tally.counts()).toEqual({
      in: 5,
      out: 2,
      errors: 1,
      answered: 3,
      lost: 2,
      onBoth: 0,
      duplicates: 0,
      strangers: 0,
    });
  });

  it('counts a record seen again on its topic as a duplicate, not as another answer', () => {
    // Prepare
    const tally = new KeyTally('t', 3);

    // Act
    for (const key of ['t-2', 't-2', 't-2']) tally.see('output', key);

    // Assess
    expect(tally.counts()).toMatchObject({ out: 1, answered: 1, lost: 2, duplicates: 2 });
  });

  it('counts a record on both topics once as answered, and reports it', () => {
    // Prepare
    const tally = new KeyTally('t', 2);

    // Act
    tally.see('error', 't-1');
    tally.see('output', 't-1');

    // Assess
    expect(tally.counts()).toMatchObject({ out: 1, errors: 1, answered: 1, lost: 1, onBoth: 1 });
  });

  it.each([
    ['no key', undefined],
    ['another run', 'soak2-1'],
    ['a prefix of the tag', 'soak-1'],
    ['past the count', 'soak1-3'],
    ['a negative number', 'soak1--1'],
    ['a leading zero', 'soak1-01'],
    ['not a number', 'soak1-x'],
    ['an empty number', 'soak1-'],
  ])('counts %s as a stranger', (_, key) => {
    // Prepare
    const tally = new KeyTally('soak1', 3);

    // Act
    tally.see('output', key);

    // Assess
    expect(tally.counts()).toMatchObject({ out: 0, answered: 0, lost: 3, strangers: 1 });
  });

  it('keeps a bit per record across 32-bit word boundaries', () => {
    // Prepare
    const count = 100;
    const tally = new KeyTally('t', count);

    // Act
    for (let n = 0; n < count; n += 2) tally.see('output', `t-${n}`);
    for (let n = 1; n < count; n += 2) tally.see('error', `t-${n}`);
    for (const n of [31, 32, 63, 64, 99]) tally.see('output', `t-${n}`);

    // Assess
    expect(tally.counts()).toMatchObject({
      out: 53,
      errors: 50,
      answered: 100,
      lost: 0,
      onBoth: 3,
      duplicates: 2,
    });
  });
});

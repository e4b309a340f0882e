import { CorruptFormatError } from '../../errors';

/** A byte range of the file that one table entry (at `offset`) claims. */
export interface ClaimedRange {
  start: number;
  end: number;
  structure: string;
  field: string;
  /** Absolute offset of the entry that claims the range. */
  offset: number;
}

/**
 * Fails when two claimed ranges share a byte: two blocks (or a block and a table) in the same
 * place mean a damaged allocation table, and reading through it would mix data.
 */
export function assertNoOverlap(ranges: ClaimedRange[]): void {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.start < prev.end) {
      throw new CorruptFormatError(
        {
          structure: cur.structure, field: cur.field, offset: cur.offset,
          expected: `a range not overlapping ${prev.structure} ${prev.field} [${prev.start}, ${prev.end})`,
          actual: `[${cur.start}, ${cur.end})`,
        },
        'two allocations share file bytes',
      );
    }
  }
}

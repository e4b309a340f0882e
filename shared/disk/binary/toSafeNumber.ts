import { CorruptFormatError } from '../../errors';

/**
 * A 64-bit field as a JS number, refusing values past 2^53 (8 PiB): no disk we read is that
 * large, so such a value means damage, and a silent precision loss would corrupt offsets.
 */
export function toSafeNumber(value: bigint, structure: string, field: string, offset: number): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CorruptFormatError(
      { structure, field, offset, expected: `<= ${Number.MAX_SAFE_INTEGER}`, actual: value },
      'absurd size or offset',
    );
  }
  return Number(value);
}

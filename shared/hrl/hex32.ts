/** A 32-bit value (checksum, tag, flags) as `0x` and 8 hex digits, for error messages. */
export function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * GUIDs as VHDX stores them: the first three groups little-endian, the last two as bytes
 * (the Windows `GUID` struct layout).
 * @see MS-VHDX 2.1 "GUID"
 */
export function guidToBytes(text: string): Buffer {
  const hex = text.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a GUID: ${text}`);
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8, 16),
  ]);
}

/** The canonical text of a GUID stored in Windows layout. */
export function guidFromBytes(b: Buffer): string {
  const hex = Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8, 16),
  ]).toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** True when all 16 bytes are zero (the "no GUID" value). */
export function isZeroGuid(b: Buffer): boolean {
  return b.every((x) => x === 0);
}

/**
 * A declarative reader for one fixed-size field of an on-disk structure: `len` bytes that
 * `get` decodes at `off` inside a buffer. Structures are described as maps of these tokens,
 * so a layout reads like the spec's table and parsing stays procedural and checkable.
 */
export interface Token<T> {
  readonly len: number;
  get(buf: Buffer, off: number): T;
}

/** Unsigned 8-bit integer. */
export const UINT8: Token<number> = { len: 1, get: (b, o) => b.readUInt8(o) };
/** Big-endian unsigned 16-bit integer (VHD). */
export const UINT16_BE: Token<number> = { len: 2, get: (b, o) => b.readUInt16BE(o) };
/** Big-endian unsigned 32-bit integer (VHD). */
export const UINT32_BE: Token<number> = { len: 4, get: (b, o) => b.readUInt32BE(o) };
/** Big-endian unsigned 64-bit integer (VHD), kept as bigint: callers bound it before use. */
export const UINT64_BE: Token<bigint> = { len: 8, get: (b, o) => b.readBigUInt64BE(o) };
/** Little-endian unsigned 16-bit integer (VHDX). */
export const UINT16_LE: Token<number> = { len: 2, get: (b, o) => b.readUInt16LE(o) };
/** Little-endian unsigned 32-bit integer (VHDX). */
export const UINT32_LE: Token<number> = { len: 4, get: (b, o) => b.readUInt32LE(o) };
/** Little-endian unsigned 64-bit integer (VHDX), kept as bigint. */
export const UINT64_LE: Token<bigint> = { len: 8, get: (b, o) => b.readBigUInt64LE(o) };

/** Fixed-length ASCII text (signatures, cookies, creator codes). */
export function ascii(len: number): Token<string> {
  return { len, get: (b, o) => b.toString('latin1', o, o + len) };
}

/** Raw bytes, copied out (GUIDs, reserved areas). */
export function bytes(len: number): Token<Buffer> {
  return { len, get: (b, o) => Buffer.from(b.subarray(o, o + len)) };
}

/** A field of a structure: its token and its offset from the structure's start. */
export interface Field<T> {
  readonly at: number;
  readonly token: Token<T>;
}

/** Reads one field of a structure that starts at `base` inside `buf`. */
export function readField<T>(buf: Buffer, base: number, field: Field<T>): T {
  return field.token.get(buf, base + field.at);
}

/** The decoded value of every field of a layout map (other members, like `len`, are left out). */
export type Decoded<L> = {
  [K in keyof L as L[K] extends Field<unknown> ? K : never]: L[K] extends Field<infer T> ? T : never;
};

/** Decodes every field of `layout` for a structure starting at `base` in `buf`. */
export function decodeFields<L extends object>(buf: Buffer, base: number, layout: L): Decoded<L> {
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(layout)) {
    if (member && typeof member === 'object' && 'token' in member && 'at' in member) {
      out[name] = readField(buf, base, member as Field<unknown>);
    }
  }
  return out as Decoded<L>;
}

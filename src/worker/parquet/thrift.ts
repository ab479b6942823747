/**
 * Thrift's compact protocol, the write side only: what a Parquet footer and page headers need
 * (parquet-format's parquet.thrift). A struct is written from a list of fields
 * `[id, type, value]`; fields whose value is undefined are left out (Thrift's optional fields).
 *
 * Compact protocol (Apache Thrift, THRIFT-110): a field header is `(delta << 4) | type` when the
 * id grows by 1..15 from the previous field of the struct, else the type byte followed by the id
 * as a zigzag varint; integers are zigzag varints; binary and strings are a varint length and the
 * bytes; a list header is `(size << 4) | elementType` for sizes below 15, else `0xF0 | type` and
 * the size as a varint; a struct ends with a 0 byte. Booleans as struct fields are the field
 * type itself (1 true, 2 false).
 */

export type TType = 'bool' | 'i8' | 'i16' | 'i32' | 'i64' | 'binary' | 'string' | 'struct' | 'list'
export type TField = readonly [id: number, type: TType, value: unknown]
/** A list's value: its element type and items (structs: arrays of fields). */
export interface TList {
  elem: TType
  items: readonly unknown[]
}

const TYPE_ID: Record<TType, number> = { bool: 1, i8: 3, i16: 4, i32: 5, i64: 6, binary: 8, string: 8, struct: 12, list: 9 }

export class CompactWriter {
  #buf = Buffer.allocUnsafe(256)
  #pos = 0

  get length(): number {
    return this.#pos
  }

  bytes(): Buffer {
    return this.#buf.subarray(0, this.#pos)
  }

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return
    let size = this.#buf.length * 2
    while (size < this.#pos + n) size *= 2
    const grown = Buffer.allocUnsafe(size)
    this.#buf.copy(grown, 0, 0, this.#pos)
    this.#buf = grown
  }

  byte(b: number): void {
    this.#room(1)
    this.#buf[this.#pos++] = b & 0xff
  }

  /** Unsigned varint of a non-negative safe integer or bigint. */
  varint(v: number | bigint): void {
    if (typeof v === 'number' && v < 0x80000000) {
      this.#room(5)
      let n = v >>> 0
      while (n >= 0x80) {
        this.#buf[this.#pos++] = (n & 0x7f) | 0x80
        n >>>= 7
      }
      this.#buf[this.#pos++] = n
      return
    }
    let b = BigInt(v)
    this.#room(10)
    while (b >= 0x80n) {
      this.#buf[this.#pos++] = Number(b & 0x7fn) | 0x80
      b >>= 7n
    }
    this.#buf[this.#pos++] = Number(b)
  }

  zigzag32(v: number): void {
    this.varint(((v << 1) ^ (v >> 31)) >>> 0)
  }

  zigzag64(v: number | bigint): void {
    const b = BigInt(v)
    this.varint(b >= 0n ? b << 1n : (-b << 1n) - 1n)
  }

  binary(v: Uint8Array | string): void {
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v
    this.varint(b.length)
    this.#room(b.length)
    this.#buf.set(b, this.#pos)
    this.#pos += b.length
  }

  struct(fields: readonly TField[]): void {
    let last = 0
    for (const [id, type, value] of fields) {
      if (value === undefined) continue
      const t = type === 'bool' ? (value === true ? 1 : 2) : TYPE_ID[type]
      const delta = id - last
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | t)
      else {
        this.byte(t)
        this.zigzag32(id)
      }
      last = id
      if (type !== 'bool') this.value(type, value)
    }
    this.byte(0)
  }

  value(type: TType, value: unknown): void {
    switch (type) {
      case 'bool':
        this.byte(value === true ? 1 : 2)
        return
      case 'i8':
        this.byte(value as number)
        return
      case 'i16':
      case 'i32':
        this.zigzag32(value as number)
        return
      case 'i64':
        this.zigzag64(value as number | bigint)
        return
      case 'binary':
      case 'string':
        this.binary(value as Uint8Array | string)
        return
      case 'struct':
        this.struct(value as TField[])
        return
      case 'list': {
        const l = value as TList
        const n = l.items.length
        const t = TYPE_ID[l.elem]
        if (n < 15) this.byte((n << 4) | t)
        else {
          this.byte(0xf0 | t)
          this.varint(n)
        }
        for (const item of l.items) this.value(l.elem, item)
      }
    }
  }
}

/** One struct, serialised. */
export function thriftStruct(fields: readonly TField[]): Buffer {
  const w = new CompactWriter()
  w.struct(fields)
  return w.bytes()
}

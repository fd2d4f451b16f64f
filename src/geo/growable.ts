// Append-only typed arrays for the data loaders: grown by half again when full, then cut to size.

export class GrowableU32 {
  data: Uint32Array;
  length = 0;

  constructor(capacity: number) {
    this.data = new Uint32Array(Math.max(16, Math.ceil(capacity)));
  }

  push(value: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = value;
  }

  reserve(more: number): void {
    if (this.length + more <= this.data.length) return;
    const bigger = new Uint32Array(Math.max(this.length + more, Math.ceil(this.data.length * 1.5)));
    bigger.set(this.data.subarray(0, this.length));
    this.data = bigger;
  }

  /** The items in an array of exactly their size (the buffer itself when it fits). */
  done(): Uint32Array {
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
}

export class GrowableBytes {
  data: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.data = Buffer.alloc(Math.max(64, Math.ceil(capacity)));
  }

  reserve(more: number): void {
    if (this.length + more <= this.data.length) return;
    const bigger = Buffer.alloc(Math.max(this.length + more, Math.ceil(this.data.length * 1.5)));
    this.data.copy(bigger, 0, 0, this.length);
    this.data = bigger;
  }

  /** Appends bytes from[start, end). */
  append(from: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    this.data.set(from.subarray(start, end), this.length);
    this.length += end - start;
  }

  /** Appends a string as UTF-8. */
  appendText(text: string): void {
    this.reserve(Buffer.byteLength(text));
    this.length += this.data.write(text, this.length);
  }

  done(): Buffer {
    if (this.length === this.data.length) return this.data;
    const exact = Buffer.alloc(this.length);
    this.data.copy(exact, 0, 0, this.length);
    return exact;
  }
}

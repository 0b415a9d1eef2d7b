// Fixed-size ring buffers of numbers: the traces and trails keep the last N samples and never grow.

export class Ring {
  /** @param {number} capacity samples kept @param {number} width numbers per sample */
  constructor(capacity, width) {
    this.capacity = capacity;
    this.width = width;
    this.data = new Float64Array(capacity * width);
    this.start = 0;
    this.length = 0;
  }

  clear() {
    this.start = 0;
    this.length = 0;
  }

  push(...values) {
    let slot;
    if (this.length < this.capacity) {
      slot = (this.start + this.length) % this.capacity;
      this.length += 1;
    } else {
      slot = this.start;
      this.start = (this.start + 1) % this.capacity;
    }
    const base = slot * this.width;
    for (let i = 0; i < this.width; i += 1) this.data[base + i] = values[i];
  }

  /** Value `field` of sample `i`, 0 = oldest. */
  get(i, field) {
    return this.data[((this.start + i) % this.capacity) * this.width + field];
  }

  /** Value `field` of the newest sample (NaN when empty). */
  last(field) {
    return this.length ? this.get(this.length - 1, field) : NaN;
  }
}

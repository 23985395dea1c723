// Vector clocks (happens-before) of one execution, packed in one buffer that an exploration
// reuses for every execution, so that the inner loop allocates no clock objects. A clock is
// an offset into buf: buf[c + t] counts the events of thread t that happen before or at it.
export class Clocks {
  buf = new Int32Array(1024);
  /** threads: the length of one clock */
  n = 0;
  private top = 0;

  /** Starts an execution of n threads; offset 0 is the zero clock. */
  reset(n: number): void {
    this.n = n;
    this.buf.fill(0, 0, n);
    this.top = n;
  }

  /** A new clock holding a copy of clock `from`. */
  copy(from: number): number {
    const n = this.n;
    if (this.top + n > this.buf.length) {
      const bigger = new Int32Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    const c = this.top;
    this.top += n;
    const b = this.buf;
    for (let t = 0; t < n; t++) b[c + t] = b[from + t];
    return c;
  }

  /** clock `into` := max(into, from), pointwise */
  join(into: number, from: number): void {
    const b = this.buf;
    for (let t = 0; t < this.n; t++) if (b[from + t] > b[into + t]) b[into + t] = b[from + t];
  }
}

// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS
// 2010). Each execution gives the n threads random distinct priorities d..d+n-1 and picks
// d-1 change points among the k steps; it always runs the enabled thread of highest
// priority, and at the i-th change point drops that thread to priority i. One execution
// finds a given bug of depth d with probability at least 1/(n k^(d-1)). k is the longest
// execution seen so far (the first execution has no change points).
import type { Execution } from './execution.js';
import { mulberry32 } from './prng.js';
import { NO_THREAD, type Strategy } from './strategy.js';

export class Pct implements Strategy {
  readonly clocks = false;
  readonly everyStep = true;
  readonly exhaustive = false;
  private readonly random: () => number;
  private ran = 0;
  /** longest execution so far, in steps */
  private k = 0;
  private threads = 0;
  private priority: number[] = [];
  /** change point steps, in increasing order; the i-th (from 1) lowers to priority i */
  private changes: number[] = [];
  private nextChange = 0;

  constructor(private readonly samples: number, private readonly seed: number, private readonly depth: number) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`pct: depth must be a whole number >= 1, not ${depth}`);
    this.random = mulberry32(seed);
  }

  private start(n: number): void {
    this.threads = n;
    const d = this.depth;
    // a random permutation of d..d+n-1 (Fisher-Yates)
    const p = Array.from({ length: n }, (_, i) => d + i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [p[i], p[j]] = [p[j], p[i]];
    }
    this.priority = p;
    const points = new Set<number>();
    const want = Math.min(d - 1, this.k);
    while (points.size < want) points.add(1 + Math.floor(this.random() * this.k));
    this.changes = [...points].sort((a, b) => a - b);
    this.nextChange = 0;
  }

  choose(x: Execution): number {
    const step = x.events.length + 1;
    if (step === 1) this.start(x.threads.length);
    const enabled = x.enabledMask();
    if (enabled === 0) return NO_THREAD;
    let best = this.highest(enabled);
    while (this.nextChange < this.changes.length && this.changes[this.nextChange] === step) {
      this.priority[best] = ++this.nextChange;
      best = this.highest(enabled);
    }
    return best;
  }

  private highest(enabled: number): number {
    let best = -1;
    for (let m = enabled; m; m &= m - 1) {
      const t = 31 - Math.clz32(m & -m);
      if (best < 0 || this.priority[t] > this.priority[best]) best = t;
    }
    return best;
  }

  finish(x: Execution): boolean {
    if (x.events.length > this.k) this.k = x.events.length;
    return ++this.ran < this.samples;
  }

  notes(): string[] {
    const d = this.depth, n = this.threads, k = Math.max(this.k, 1);
    const p = 1 / (n * k ** (d - 1));
    return [
      `pct: ${this.ran} of ${this.samples} samples with seed ${this.seed}, depth ${d}; a sample that finds nothing proves nothing`,
      `pct: each execution finds a given bug of depth ${d} with probability at least 1/(n k^(d-1)) = 1/(${n}*${k}^${d - 1}) = ${p.toPrecision(3)} (n = ${n} threads, k = ${k} steps)`,
    ];
  }
}

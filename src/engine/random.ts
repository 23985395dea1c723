// Uniform random scheduling: at every step one of the enabled threads, chosen uniformly, from
// a seeded generator. A violation found is real; running out of samples proves nothing.
import type { Execution } from './execution.js';
import { mulberry32, randomBit } from './prng.js';
import { NO_THREAD, type Strategy } from './strategy.js';

export class RandomWalk implements Strategy {
  readonly clocks = false;
  readonly everyStep = true;
  readonly exhaustive = false;
  private readonly random: () => number;
  private ran = 0;

  constructor(private readonly samples: number, private readonly seed: number) {
    this.random = mulberry32(seed);
  }

  choose(x: Execution): number {
    const enabled = x.enabledMask();
    return enabled === 0 ? NO_THREAD : randomBit(enabled, this.random);
  }

  finish(): boolean {
    return ++this.ran < this.samples;
  }

  notes(): string[] {
    return [`random: ${this.ran} of ${this.samples} samples with seed ${this.seed}; a sample that finds nothing proves nothing`];
  }
}

// The execution that is running now, so that object constructors and frames find it.
import type { Execution } from './execution.js';

let looseIds = 0;

export const runtime = {
  current: null as Execution<any> | null,
  allocId(): string {
    const x = this.current;
    if (x === null) return `free:${looseIds++}`;
    return x.allocId();
  },
};

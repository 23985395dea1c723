// Two threads increment a shared counter with a separate read and write:
// one update can be lost. `mmcheck check examples/lost-update.ts` finds it.
import { Cell, defineModel, kfunc, type Gen } from 'mmcheck';

const increment = kfunc('increment', function* (counter: Cell<number>): Gen {
  const v = yield* counter.read();
  yield* counter.write(v + 1);
});

export default defineModel({
  name: 'lost-update',
  description: 'two unlocked read-then-write increments',
  setup: () => ({ counter: new Cell('counter', 0) }),
  threads: (s) => ({
    cpu0: increment(s.counter),
    cpu1: increment(s.counter),
  }),
  finals: {
    'no lost update': (s) => s.counter.value === 2 || `counter is ${s.counter.value}, not 2`,
  },
});

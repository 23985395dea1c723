// Random small concurrent programs for differential testing of the exploration strategies:
// threads of cell reads, writes, read-modify-writes, two-cell atomic steps, waits (until) and
// assertions (check) over one or two cells, with properly nested critical sections of
// mutexes and rw-semaphores.
import fc from 'fast-check';
import { Cell, Mutex, RwSem, atomic, check, defineModel, type Gen, type Model } from '../../src/engine/index.js';

export type LockKind = 'mutex' | 'rwsem';
export type LockMode = 'lock' | 'trylock' | 'read' | 'write' | 'try-read' | 'try-write' | 'downgrade';

export type Step =
  | { op: 'read'; cell: number }
  /** 'inc' writes the thread's register plus one (the last value it read): a lost update */
  | { op: 'write'; cell: number; value: number | 'inc' }
  | { op: 'add'; cell: number; delta: number }
  /** one atomic step reading from and writing to = from + 1 */
  | { op: 'move'; from: number; to: number }
  | { op: 'until'; cell: number; atLeast: number }
  /** the sum of the cells is below the bound */
  | { op: 'assert'; cells: number[]; below: number }
  /** a critical section: acquire in mode, run body, release (a failed trylock skips both) */
  | { op: 'locked'; lock: number; mode: LockMode; body: Step[] };

export interface Program {
  cells: number;
  locks: LockKind[];
  threads: Step[][];
}

export interface ProgramState {
  cells: Cell<number>[];
  locks: (Mutex | RwSem)[];
  /** each thread's register when it finished; read only by the final check, after every thread ended */
  regs: number[];
}

export interface CompileOptions {
  /** 'fail': a false assertion is a violation; 'record': it is added to failures and exploration goes on */
  assertions: 'fail' | 'record';
  failures?: Set<string>;
  /** the final check records every final state here and never fails */
  finals?: Set<string>;
}

const MODES: Record<LockKind, LockMode[]> = {
  mutex: ['lock', 'trylock'],
  rwsem: ['read', 'write', 'try-read', 'try-write', 'downgrade'],
};

/** Steps taken on entering and leaving a critical section, at most (a write-lock that queues takes two). */
const SECTION_STEPS: Record<LockMode, number> = {
  lock: 2, trylock: 2, read: 2, 'try-read': 2, 'try-write': 2, write: 3, downgrade: 4,
};

/** Steps a thread takes at most. */
function cost(steps: readonly Step[]): number {
  let n = 0;
  for (const s of steps) n += s.op === 'locked' ? SECTION_STEPS[s.mode] + cost(s.body) : 1;
  return n;
}

/** Interleavings of threads of these lengths when nothing blocks: the multinomial coefficient. */
function interleavingBound(p: Program): number {
  let total = 0, bound = 1;
  for (const t of p.threads) {
    for (let k = 1, c = cost(t); k <= c; k++) bound = (bound * ++total) / k;
  }
  return Math.round(bound);
}

/** Drops trailing steps (then threads, down to two) until naive enumeration stays under cap. */
function fit(p: Program, cap: number): Program {
  const threads = p.threads.map((t) => [...t]);
  const q = { ...p, threads };
  while (interleavingBound(q) > cap) {
    let longest = -1;
    threads.forEach((t, i) => { if (t.length > 1 && (longest < 0 || cost(t) > cost(threads[longest]))) longest = i; });
    if (longest >= 0) threads[longest].pop();
    else if (threads.length > 2) threads.pop();
    else break;
  }
  return q;
}

function stepArb(cells: number, locks: readonly LockKind[], depth: number, held: readonly number[]): fc.Arbitrary<Step> {
  const cell = fc.nat({ max: cells - 1 });
  const simple: fc.Arbitrary<Step>[] = [
    fc.record({ op: fc.constant('read' as const), cell }),
    fc.record({ op: fc.constant('write' as const), cell, value: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constant('inc' as const)) }),
    fc.record({ op: fc.constant('add' as const), cell, delta: fc.integer({ min: 1, max: 2 }) }),
    fc.record({ op: fc.constant('move' as const), from: cell, to: cell }),
    fc.record({
      op: fc.constant('assert' as const),
      cells: fc.uniqueArray(cell, { minLength: 1, maxLength: 2 }),
      below: fc.integer({ min: 1, max: 4 }),
    }),
  ];
  // rarer than the others: a wait for a value nobody writes ends in a deadlock
  const until = fc.record({ op: fc.constant('until' as const), cell, atLeast: fc.integer({ min: 1, max: 2 }) });
  const simpleArb = fc.oneof({ weight: 3 * simple.length, arbitrary: fc.oneof(...simple) }, { weight: 1, arbitrary: until });
  const free = locks.flatMap((_, i) => (held.includes(i) ? [] : [i]));
  if (depth === 0 || free.length === 0) return simpleArb;
  const locked = fc.constantFrom(...free).chain((lock) => fc.record({
    op: fc.constant('locked' as const),
    lock: fc.constant(lock),
    mode: fc.constantFrom(...MODES[locks[lock]]),
    body: fc.array(stepArb(cells, locks, depth - 1, [...held, lock]), { minLength: 1, maxLength: 2 }),
  }));
  return fc.oneof({ weight: 3, arbitrary: simpleArb }, { weight: 2, arbitrary: locked });
}

/**
 * Programs of 2-4 threads of 1-6 steps over 1-3 cells and 1-2 locks, nested at most two deep,
 * never taking a lock they hold; cut down so that naive enumeration has at most cap interleavings.
 */
export function programArb(cap = 3000): fc.Arbitrary<Program> {
  return fc.record({
    cells: fc.integer({ min: 1, max: 3 }),
    locks: fc.array(fc.constantFrom<LockKind>('mutex', 'rwsem'), { minLength: 1, maxLength: 2 }),
    nthreads: fc.integer({ min: 2, max: 4 }),
  }).chain(({ cells, locks, nthreads }) => fc.record({
    cells: fc.constant(cells),
    locks: fc.constant(locks),
    threads: fc.array(fc.array(stepArb(cells, locks, 2, []), { minLength: 1, maxLength: 6 }),
      { minLength: nthreads, maxLength: nthreads }),
  })).map((p) => fit(p, cap));
}

export function compile(p: Program, opts: CompileOptions): Model<ProgramState> {
  function* section(steps: readonly Step[], s: ProgramState, where: string, env: { r: number }): Gen {
    for (const [i, st] of steps.entries()) {
      const id = `${where}.${i}`;
      switch (st.op) {
        case 'read': env.r = yield* s.cells[st.cell].read(); break;
        case 'write': yield* s.cells[st.cell].write(st.value === 'inc' ? env.r + 1 : st.value); break;
        case 'add': env.r = yield* s.cells[st.cell].update((v) => v + st.delta); break;
        case 'move': {
          const from = s.cells[st.from], to = s.cells[st.to];
          env.r = yield* atomic({ reads: [from], writes: [to] }, `c${st.to} = c${st.from} + 1`, () => (to.value = from.value + 1));
          break;
        }
        case 'until': env.r = yield* s.cells[st.cell].until((v) => v >= st.atLeast, `c${st.cell} >= ${st.atLeast}`); break;
        case 'assert': {
          const cs = st.cells.map((i) => s.cells[i]);
          const sum = (): number => cs.reduce((a, c) => a + c.value, 0);
          yield* check(cs, `${id}: ${cs.map((c) => c.name).join(' + ')} < ${st.below}`, () => {
            if (sum() < st.below) return true;
            if (opts.assertions === 'fail') return `the sum is ${sum()}`;
            opts.failures?.add(id);
            return true;
          });
          break;
        }
        case 'locked': yield* critical(st, s, id, env); break;
      }
    }
  }

  function* critical(st: Extract<Step, { op: 'locked' }>, s: ProgramState, id: string, env: { r: number }): Gen {
    const l = s.locks[st.lock];
    if (l instanceof Mutex) {
      if (st.mode === 'trylock') { if (!(yield* l.tryLock())) return; } else yield* l.lock();
      yield* section(st.body, s, id, env);
      yield* l.unlock();
      return;
    }
    switch (st.mode) {
      case 'read':
      case 'try-read':
        if (st.mode === 'read') yield* l.readLock(); else if (!(yield* l.tryReadLock())) return;
        yield* section(st.body, s, id, env);
        yield* l.readUnlock();
        return;
      case 'write':
      case 'try-write':
        if (st.mode === 'write') yield* l.writeLock(); else if (!(yield* l.tryWriteLock())) return;
        yield* section(st.body, s, id, env);
        yield* l.writeUnlock();
        return;
      default: // downgrade: write, then let readers in before leaving
        yield* l.writeLock();
        yield* section(st.body, s, id, env);
        yield* l.downgrade();
        yield* l.readUnlock();
    }
  }

  return defineModel({
    name: 'random program',
    setup: () => ({
      cells: Array.from({ length: p.cells }, (_, i) => new Cell(`c${i}`, 0)),
      locks: p.locks.map((k, i) => (k === 'mutex' ? new Mutex(`m${i}`) : new RwSem(`s${i}`))),
      regs: p.threads.map(() => 0),
    }),
    threads: (s) => Object.fromEntries(p.threads.map((steps, t) => [`t${t}`, (function* (): Gen<number> {
      const env = { r: 0 };
      yield* section(steps, s, `t${t}`, env);
      s.regs[t] = env.r;
      return env.r;
    })()])),
    finals: {
      'records the final state': (s) => {
        opts.finals?.add(JSON.stringify({ cells: s.cells.map((c) => c.value), regs: s.regs }));
        return true;
      },
    },
  });
}

/** The program as text, for failure messages. */
export function show(p: Program): string {
  const step = (s: Step): string => {
    switch (s.op) {
      case 'read': return `r = c${s.cell}`;
      case 'write': return `c${s.cell} = ${s.value === 'inc' ? 'r + 1' : s.value}`;
      case 'add': return `r = c${s.cell}++${s.delta}`;
      case 'move': return `c${s.to} = c${s.from} + 1 (atomic)`;
      case 'until': return `until c${s.cell} >= ${s.atLeast}`;
      case 'assert': return `assert ${s.cells.map((c) => `c${c}`).join(' + ')} < ${s.below}`;
      case 'locked': return `${s.mode} ${p.locks[s.lock] === 'mutex' ? 'm' : 's'}${s.lock} { ${s.body.map(step).join('; ')} }`;
    }
  };
  return p.threads.map((t, i) => `t${i}: ${t.map(step).join('; ')}`).join('\n');
}

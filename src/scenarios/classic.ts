// The classic benchmarks of dynamic partial-order reduction (Flanagan & Godefroid, POPL 2005;
// Abdulla, Aronis, Jonsson & Sagonas, POPL 2014) and small lock models, written as engine
// models: the engine's trace-count tests run them, and `mmcheck check <name>` finds them.
import { Cell, Mutex, RwSem, check, defineModel, kfunc, type Gen, type Model, type ThreadBodies } from '../engine/index.js';

export interface ClassicModel {
  name: string;
  description: string;
  /** n: the benchmark's size (threads); omitted, a size that checks in about a second */
  make(n?: number): Model;
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

const values = (cells: readonly Cell<unknown>[]): unknown[] => cells.map((c) => c.value);

function positive(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a positive whole number, not ${n}`);
}

/**
 * readers-writers(N) (Abdulla et al., POPL 2014, the writer/readers example): the writer
 * writes x[0]; reader i reads its own x[i], then x[0]. Each reader sees the write or not:
 * 2^N traces, which source-DPOR explores without redundant executions.
 */
function* rwWriter(x: Cell<number>[]): Gen {
  yield* x[0].write(1);
}

function* rwReader(x: Cell<number>[], i: number): Gen<number> {
  yield* x[i].read();
  return yield* x[0].read();
}

// Thread bodies are generator functions defined once: a generator literal evaluated in
// threads() would be a new closure every execution, which V8 runs far slower.
export function readersWriters(n = 3): Model<{ x: Cell<number>[] }> {
  positive('readers', n);
  return defineModel({
    name: 'readers-writers',
    description: `one writer and ${n} lock-free readers of x[0] (2^N traces)`,
    setup: () => ({ x: range(n + 1).map((i) => new Cell(`x[${i}]`, 0)) }),
    threads: ({ x }) => {
      const bodies: ThreadBodies = { writer: rwWriter(x) };
      for (const i of range(n, 1)) bodies[`reader${i}`] = rwReader(x, i);
      return bodies;
    },
    snapshot: ({ x }) => ({ x: values(x) }),
  });
}

function* lastzeroSearch(array: Cell<number>[]): Gen<number> {
  let i = array.length - 1;
  while ((yield* array[i].read()) !== 0) i--;
  return i;
}

function* lastzeroIncrement(array: Cell<number>[], j: number): Gen {
  const v = yield* array[j - 1].read();
  yield* array[j].write(v + 1);
}

/**
 * lastzero(N) (Abdulla et al., POPL 2014): thread 0 scans array[N..0] for the last zero;
 * thread j (1..N) sets array[j] = array[j-1] + 1. Thread 0 returns the index it found.
 */
export function lastzero(n = 5): Model<{ array: Cell<number>[] }> {
  positive('N', n);
  return defineModel({
    name: 'lastzero',
    description: `thread 0 searches for the last zero while ${n} threads increment array cells`,
    setup: () => ({ array: range(n + 1).map((i) => new Cell(`array[${i}]`, 0)) }),
    threads: ({ array }) => {
      const bodies: ThreadBodies = { thread0: lastzeroSearch(array) };
      for (const j of range(n, 1)) bodies[`thread${j}`] = lastzeroIncrement(array, j);
      return bodies;
    },
    snapshot: ({ array }) => ({ array: values(array) }),
  });
}

export interface IndexerSize {
  /** hash-table entries (the paper: 128) */
  size?: number;
  /** messages each thread inserts (the paper: 4) */
  max?: number;
}

/**
 * indexer(N) (Flanagan & Godefroid, POPL 2005): each thread inserts its messages
 * w = m*11 + tid (m = 1..max) into a hash table, h = 7w mod size, with compare-and-swap and
 * linear probing. With the paper's sizes threads conflict only from N = 12 (8 traces);
 * smaller tables make small instances conflict.
 */
export function indexer(n = 12, { size = 128, max = 4 }: IndexerSize = {}): Model<{ table: Cell<number>[] }> {
  positive('threads', n);
  positive('table size', size);
  positive('messages per thread', max);
  if (n * max > size) throw new RangeError(`indexer: ${n * max} messages do not fit a table of ${size}`);
  const messages = range(n).flatMap((tid) => range(max, 1).map((m) => m * 11 + tid));
  // compare-and-swap table[h] from 0 (free) to w; succeeds when it saw 0
  const cas = kfunc('cas', function* (entry: Cell<number>, w: number): Gen<boolean> {
    return (yield* entry.update((v) => (v === 0 ? w : v))) === 0;
  });
  function* insert(table: Cell<number>[], tid: number): Gen {
    for (let m = 1; m <= max; m++) {
      const w = m * 11 + tid;
      let h = (w * 7) % size;
      while (!(yield* cas(table[h], w))) h = (h + 1) % size;
    }
  }
  return defineModel({
    name: 'indexer',
    description: `${n} threads insert ${max} messages each into a ${size}-entry hash table with compare-and-swap`,
    setup: () => ({ table: range(size).map((h) => new Cell(`table[${h}]`, 0)) }),
    threads: ({ table }) => Object.fromEntries(range(n).map((tid) => [`thread${tid}`, insert(table, tid)])),
    finals: {
      'every message is in the table once': ({ table }) => {
        const stored = table.map((c) => c.value).filter((v) => v !== 0).sort((a, b) => a - b);
        const sent = [...messages].sort((a, b) => a - b);
        return stored.join() === sent.join() || `table holds [${stored}], messages were [${sent}]`;
      },
    },
    snapshot: ({ table }) => ({ used: table.flatMap((c, h) => (c.value ? [[h, c.value]] : [])) }),
  });
}

export interface FilesystemSize {
  /** inodes (the paper: 32) */
  inodes?: number;
  /** blocks (the paper: 26) */
  blocks?: number;
}

interface Filesystem {
  locki: Mutex[];
  inode: Cell<number>[];
  lockb: Mutex[];
  busy: Cell<boolean>[];
}

/**
 * filesystem(N) (Flanagan & Godefroid, POPL 2005): thread tid takes the lock of inode
 * i = tid mod inodes; if the inode has no block it searches from block 2i mod blocks for a
 * free one, each under its block lock, and records it. With the paper's sizes threads
 * conflict only from N = 14; smaller sizes make small instances conflict.
 */
export function filesystem(n = 14, { inodes = 32, blocks = 26 }: FilesystemSize = {}): Model<Filesystem> {
  positive('threads', n);
  positive('inodes', inodes);
  positive('blocks', blocks);
  if (Math.min(n, inodes) > blocks) throw new RangeError(`filesystem: ${Math.min(n, inodes)} inodes cannot all get one of ${blocks} blocks`);
  function* allocate({ locki, inode, lockb, busy }: Filesystem, tid: number): Gen {
    const i = tid % inodes;
    yield* locki[i].lock();
    if ((yield* inode[i].read()) === 0) {
      let b = (i * 2) % blocks;
      for (;;) {
        yield* lockb[b].lock();
        if (!(yield* busy[b].read())) {
          yield* busy[b].write(true);
          yield* inode[i].write(b + 1);
          yield* lockb[b].unlock();
          break;
        }
        yield* lockb[b].unlock();
        b = (b + 1) % blocks;
      }
    }
    yield* locki[i].unlock();
  }
  return defineModel({
    name: 'filesystem',
    description: `${n} threads allocate blocks to inodes under inode and block locks (${inodes} inodes, ${blocks} blocks)`,
    setup: () => ({
      locki: range(inodes).map((i) => new Mutex(`locki[${i}]`, { lockClass: 'locki' })),
      inode: range(inodes).map((i) => new Cell(`inode[${i}]`, 0)),
      lockb: range(blocks).map((b) => new Mutex(`lockb[${b}]`, { lockClass: 'lockb' })),
      busy: range(blocks).map((b) => new Cell(`busy[${b}]`, false)),
    }),
    threads: (fs) => Object.fromEntries(range(n).map((tid) => [`thread${tid}`, allocate(fs, tid)])),
    finals: {
      'each busy block belongs to exactly one inode': ({ inode, busy }) => {
        const owners = range(blocks).map((b) => inode.filter((c) => c.value === b + 1).length);
        const bad = owners.findIndex((k, b) => k !== (busy[b].value ? 1 : 0));
        return bad < 0 || `block ${bad} is ${busy[bad].value ? 'busy' : 'free'} and owned by ${owners[bad]} inodes`;
      },
    },
    snapshot: ({ inode, busy }) => ({ inode: values(inode), busy: busy.flatMap((c, b) => (c.value ? [b] : [])) }),
  });
}

/** N threads each increment a counter under one mutex: N! traces, the count is N. */
export function lockedCounter(n = 3): Model<{ lock: Mutex; count: Cell<number> }> {
  positive('threads', n);
  const increment = kfunc('increment', function* (lock: Mutex, count: Cell<number>): Gen {
    yield* lock.lock();
    const v = yield* count.read();
    yield* count.write(v + 1);
    yield* lock.unlock();
  });
  return defineModel({
    name: 'locked-counter',
    description: `${n} threads increment a counter under a mutex`,
    setup: () => ({ lock: new Mutex('lock'), count: new Cell('count', 0) }),
    threads: ({ lock, count }) => Object.fromEntries(range(n).map((t) => [`thread${t}`, increment(lock, count)])),
    finals: { 'count is N': ({ count }) => count.value === n || `count is ${count.value}, not ${n}` },
    snapshot: ({ count }) => ({ count: count.value }),
  });
}

interface Pair { sem: RwSem; a: Cell<number>; b: Cell<number> }

function* pairWriter({ sem, a, b }: Pair): Gen {
  yield* sem.writeLock();
  yield* a.write(1);
  yield* b.write(1);
  yield* sem.writeUnlock();
}

function* pairReader({ sem, a, b }: Pair): Gen<number> {
  yield* sem.readLock();
  const x = yield* a.read();
  const y = yield* b.read();
  yield* check([a, b], 'reader sees a whole pair', () => x === y || `reader saw a = ${x} but b = ${y}`);
  yield* sem.readUnlock();
  return x;
}

/**
 * One writer updates the pair (a, b) under an rw-semaphore's write side; N readers read
 * both under its read side and assert that they never see one written without the other.
 */
export function rwsemPair(n = 2): Model<Pair> {
  positive('readers', n);
  return defineModel({
    name: 'rwsem-pair',
    description: `${n} readers of a pair of cells under an rw-semaphore that one writer updates`,
    setup: () => ({ sem: new RwSem('sem'), a: new Cell('a', 0), b: new Cell('b', 0) }),
    threads: (p) => {
      const bodies: ThreadBodies = { writer: pairWriter(p) };
      for (const r of range(n, 1)) bodies[`reader${r}`] = pairReader(p);
      return bodies;
    },
    snapshot: ({ sem, a, b }) => ({ sem: sem.describe(), a: a.value, b: b.value }),
  });
}

/** The smallest real race: two unlocked read-then-write increments lose an update. */
export function demoRace(): Model<{ count: Cell<number> }> {
  const increment = kfunc('increment', function* (count: Cell<number>): Gen {
    const v = yield* count.read();
    yield* count.write(v + 1);
  });
  return defineModel({
    name: 'demo-race',
    description: 'two unlocked read-then-write increments of one counter (a lost update)',
    setup: () => ({ count: new Cell('count', 0) }),
    threads: ({ count }) => ({ cpu0: increment(count), cpu1: increment(count) }),
    finals: { 'no lost update': ({ count }) => count.value === 2 || `count is ${count.value}, not 2` },
    snapshot: ({ count }) => ({ count: count.value }),
  });
}

export const classicModels: readonly ClassicModel[] = [
  { name: 'demo-race', description: 'two unlocked increments lose an update (a real race)', make: () => demoRace() },
  { name: 'readers-writers', description: 'N lock-free readers and one writer (Abdulla et al. 2014); default N = 3', make: (n) => readersWriters(n) },
  { name: 'lastzero', description: 'search for the last zero against N incrementers (Abdulla et al. 2014); default N = 5', make: (n) => lastzero(n) },
  { name: 'indexer', description: 'hash-table inserts with compare-and-swap (Flanagan & Godefroid 2005); default N = 12', make: (n) => indexer(n) },
  { name: 'filesystem', description: 'inode and block allocation under locks (Flanagan & Godefroid 2005); default N = 14', make: (n) => filesystem(n) },
  { name: 'locked-counter', description: 'N threads increment a counter under a mutex; default N = 3', make: (n) => lockedCounter(n) },
  { name: 'rwsem-pair', description: 'N readers never see a half-written pair under an rw-semaphore; default N = 2', make: (n) => rwsemPair(n) },
];

// Reader-writer semaphore with the kernel's fairness: a queued writer blocks new readers
// (rwsem_read_trylock fails once RWSEM_FLAG_WAITERS is set), and writers queue FIFO.
// A blocking write-lock is two steps when the semaphore is busy: joining the wait queue
// (visible to readers) and taking the lock once it is free.
import { SharedObject } from './object.js';
import { Group, OpKind, type Op } from './op.js';
import type { Event, Execution, ThreadState } from './execution.js';
import { step, stepOnly, type Gen } from './cell.js';
import type { LockOptions } from './mutex.js';

export class RwSem extends SharedObject {
  writer = -1;
  nreaders = 0;
  readonly readers: number[] = [];
  readonly waiters: number[] = [];
  readonly cls: string;

  constructor(name: string, opts: Omit<LockOptions, 'flavour'> = {}) {
    super(name);
    this.cls = opts.lockClass ?? name;
  }

  override get isLock(): boolean { return true; }
  override lockClass(): string { return this.cls; }

  readLock(subclass = 0): Gen { return stepOnly({ k: OpKind.ReadLock, o: this, v: subclass }); }
  readUnlock(): Gen { return stepOnly({ k: OpKind.ReadUnlock, o: this }); }
  writeLock(subclass = 0): Gen { return stepOnly({ k: OpKind.WriteLock, o: this, v: subclass }); }
  writeUnlock(): Gen { return stepOnly({ k: OpKind.WriteUnlock, o: this }); }
  tryReadLock(): Gen<boolean> { return step({ k: OpKind.TryReadLock, o: this }); }
  tryWriteLock(): Gen<boolean> { return step({ k: OpKind.TryWriteLock, o: this }); }
  downgrade(): Gen { return stepOnly({ k: OpKind.Downgrade, o: this }); }

  private free(): boolean { return this.writer < 0 && this.nreaders === 0; }
  private holds(tid: number): boolean { return this.writer === tid || (this.readers[tid] ?? 0) > 0; }

  /** writer + 1, first waiter + 1 and the reader count, packed: (at most 31 threads) */
  override waitState(): unknown {
    return (this.writer + 1) + (this.waiters.length > 0 ? this.waiters[0] + 1 : 0) * 32 + this.nreaders * 1024;
  }

  override enabledIn(op: Op, tid: number, state: unknown): boolean {
    const s = state as number;
    const writer = (s % 32) - 1, first = (Math.floor(s / 32) % 32) - 1, readers = Math.floor(s / 1024);
    switch (op.k) {
      case OpKind.ReadLock: return writer === tid || (writer < 0 && first < 0);
      case OpKind.WriteWait: return writer < 0 && readers === 0 && first === tid;
      default: return true;
    }
  }

  /** A trylock's group depends on its outcome (a failed one only reads): unknown before, so exclusive. */
  override pendingGroup(op: Op): Group {
    return op.k === OpKind.ReadLock || op.k === OpKind.ReadUnlock ? Group.ReadSide : Group.Exclusive;
  }

  exec(op: Op, t: ThreadState, ev: Event, x: Execution): unknown {
    const tid = t.id;
    switch (op.k) {
      case OpKind.ReadLock:
        ev.g = Group.ReadSide;
        if (this.writer === tid) return x.misuse(`recursive locking: ${t.name} read-locks ${this.name}, which it holds for write`);
        x.dependOn(t, this, 'read', op.v as number);
        this.takeRead(tid, x, t);
        ev.value = 'acquired (read)';
        return undefined;
      case OpKind.TryReadLock:
        if (this.writer >= 0 || this.waiters.length > 0) { ev.g = Group.Read; ev.value = false; return false; }
        ev.g = Group.ReadSide;
        this.takeRead(tid, x, t);
        ev.value = true;
        return true;
      case OpKind.ReadUnlock:
        ev.rel = true; ev.g = Group.ReadSide;
        if ((this.readers[tid] ?? 0) === 0) return x.misuse(`${t.name} read-unlocks ${this.name}, which it does not hold for read`);
        this.readers[tid]--; this.nreaders--;
        x.released(t, this);
        ev.value = 'released (read)';
        return undefined;
      case OpKind.WriteLock:
        if (this.holds(tid)) return x.misuse(`recursive locking: ${t.name} write-locks ${this.name}, which it already holds`);
        x.dependOn(t, this, 'write', op.v as number);
        if (this.free() && this.waiters.length === 0) {
          this.writer = tid;
          x.hold(t, this, 'write');
          ev.value = 'acquired (write)';
          return undefined;
        }
        this.waiters.push(tid);
        ev.value = 'waits (write)';
        return x.stay(t, { k: OpKind.WriteWait, o: this });
      case OpKind.WriteWait:
        this.waiters.shift();
        this.writer = tid;
        x.hold(t, this, 'write');
        ev.value = 'acquired (write)';
        return undefined;
      case OpKind.TryWriteLock:
        if (!this.free() || this.waiters.length > 0) { ev.g = Group.Read; ev.value = false; return false; }
        this.writer = tid;
        x.hold(t, this, 'write');
        ev.value = true;
        return true;
      case OpKind.WriteUnlock:
        ev.rel = true;
        if (this.writer !== tid) return x.misuse(`${t.name} write-unlocks ${this.name}, which it does not hold for write`);
        this.writer = -1;
        x.released(t, this);
        ev.value = 'released (write)';
        return undefined;
      default: // Downgrade
        ev.rel = true;
        if (this.writer !== tid) return x.misuse(`${t.name} downgrades ${this.name}, which it does not hold for write`);
        this.writer = -1;
        this.readers[tid] = 1; this.nreaders++;
        x.released(t, this);
        x.hold(t, this, 'read');
        ev.value = 'downgraded to read';
        return undefined;
    }
  }

  private takeRead(tid: number, x: Execution, t: ThreadState): void {
    this.readers[tid] = (this.readers[tid] ?? 0) + 1;
    this.nreaders++;
    x.hold(t, this, 'read');
  }

  describe(): unknown {
    if (this.writer >= 0) return { writer: this.writer, waiters: [...this.waiters] };
    if (this.nreaders > 0) return { readers: this.nreaders, waiters: [...this.waiters] };
    return this.waiters.length ? { waiters: [...this.waiters] } : 'free';
  }
}

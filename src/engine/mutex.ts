// Mutex and spinlock: lock, trylock, unlock; misuse is reported as lockdep would.
import { SharedObject } from './object.js';
import { Group, OpKind, type Op } from './op.js';
import type { Event, Execution, ThreadState } from './execution.js';
import { step, stepOnly, type Gen } from './cell.js';

export interface LockOptions {
  /** lock class for the lock-order graph; defaults to the name */
  lockClass?: string;
  /** 'spinlock' only changes how traces name it */
  flavour?: 'mutex' | 'spinlock';
}

export class Mutex extends SharedObject {
  owner = -1;
  readonly cls: string;
  readonly flavour: 'mutex' | 'spinlock';

  constructor(name: string, opts: LockOptions = {}) {
    super(name);
    this.cls = opts.lockClass ?? name;
    this.flavour = opts.flavour ?? 'mutex';
  }

  override get isLock(): boolean { return true; }
  override lockClass(): string { return this.cls; }

  /** subclass: lockdep's nesting annotation for holding two locks of one class */
  lock(subclass = 0): Gen { return stepOnly({ k: OpKind.Lock, o: this, v: subclass }); }
  unlock(): Gen { return stepOnly({ k: OpKind.Unlock, o: this }); }
  tryLock(): Gen<boolean> { return step({ k: OpKind.TryLock, o: this }); }

  override waitState(): unknown { return this.owner; }

  override enabledIn(op: Op, tid: number, owner: unknown): boolean {
    return op.k !== OpKind.Lock || (owner as number) < 0 || owner === tid;
  }

  exec(op: Op, t: ThreadState, ev: Event, x: Execution): unknown {
    switch (op.k) {
      case OpKind.Lock:
        if (this.owner === t.id) return x.misuse(`recursive locking: ${t.name} already holds ${this.name}`);
        x.acquired(t, this, 'write', op.v as number, true);
        this.owner = t.id;
        ev.value = 'acquired';
        return undefined;
      case OpKind.TryLock:
        if (this.owner >= 0) {
          ev.g = Group.Read;
          ev.value = false;
          return false;
        }
        x.acquired(t, this, 'write', 0, false);
        this.owner = t.id;
        ev.value = true;
        return true;
      default:
        ev.rel = true;
        if (this.owner !== t.id) return x.misuse(`${t.name} releases ${this.name}, which it does not hold`);
        x.released(t, this);
        this.owner = -1;
        ev.value = 'released';
        return undefined;
    }
  }

  describe(): unknown { return this.owner < 0 ? 'free' : { owner: this.owner }; }
}

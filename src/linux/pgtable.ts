// Page tables: sparse, four levels (pgd -> pud -> pmd -> pte, p4d folded as on x86_64 4-level
// paging), one engine object per entry so that steps conflict exactly when the kernel's accesses
// do, and the kernel's page-table locks (include/linux/mm.h: pte_lockptr, pmd_lockptr,
// pud_lockptr; mm/memory.c: __pud_alloc, __pmd_alloc, __pte_alloc).
import { Mutex, Shared, atomic, kfunc, type Gen } from '../engine/index.js';
import { ALIGN_DOWN, type Arch } from './arch.js';
import type { mm_struct } from './mm.js';

export type pt_level = 'pgd' | 'pud' | 'pmd' | 'pte';

/** A leaf maps one PTE, PMD or PUD sized range of physical frames starting at pfn. */
export interface pt_leaf {
  readonly kind: 'leaf';
  readonly pfn: number;
  /** pte_special(): a PFN map entry without a struct page */
  readonly special: boolean;
  readonly writable: boolean;
}

export type pt_entry = { readonly kind: 'none' } | { readonly kind: 'table' } | pt_leaf;

export const PT_NONE: pt_entry = { kind: 'none' };
export const PT_TABLE: pt_entry = { kind: 'table' };

const CHILD: Record<pt_level, pt_level | null> = { pgd: 'pud', pud: 'pmd', pmd: 'pte', pte: null };
const PARENT: Record<pt_level, pt_level | null> = { pgd: null, pud: 'pgd', pmd: 'pud', pte: 'pmd' };

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

interface slot {
  readonly level: pt_level;
  readonly base: number;
  readonly entry: Shared<pt_entry>;
}

/**
 * One mm's page tables. The entry objects are created on first use and start empty, so a
 * created entry is indistinguishable from one that was never looked up: the maps below hold
 * object identities only, never model state. A table's entries are meaningful only while the
 * entry above says 'table'; freeing a table clears them (free_pgd_range in memory.ts).
 */
export class page_tables {
  /** per level, by base address (numbers, not strings: lookups are on every walk) */
  private readonly slots: Record<pt_level, Map<number, slot>> = { pgd: new Map(), pud: new Map(), pmd: new Map(), pte: new Map() };
  /** the same slots in creation order */
  private readonly created: slot[] = [];
  private readonly ptlocks: Record<'pte' | 'pmd', Map<number, Mutex>> = { pte: new Map(), pmd: new Map() };

  constructor(readonly owner: string, readonly arch: Arch) {}

  /** The span of one entry of this level (PAGE_SIZE, PMD_SIZE, PUD_SIZE, PGDIR_SIZE). */
  span(level: pt_level): number {
    const a = this.arch;
    return level === 'pte' ? a.page_size : level === 'pmd' ? a.pmd_size : level === 'pud' ? a.pud_size : a.pgdir_size;
  }

  /** The entry of `level` that translates va. */
  entry(level: pt_level, va: number): Shared<pt_entry> {
    const base = ALIGN_DOWN(va, this.span(level));
    const slots = this.slots[level];
    let s = slots.get(base);
    if (!s) {
      s = { level, base, entry: new Shared<pt_entry>(`${this.owner}.${level}[${hex(base)}]`, PT_NONE) };
      slots.set(base, s);
      this.created.push(s);
    }
    return s.entry;
  }

  /** The current value of an entry, without creating its object (outside steps). */
  peek(level: pt_level, va: number): pt_entry {
    return this.slots[level].get(ALIGN_DOWN(va, this.span(level)))?.entry.value ?? PT_NONE;
  }

  /** The split ptlock of the table holding the entries of `level` for va (ptlock_ptr). */
  ptlock(level: 'pte' | 'pmd', va: number): Mutex {
    const above = PARENT[level]!;
    const base = ALIGN_DOWN(va, this.span(above));
    let l = this.ptlocks[level].get(base);
    if (!l) {
      l = new Mutex(`${this.owner}.ptl[${level} table ${hex(base)}]`, { lockClass: 'ptlock', flavour: 'spinlock' });
      this.ptlocks[level].set(base, l);
    }
    return l;
  }

  /** Entries created so far in the tables below the entry (level, base), at every depth. */
  descendants(level: pt_level, base: number): Shared<pt_entry>[] {
    const end = base + this.span(level);
    const below = new Set<pt_level>();
    for (let l = CHILD[level]; l; l = CHILD[l]) below.add(l);
    return this.created.filter((s) => below.has(s.level) && s.base >= base && s.base < end).map((s) => s.entry);
  }

  /** Every entry created so far: for final checks and snapshots, never inside a step. */
  all(): readonly { level: pt_level; base: number; entry: Shared<pt_entry> }[] {
    return this.created;
  }
}

// Entry accessors (pgd_offset, pud_offset, pmd_offset, pte_offset_kernel in include/linux/pgtable.h).
export const pgd_offset = (mm: mm_struct, va: number): Shared<pt_entry> => mm.pgtables.entry('pgd', va);
export const pud_offset = (mm: mm_struct, va: number): Shared<pt_entry> => mm.pgtables.entry('pud', va);
export const pmd_offset = (mm: mm_struct, va: number): Shared<pt_entry> => mm.pgtables.entry('pmd', va);
export const pte_offset = (mm: mm_struct, va: number): Shared<pt_entry> => mm.pgtables.entry('pte', va);

/** pud_lockptr(): every PUD (and P4D) entry is under mm->page_table_lock. */
export const pud_lockptr = (mm: mm_struct): Mutex => mm.page_table_lock;
/** pmd_lockptr(): the split ptlock of the PMD table. */
export const pmd_lockptr = (mm: mm_struct, va: number): Mutex => mm.pgtables.ptlock('pmd', va);
/** pte_lockptr(): the split ptlock of the PTE table. */
export const pte_lockptr = (mm: mm_struct, va: number): Mutex => mm.pgtables.ptlock('pte', va);

/** pgd_addr_end() and friends: the end of the entry of `level` holding addr, capped at end. */
export function level_addr_end(mm: mm_struct, level: pt_level, addr: number, end: number): number {
  const span = mm.pgtables.span(level);
  return Math.min(ALIGN_DOWN(addr, span) + span, end);
}

/** Reads one entry (a lockless READ_ONCE of *pmd and the like). */
export function read_entry(e: Shared<pt_entry>, what: string): Gen<pt_entry> {
  return atomic({ reads: [e] }, what, () => e.value);
}

/** Allocates the table below entry e under lock, unless another thread did (the __*_alloc pattern). */
function* populate_table(lock: Mutex, e: Shared<pt_entry>, what: string): Gen {
  yield* lock.lock();
  yield* atomic({ writes: [e] }, what, () => {
    if (e.value.kind === 'none') e.value = PT_TABLE;
  });
  yield* lock.unlock();
}

// mm/memory.c: __pud_alloc() populates the p4d (= pgd) entry under mm->page_table_lock.
const __pud_alloc = kfunc('__pud_alloc', function* (mm: mm_struct, va: number): Gen {
  yield* populate_table(mm.page_table_lock, pgd_offset(mm, va), 'p4d_populate');
});

// include/linux/mm.h: pud_alloc() allocates the PUD table for va if there is none.
export const pud_alloc = kfunc('pud_alloc', function* (mm: mm_struct, va: number): Gen {
  const e = pgd_offset(mm, va);
  if ((yield* read_entry(e, 'p4d_none?')).kind === 'none') yield* __pud_alloc(mm, va);
});

// mm/memory.c: __pmd_alloc() populates the PUD entry under pud_lock().
const __pmd_alloc = kfunc('__pmd_alloc', function* (mm: mm_struct, va: number): Gen {
  yield* populate_table(pud_lockptr(mm), pud_offset(mm, va), 'pud_populate');
});

// include/linux/mm.h: pmd_alloc(); returns the PUD entry it saw (a leaf means no PMD table).
export const pmd_alloc = kfunc('pmd_alloc', function* (mm: mm_struct, va: number): Gen<pt_entry> {
  const pud = yield* read_entry(pud_offset(mm, va), 'pud_none?');
  if (pud.kind === 'none') yield* __pmd_alloc(mm, va);
  return pud;
});

// mm/memory.c: __pte_alloc() -> pmd_install() populates the PMD entry under pmd_lock().
const __pte_alloc = kfunc('__pte_alloc', function* (mm: mm_struct, va: number): Gen {
  yield* populate_table(pmd_lockptr(mm, va), pmd_offset(mm, va), 'pmd_populate');
});

// include/linux/mm.h: pte_alloc(); returns the PMD entry it saw (a leaf means no PTE table).
export const pte_alloc = kfunc('pte_alloc', function* (mm: mm_struct, va: number): Gen<pt_entry> {
  const pmd = yield* read_entry(pmd_offset(mm, va), 'pmd_none?');
  if (pmd.kind === 'none') yield* __pte_alloc(mm, va);
  return pmd;
});

/** A leaf the MMU reaches for an address. */
export interface walk_hit {
  readonly level: 'pte' | 'pmd' | 'pud';
  /** virtual address where the leaf starts */
  readonly base: number;
  readonly leaf: pt_leaf;
  /** the frame the address itself reaches */
  readonly pfn: number;
}

/** The entries a hardware walk of va reads, top to bottom. */
export function walk_path(mm: mm_struct, va: number): Shared<pt_entry>[] {
  return [pgd_offset(mm, va), pud_offset(mm, va), pmd_offset(mm, va), pte_offset(mm, va)];
}

/** What the MMU finds for va in the current entries (call inside a step that reads walk_path). */
export function walk(mm: mm_struct, va: number): walk_hit | null {
  const pt = mm.pgtables;
  if (pt.peek('pgd', va).kind !== 'table') return null;
  for (const level of ['pud', 'pmd', 'pte'] as const) {
    const e = pt.peek(level, va);
    if (e.kind === 'none') return null;
    if (e.kind === 'leaf') {
      const base = ALIGN_DOWN(va, pt.span(level));
      return { level, base, leaf: e, pfn: e.pfn + Math.floor((va - base) / mm.arch.page_size) };
    }
  }
  return null;
}

/** Whether every entry above (level, base) points to a table, so the entry is in use. */
function reachable(pt: page_tables, level: pt_level, base: number): boolean {
  for (let up = PARENT[level]; up; up = PARENT[up]) if (pt.peek(up, base).kind !== 'table') return false;
  return true;
}

/** A leaf the MMU can reach. */
export interface present_leaf {
  readonly level: 'pte' | 'pmd' | 'pud';
  readonly start: number;
  readonly end: number;
  readonly pfn: number;
}

/** Every reachable leaf of mm, in address order: for final checks and snapshots, not for steps. */
export function present_leaves(mm: mm_struct): present_leaf[] {
  const pt = mm.pgtables;
  const out: present_leaf[] = [];
  for (const s of pt.all()) {
    const e = s.entry.value;
    if (e.kind !== 'leaf' || s.level === 'pgd') continue;
    if (reachable(pt, s.level, s.base)) out.push({ level: s.level, start: s.base, end: s.base + pt.span(s.level), pfn: e.pfn });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Page tables allocated below the pgd, per level (what an alignment analysis counts). */
export function count_tables(mm: mm_struct): { pud: number; pmd: number; pte: number } {
  const n = { pud: 0, pmd: 0, pte: 0 };
  for (const s of mm.pgtables.all()) {
    if (s.entry.value.kind === 'table' && reachable(mm.pgtables, s.level, s.base)) n[CHILD[s.level] as 'pud' | 'pmd' | 'pte']++;
  }
  return n;
}

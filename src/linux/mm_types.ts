// The kernel structures the model passes around (include/linux/mm_types.h, include/linux/fs.h,
// include/linux/mm.h) and the constants of the mmap(2) interface. Fields a concurrent thread can
// change live in engine objects; plain fields are written only while the object is private to
// one thread or protected as in the kernel (vm_area_struct fields under mmap_lock + VMA lock).
import type { Cell, Gen, RwSem, Shared } from '../engine/index.js';
import type { mm_struct } from './mm.js';
import type { pt_entry } from './pgtable.js';
import type { mm_layout } from './unmapped_area.js';
import type { Arch } from './arch.js';

export type VmFlag =
  | 'VM_READ' | 'VM_WRITE' | 'VM_EXEC' | 'VM_SHARED'
  | 'VM_MAYREAD' | 'VM_MAYWRITE' | 'VM_MAYEXEC' | 'VM_MAYSHARE'
  | 'VM_IO' | 'VM_PFNMAP' | 'VM_MIXEDMAP' | 'VM_DONTEXPAND' | 'VM_DONTDUMP'
  | 'VM_HUGEPAGE' | 'VM_NOHUGEPAGE';

/** The flags a PFN remap sets (VM_REMAP_FLAGS, include/linux/mm.h). */
export const VM_REMAP_FLAGS: readonly VmFlag[] = ['VM_IO', 'VM_PFNMAP', 'VM_DONTEXPAND', 'VM_DONTDUMP'];

// mmap(2) protections and flags (include/uapi/asm-generic/mman-common.h): small bit sets.
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_FIXED_NOREPLACE = 0x100000;

// errno values (include/uapi/asm-generic/errno-base.h); functions return them negated.
export const EPERM = 1;
export const EINTR = 4;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const EOVERFLOW = 75;

/** An address or an error: errors are negative. */
export function IS_ERR_VALUE(x: number): boolean {
  return x < 0;
}

// vm_fault_t (include/linux/mm_types.h): 0 is a handled fault.
export const VM_FAULT_OOM = 'VM_FAULT_OOM';
export const VM_FAULT_SIGBUS = 'VM_FAULT_SIGBUS';
export const VM_FAULT_SIGSEGV = 'VM_FAULT_SIGSEGV';
export const VM_FAULT_NOPAGE = 'VM_FAULT_NOPAGE';
export const VM_FAULT_FALLBACK = 'VM_FAULT_FALLBACK';
/** the fault released the per-VMA lock and must be retried under mmap_lock (vmf_can_call_fault) */
export const VM_FAULT_RETRY = 'VM_FAULT_RETRY';
export type vm_fault_t =
  | 0 | typeof VM_FAULT_OOM | typeof VM_FAULT_SIGBUS | typeof VM_FAULT_SIGSEGV
  | typeof VM_FAULT_NOPAGE | typeof VM_FAULT_FALLBACK | typeof VM_FAULT_RETRY;

/** VM_FAULT_ERROR */
export function fault_is_error(r: vm_fault_t): boolean {
  return r === VM_FAULT_OOM || r === VM_FAULT_SIGBUS || r === VM_FAULT_SIGSEGV;
}

export interface address_space {
  readonly name: string;
  /** the machine the inode lives on (PAGE_SIZE for byte-to-page conversions) */
  readonly arch: Arch;
  /** i_mmap: the VMAs that map this file, searched by page-offset interval */
  readonly i_mmap: Shared<vm_area_struct[]>;
  readonly i_mmap_rwsem: RwSem;
}

export interface file {
  readonly name: string;
  readonly f_op: file_operations;
  /** f_mapping: for VFIO, the device inode's address_space shared by every fd */
  readonly f_mapping: address_space;
  /** FMODE_WRITE */
  readonly f_mode_write: boolean;
  private_data: unknown;
}

export interface file_operations {
  readonly name?: string;
  /** legacy ->mmap(file, vma): runs before the VMA is in the VMA tree or i_mmap; 0 or -errno */
  mmap?(file: file, vma: vm_area_struct): Gen<number>;
  /** ->mmap_prepare(desc): no VMA yet; may request desc->action; 0 or -errno */
  mmap_prepare?(desc: vm_area_desc): Gen<number>;
  /**
   * ->get_unmapped_area(file, addr, len, pgoff, flags): a pure function; the model passes the
   * mm's layout (the kernel reads current->mm). Returns the address or -errno.
   */
  get_unmapped_area?(file: file | null, addr: number, len: number, pgoff: number, flags: number, mm: mm_layout): number;
}

/** The driver's private data, passed by reference as vm_ops->mapped()'s `void **`. */
export interface private_ref {
  value: unknown;
}

export interface vm_operations_struct {
  readonly name?: string;
  fault?(vmf: vm_fault): Gen<vm_fault_t>;
  huge_fault?(vmf: vm_fault, order: number): Gen<vm_fault_t>;
  /** mm tree 2026: called after the mmap action, before i_mmap_rwsem is released; 0 or -errno */
  mapped?(start: number, end: number, pgoff: number, file: file | null, vm_private_data: private_ref): Gen<number>;
  close?(vma: vm_area_struct): Gen<void>;
  /**
   * PROPOSED, in no kernel (see KernelVersion.proposed_populate_hook): called by __mmap_region
   * after vma_link_file() with i_mmap_rwsem released and mmap_lock held for write; 0 or -errno
   * (an error unmaps the new VMA).
   */
  populate?(vma: vm_area_struct): Gen<number>;
}

/** The per-VMA lock: vm_lock_seq, the reader count of vm_refcnt, and whether it is detached. */
export interface vma_lock_state {
  readonly vm_lock_seq: number;
  readonly readers: number;
  readonly detached: boolean;
}

export interface vm_area_struct {
  readonly name: string;
  readonly vm_mm: mm_struct;
  readonly vm_start: number;
  readonly vm_end: number;
  /** page offset of vm_start in the file */
  readonly vm_pgoff: number;
  vm_flags: Set<VmFlag>;
  vm_file: file | null;
  vm_ops: vm_operations_struct | null;
  vm_private_data: unknown;
  readonly vm_lock: Cell<vma_lock_state>;
}

export interface fault_flags {
  /** FAULT_FLAG_WRITE */
  readonly write: boolean;
  /** FAULT_FLAG_VMA_LOCK: the fault holds the per-VMA lock, not mmap_lock */
  readonly vma_lock: boolean;
}

export interface vm_fault {
  readonly vma: vm_area_struct;
  /** the faulting address rounded down to a page */
  readonly address: number;
  readonly real_address: number;
  /** linear_page_index(vma, address) */
  readonly pgoff: number;
  readonly flags: fault_flags;
  /** vmf->pud and vmf->pmd: the entries __handle_mm_fault() walked to (null before it got there) */
  pud: Shared<pt_entry> | null;
  pmd: Shared<pt_entry> | null;
}

export type mmap_action_type = 'MMAP_NOTHING' | 'MMAP_REMAP_PFN' | 'MMAP_IO_REMAP_PFN';

export interface mmap_action {
  type: mmap_action_type;
  remap: { start: number; start_pfn: number; size: number };
  /** keep i_mmap_rwsem write-held from vma_link_file() until the action completes */
  hide_from_rmap_until_complete: boolean;
  /** 'hooks' API (6.19, 7.0): after a successful action; 0 or -errno */
  success_hook?(vma: vm_area_struct): Gen<number>;
  /** 'hooks' API: filters the error after the VMA was unmapped */
  error_hook?(err: number): number;
  /** 'mapped' API (mm tree 2026): the error returned instead of the action's, if set */
  error_override?: number;
}

export interface vm_area_desc {
  readonly mm: mm_struct;
  readonly file: file;
  readonly start: number;
  readonly end: number;
  pgoff: number;
  vm_file: file;
  vm_flags: Set<VmFlag>;
  vm_ops: vm_operations_struct | null;
  private_data: unknown;
  action: mmap_action;
}

/** vma_pages() */
export function vma_pages(vma: vm_area_struct): number {
  return (vma.vm_end - vma.vm_start) / vma.vm_mm.arch.page_size;
}

/** vma_is_anonymous(): the model has no anonymous vm_ops, so a VMA without a file */
export function vma_is_anonymous(vma: vm_area_struct): boolean {
  return vma.vm_file === null;
}

/** linear_page_index() */
export function linear_page_index(vma: vm_area_struct, address: number): number {
  return vma.vm_pgoff + Math.floor((address - vma.vm_start) / vma.vm_mm.arch.page_size);
}

/** vm_flags_set(): only while the VMA is private or write-locked */
export function vm_flags_set(vma: vm_area_struct, ...flags: VmFlag[]): void {
  for (const f of flags) vma.vm_flags.add(f);
}

/** is_cow_mapping(): private and may be written */
export function is_cow_mapping(flags: ReadonlySet<VmFlag>): boolean {
  return !flags.has('VM_SHARED') && flags.has('VM_MAYWRITE');
}

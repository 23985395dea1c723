// A deadlock or lock-order cycle in the shape of lockdep's report ("possible circular
// locking dependency detected"), so that kernel developers recognise it at once.
import type { CheckResult, LockEdge, Violation } from '../engine/index.js';
import { locksHeld } from './locks.js';

const RULE = '======================================================';
const THIN = '------------------------------------------------------';

const stack = (frames: string[], what: string): string[] =>
  [what, ...[...frames].reverse()].map((f) => `       ${f}`);

function cycleReport(edges: LockEdge[]): string[] {
  const last = edges[edges.length - 1];
  const out = [
    RULE, 'WARNING: possible circular locking dependency detected', THIN,
    `${last.thread} is trying to acquire lock:`,
    ` (${last.to}){${last.toMode === 'read' ? '.+.+' : '+.+.'}}, at: ${lastFrame(last)}`,
    '', 'but task is already holding lock:',
    ` (${last.from}){${last.fromMode === 'read' ? '.+.+' : '+.+.'}}`,
    '', 'which lock already depends on the new lock.', '',
    'the existing dependency chain (in reverse order) is:',
  ];
  edges.forEach((e, i) => {
    const n = edges.length - 1 - i;
    const acq = e.trace.events[e.trace.events.length - 1];
    out.push('', `-> #${n} (${e.to}){${e.toMode === 'read' ? '.+.+' : '+.+.'}}:`,
      ...stack(acq?.frames ?? [], acq ? `${acq.op} ${acq.object}` : e.to),
      `       [${e.thread}, holding ${e.from}; replay: ${e.trace.schedule}]`);
  });
  out.push('', 'other info that might help us debug this:', '', ' Possible unsafe locking scenario:', '');
  if (edges.length === 2) {
    const [a, b] = edges;
    const w = 28;
    out.push(`       ${'CPU0'.padEnd(w)}CPU1`, `       ${'----'.padEnd(w)}----`,
      `  lock(${a.from});`, `${' '.repeat(7 + w)}lock(${b.from});`,
      `${' '.repeat(7 + w)}lock(${a.from});`, `  lock(${a.to});`, '', ' *** DEADLOCK ***');
  } else {
    for (const e of edges) out.push(`  ${e.thread}: holds ${e.from}, takes ${e.to}`);
    out.push('', ' *** DEADLOCK ***');
  }
  return out;
}

function lastFrame(e: LockEdge): string {
  const acq = e.trace.events[e.trace.events.length - 1];
  return acq?.frames[acq.frames.length - 1] ?? e.thread;
}

function deadlockReport(v: Violation): string[] {
  const held = locksHeld(v.trace);
  const end = held[held.length - 1] ?? new Map();
  const out = [RULE, 'WARNING: deadlock: every remaining task is blocked', THIN];
  for (const b of v.blocked ?? []) {
    out.push('', `${b.thread} is blocked on ${b.waitsFor} (${b.op}), holding:`);
    const locks = end.get(b.thread) ?? [];
    if (locks.length === 0) out.push('  no locks');
    locks.forEach((h, i) => out.push(` #${i}: (${h.object}){${h.mode === 'read' ? '.+.+' : '+.+.'}}, taken at step ${h.step}:`, ...stack(h.frames, `${h.mode === 'read' ? 'read-lock' : 'lock'} ${h.object}`)));
  }
  out.push('', ` replay: ${v.trace.schedule}`, '', ' *** DEADLOCK ***');
  return out;
}

/** The lockdep-style report of a result's deadlock and lock-order cycles; null if it has none. */
export function renderLockdep(r: CheckResult): string | null {
  const reports: string[][] = [];
  const all = [r.violation, ...(r.cycles ?? [])].filter((v): v is Violation => !!v);
  for (const v of all) {
    if (v.kind === 'deadlock') reports.push(deadlockReport(v));
    else if (v.kind === 'lock-order-cycle' && v.cycle) reports.push(cycleReport(v.cycle));
  }
  return reports.length ? reports.map((x) => x.join('\n')).join('\n\n') + '\n' : null;
}

// A trace as a table with one column per thread, in the style kernel developers use in email
// ("CPU 0 / CPU 1"): each column is that thread's call tree, indented one space per level, and
// the rows follow the order in which the steps ran.
//
// Elision rules, so that deep kernel paths fit:
// 1. Chains: a frame that takes no step itself and calls only one function is merged with its
//    callee. The chain is shown by its last frame if that one takes steps of its own among other
//    things (where the work happens, e.g. a driver's ->mmap under mmap_file); otherwise by its
//    first frame (the function the caller named), with the last frame beneath it if that one is
//    a single step. Frames the caller marks as landmarks (`landmark`) are shown wherever they are
//    in a chain, nested under its first frame (e.g. unmap_mapping_range under vfio_pci_zap_bars).
// 2. Depth: frames deeper than `maxDepth` levels (after rule 1) are not shown; the frame at that
//    depth stands for everything it called.
// 3. Steps: a frame whose only content is one step is shown by its name alone; other steps are
//    shown by what they do (or "op object") beneath their frame. The failing step of a violation
//    is always shown, marked "!!", and a deadlock's waits are added at the bottom ("waits for").
// 4. Width: a line longer than its column loses the middle of its text to "…", keeping the start
//    and the end. Columns are (width - 2 * (threads - 1)) / threads wide, at least `minColumn`;
//    two threads fit in 72 characters, more may not.
// 5. Steps the caller hides (`hide`, e.g. coverage instrumentation) are left out.
import type { Trace, TraceEvent } from '../engine/index.js';

export interface ColumnOptions {
  /** total width (default 72) */
  width?: number;
  /** narrowest column (default 22) */
  minColumn?: number;
  /** frames shown below each thread's top level (default 5) */
  maxDepth?: number;
  /** mark the last step as the failing one (default true) */
  markLast?: boolean;
  /** threads that are blocked at the end and what they wait for */
  blocked?: readonly { readonly thread: string; readonly waitsFor: string }[];
  /** steps not to show (a model's own instrumentation) */
  hide?: (e: TraceEvent) => boolean;
  /** frames never merged away in a chain (rule 1) */
  landmark?: (frame: string) => boolean;
}

interface Node {
  readonly name: string;
  readonly children: (Node | Leaf)[];
}

interface Leaf {
  readonly event: TraceEvent;
}

const isLeaf = (x: Node | Leaf): x is Leaf => 'event' in x;

/** The call tree of one thread's events: consecutive events under the same frame share a node. */
function callTree(events: readonly TraceEvent[], level = 0): (Node | Leaf)[] {
  const out: (Node | Leaf)[] = [];
  for (let i = 0; i < events.length;) {
    const e = events[i];
    if (e.frames.length <= level) {
      out.push({ event: e });
      i++;
      continue;
    }
    let j = i;
    while (j < events.length && events[j].frames.length > level && events[j].frames[level] === e.frames[level]) j++;
    out.push({ name: e.frames[level], children: callTree(events.slice(i, j), level + 1) });
    i = j;
  }
  return out;
}

/** A line a thread shows: a frame or a step, at a display depth. */
interface Row {
  readonly depth: number;
  readonly text: string;
}

/**
 * For every event of the thread, the rows to print before and with it: each shown frame once,
 * where its first event is, and the event itself if it is shown.
 */
function threadRows(events: readonly TraceEvent[], maxDepth: number, failing: TraceEvent | null,
  landmark: (frame: string) => boolean): Map<TraceEvent, Row[]> {
  const rows = new Map<TraceEvent, Row[]>();
  const add = (e: TraceEvent, r: Row) => {
    const list = rows.get(e);
    if (list) list.push(r);
    else rows.set(e, [r]);
  };
  const firstEvent = (n: Node | Leaf): TraceEvent => (isLeaf(n) ? n.event : firstEvent(n.children[0]));
  const allEvents = (n: Node | Leaf, into: TraceEvent[]): TraceEvent[] => {
    if (isLeaf(n)) into.push(n.event);
    else for (const c of n.children) allEvents(c, into);
    return into;
  };
  const stepText = (e: TraceEvent) => (e.what ? e.what : `${e.op} ${e.object}`);
  const show = (items: readonly (Node | Leaf)[], depth: number): void => {
    for (const item of items) {
      if (isLeaf(item)) {
        add(item.event, { depth, text: item.event === failing ? `!! ${stepText(item.event)}` : stepText(item.event) });
        continue;
      }
      // rule 1: follow the chain of single callees
      const chain: Node[] = [item];
      while (chain[chain.length - 1].children.length === 1 && !isLeaf(chain[chain.length - 1].children[0])) {
        chain.push(chain[chain.length - 1].children[0] as Node);
      }
      const last = chain[chain.length - 1];
      const single = last.children.length === 1 && isLeaf(last.children[0]);
      const first = firstEvent(item);
      const works = last.children.some(isLeaf) && !single;
      const shown = chain.filter((f, i) => (i === 0 && !works) || (i > 0 && i < chain.length - 1 && landmark(f.name)) ||
        (i === chain.length - 1 && (works || single || landmark(f.name))));
      let below = depth;
      for (const f of shown) if (below <= maxDepth) add(first, { depth: below++, text: f.name });
      if (below > maxDepth || single) {
        // rules 2 and 3: the frame stands for what it contains, except a failing step
        if (failing && allEvents(last, []).includes(failing)) add(failing, { depth: Math.min(below, maxDepth + 1), text: `!! ${stepText(failing)}` });
        continue;
      }
      show(last.children, below);
    }
  };
  show(callTree(events), 0);
  return rows;
}

/** Shortens text to n characters by cutting its middle (rule 4). */
export function elide(text: string, n: number): string {
  if (text.length <= n) return text;
  if (n <= 1) return text.slice(0, n);
  const head = Math.ceil((n - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (n - 1 - head))}`;
}

/** The trace as a CPU-column table. */
export function renderColumns(trace: Trace, opts: ColumnOptions = {}): string {
  const hide = opts.hide;
  const events = hide ? trace.events.filter((e) => !hide(e)) : trace.events;
  const threads = trace.threads.filter((t) => events.some((e) => e.thread === t) || opts.blocked?.some((b) => b.thread === t));
  const n = Math.max(threads.length, 1);
  const gap = 2;
  const col = Math.max(opts.minColumn ?? 22, Math.floor(((opts.width ?? 72) - gap * (n - 1)) / n));
  const maxDepth = opts.maxDepth ?? 5;
  const failing = (opts.markLast ?? true) && events.length ? events[events.length - 1] : null;
  const landmark = opts.landmark ?? (() => false);
  const perThread = new Map(threads.map((t) => [t, threadRows(events.filter((e) => e.thread === t), maxDepth, failing, landmark)]));
  const cell = (depth: number, text: string) => elide(' '.repeat(Math.min(depth, 8)) + text, col);
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(col))).join(' '.repeat(gap)).trimEnd();
  const heads = threads.map((t) => elide(`${t} CPU ${trace.threads.indexOf(t)}`, col));
  const out = [line(heads), line(heads.map((h) => '='.repeat(h.length)))];
  for (const e of events) {
    const k = threads.indexOf(e.thread);
    for (const r of perThread.get(e.thread)!.get(e) ?? []) {
      const cells = threads.map(() => '');
      cells[k] = cell(r.depth, r.text);
      out.push(line(cells));
    }
  }
  for (const b of opts.blocked ?? []) {
    const k = threads.indexOf(b.thread);
    if (k < 0) continue;
    const cells = threads.map(() => '');
    cells[k] = cell(0, `waits for ${b.waitsFor}`);
    out.push(line(cells));
  }
  return out.join('\n') + '\n';
}

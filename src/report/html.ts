// One self-contained HTML file (no network access) to step through a counterexample: at
// each step every thread's call frames, the locks held, and the model's state as its
// snapshot() describes it (sections of rows: VMA tree, i_mmap, page-table leaves, device).
import type { CheckResult, Replayed } from '../engine/index.js';
import { locksHeld } from './locks.js';
import { verdictLine, statsLine } from './text.js';

export interface HtmlInput {
  result: CheckResult;
  /** the counterexample replayed with snapshots (replay(model, schedule, { snapshots: true })) */
  replayed?: Replayed;
  /** extra self-contained SVG figures to show below the trace */
  figures?: string[];
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON that is safe inside a <script> element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header{padding:12px 20px;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:18px;margin:0 0 4px}
.verdict-violated,.verdict-model-error{color:#b00020}.verdict-holds{color:#1b7f3b}.verdict-incomplete{color:#a06000}
main{display:grid;grid-template-columns:minmax(420px,1fr) minmax(380px,1fr);gap:16px;padding:16px 20px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 12px;overflow:auto}
h2{font-size:15px;margin:4px 0 8px}
table{border-collapse:collapse;width:100%;font:12px/1.35 ui-monospace,monospace}
td,th{border-bottom:1px solid #eee;padding:2px 6px;text-align:left;vertical-align:top}
tr.step{cursor:pointer}tr.step:hover{background:#f3f6ff}
tr.current{background:#dbe6ff}tr.violating td{color:#b00020;font-weight:600}
tr.future td{color:#aaa}
.controls{display:flex;gap:8px;align-items:center;margin-bottom:8px}
button{font:inherit;padding:2px 10px}
.frames{font:12px ui-monospace,monospace;white-space:pre}
.stale{background:#ffe3e3}
pre{font:12px ui-monospace,monospace;margin:0}
`;

const SCRIPT = `
const data = JSON.parse(document.getElementById('data').textContent);
const ev = data.events, n = ev.length;
let cur = n - 1;
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
function cell(v) { return typeof v === 'string' ? v : JSON.stringify(v); }
function table(rows) {
  if (!rows.length) return '<p><i>empty</i></p>';
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'stale');
  return '<table><tr>' + keys.map((k) => '<th>' + esc(k) + '</th>').join('') + '</tr>' +
    rows.map((r) => '<tr' + (r.stale ? ' class="stale" data-stale="1"' : '') + '>' + keys.map((k) => '<td>' + esc(r[k] === undefined ? '' : cell(r[k])) + '</td>').join('') + '</tr>').join('') + '</table>';
}
function section(title, v) {
  const body = Array.isArray(v) && v.every((r) => r && typeof r === 'object' && !Array.isArray(r)) ? table(v)
    : '<pre>' + esc(JSON.stringify(v, null, 2)) + '</pre>';
  return '<h2>' + esc(title) + '</h2><div data-section="' + esc(title) + '">' + body + '</div>';
}
function render() {
  $('pos').textContent = n ? (cur + 1) + ' / ' + n : '0 / 0';
  document.querySelectorAll('tr.step').forEach((tr) => {
    const i = +tr.dataset.i;
    tr.classList.toggle('current', i === cur);
    tr.classList.toggle('future', i > cur);
  });
  const frames = {};
  for (const t of data.threads) frames[t] = '(not started)';
  for (let i = 0; i <= cur; i++) frames[ev[i].thread] = ev[i].frames.join('\\n  > ') || '(top level)';
  $('frames').innerHTML = data.threads.map((t) => '<b>' + esc(t) + '</b><div class="frames">  ' + esc(frames[t]) + '</div>').join('');
  const held = cur >= 0 ? data.held[cur] : {};
  $('locks').innerHTML = table(data.threads.flatMap((t) => (held[t] || []).map((h) => ({ thread: t, lock: h.object, mode: h.mode, 'taken at step': h.step }))));
  const snap = cur >= 0 ? data.snapshots[cur] : data.initial;
  $('state').innerHTML = snap && typeof snap === 'object' ? Object.entries(snap).map(([k, v]) => section(k, v)).join('')
    : '<p><i>the model has no snapshot()</i></p>';
  const row = document.querySelector('tr.step[data-i="' + cur + '"]');
  if (row) row.scrollIntoView({ block: 'nearest' });
}
function go(i) { cur = Math.max(-1, Math.min(n - 1, i)); render(); }
$('prev').onclick = () => go(cur - 1);
$('next').onclick = () => go(cur + 1);
$('first').onclick = () => go(-1);
$('last').onclick = () => go(n - 1);
document.querySelectorAll('tr.step').forEach((tr) => tr.onclick = () => go(+tr.dataset.i));
document.addEventListener('keydown', (e) => { if (e.key === 'ArrowLeft') go(cur - 1); if (e.key === 'ArrowRight') go(cur + 1); });
render();
`;

export function renderHtml({ result, replayed, figures = [] }: HtmlInput): string {
  const v = result.violation;
  const trace = replayed?.trace ?? v?.trace;
  const events = trace?.events ?? [];
  const held = trace ? locksHeld(trace).map((m) => Object.fromEntries(m)) : [];
  const data = {
    threads: trace?.threads ?? [], events, held,
    snapshots: replayed?.snapshots ?? events.map(() => null), initial: replayed?.initial ?? null,
  };
  const violatingStep = v ? events.length - 1 : -1;
  const rows = events.map((e, i) => {
    const cls = `step${i === violatingStep ? ' violating' : ''}`;
    const value = e.value === undefined ? '' : typeof e.value === 'string' ? e.value : JSON.stringify(e.value);
    return `<tr class="${cls}" data-i="${i}"><td>${i}</td><td>${escapeHtml(e.thread)}</td><td>${escapeHtml(e.frames[e.frames.length - 1] ?? '')}</td>` +
      `<td>${escapeHtml(e.what ?? e.op)}</td><td>${escapeHtml(e.object)}</td><td>${escapeHtml(value)}</td></tr>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mmcheck: ${escapeHtml(result.model)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<style>${STYLE}</style></head><body>
<header><h1 class="verdict-${result.verdict}">${escapeHtml(verdictLine(result))}</h1>
${v ? `<div id="message">${escapeHtml(v.message)}</div><div>schedule <code>${escapeHtml(v.trace.schedule)}</code></div>` : ''}
<div>${escapeHtml(`${result.strategy}: ${statsLine(result.stats)}`)}</div></header>
<main>
<section><div class="controls"><button id="first">⏮</button><button id="prev">◀</button><span id="pos"></span><button id="next">▶</button><button id="last">⏭</button></div>
<table id="trace"><tr><th>#</th><th>thread</th><th>in</th><th>step</th><th>object</th><th>value</th></tr>
${rows}
</table></section>
<section><h2>Threads</h2><div id="frames"></div><h2>Locks held</h2><div id="locks"></div><div id="state"></div></section>
</main>
${figures.map((f) => `<section style="margin:0 20px 16px">${f}</section>`).join('\n')}
<script type="application/json" id="data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}

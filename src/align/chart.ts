// Charts as standalone SVG strings (no scripts, no external resources), for files and for an
// HTML report to embed inline.
import { summarize, type align_report } from './analyze.js';
import { format_size, hex } from './sizes.js';
import { SHORT_NAMES, describe_arch } from './render.js';
import { POLICY_NAMES } from './policy.js';
import type { case_row } from './cases.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const FONT = 'font-family="ui-monospace, Menlo, Consolas, monospace" font-size="12"';
const GOOD = '#2e7d32';
const BAD = '#c62828';
const MID = '#ef6c00';

function svg(width: number, height: number, body: string[], title: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
  ].join('\n') + '\n';
}

function text(x: number, y: number, s: string, extra = ''): string {
  return `<text x="${x}" y="${y}" ${FONT} ${extra}>${esc(s)}</text>`;
}

/** Faults per policy on a log scale: a bar (one layout) or min..max with the median (several); green at the bound. */
export function align_chart_svg(r: align_report): string {
  const rows = summarize(r);
  const best = r.best.counts?.faults ?? 1;
  const top = Math.max(2, ...rows.map((s) => s.faults?.max ?? 1));
  const decades = Math.ceil(Math.log10(top * 1.5));
  const left = 130, plot = 520, right = 110, row = 24, head = 58;
  const x = (n: number) => left + (Math.log10(Math.max(n, 1)) / decades) * plot;
  const width = left + plot + right, height = head + rows.length * row + 30;
  const body: string[] = [
    text(10, 20, `Faults to touch every page: ${format_size(r.region.size)} at ${hex(r.region.phys)}`, 'font-weight="bold"'),
    text(10, 38, `${describe_arch(r.arch)}; kernel ${r.kernel.name}; ` +
      (r.layouts.length > 1 ? `${r.layouts.length} layouts: min / median / max` : `layout ${r.layouts[0]}`)),
  ];
  for (let d = 0; d <= decades; d++) {
    const gx = x(10 ** d);
    body.push(`<line x1="${gx}" y1="${head - 6}" x2="${gx}" y2="${head + rows.length * row}" stroke="#dddddd"/>`);
    body.push(text(gx - 4, head + rows.length * row + 16, d <= 3 ? String(10 ** d) : `1e${d}`, 'fill="#666666"'));
  }
  rows.forEach((s, i) => {
    const y = head + i * row;
    body.push(text(10, y + 15, s.policy));
    if (!s.faults) {
      body.push(text(left + 4, y + 15, 'mmap failed', `fill="${BAD}"`));
      return;
    }
    const colour = s.faults.max === best ? GOOD : s.faults.min === best ? MID : BAD;
    if (s.runs === 1) {
      body.push(`<rect x="${left}" y="${y + 4}" width="${Math.max(2, x(s.faults.max) - left)}" height="${row - 8}" fill="${colour}"/>`);
    } else {
      body.push(`<line x1="${x(s.faults.min)}" y1="${y + row / 2}" x2="${x(s.faults.max)}" y2="${y + row / 2}" stroke="${colour}" stroke-width="4"/>`);
      body.push(`<circle cx="${x(s.faults.median)}" cy="${y + row / 2}" r="5" fill="${colour}"/>`);
    }
    const label = s.runs === 1 ? String(s.faults.max) : `${s.faults.min} / ${s.faults.median} / ${s.faults.max}`;
    body.push(text(x(s.faults.max) + 10, y + 15, label));
  });
  return svg(width, height, body, `mmcheck align: faults per policy, ${format_size(r.region.size)} region on ${r.arch.name}`);
}

/** The built-in cases as a grid: one row per case and arch, one column per policy, coloured by faults over the bound. */
export function cases_chart_svg(rows: readonly case_row[]): string {
  const policies = POLICY_NAMES;
  const left = 200, cw = 84, rh = 22, head = 60;
  const width = left + policies.length * cw + 10, height = head + rows.length * rh + 40;
  const body: string[] = [
    text(10, 20, 'Faults to touch every page (colour: times the lower bound, log scale)', 'font-weight="bold"'),
  ];
  policies.forEach((p, j) => body.push(text(left + j * cw + cw / 2, head - 10, SHORT_NAMES[p], 'text-anchor="middle"')));
  rows.forEach((row, i) => {
    const y = head + i * rh;
    if (i && row.arch !== rows[i - 1].arch) body.push(`<line x1="10" y1="${y - 1}" x2="${width - 10}" y2="${y - 1}" stroke="#555555"/>`);
    body.push(text(10, y + 15, `${row.arch.name} ${row.case.label}`));
    const best = row.report.best.counts?.faults ?? 1;
    policies.forEach((p, j) => {
      const run = p === 'best' ? row.report.best : row.report.runs.find((x) => x.policy === p);
      const faults = run?.counts?.faults;
      const ratio = faults === undefined ? Infinity : faults / best;
      // green at the bound, red from 2^12 times it on
      const t = Math.min(1, Math.log2(Math.max(ratio, 1)) / 12);
      const fill = faults === undefined ? '#eeeeee' : `hsl(${Math.round(120 * (1 - t))}, 65%, ${Math.round(80 - 15 * t)}%)`;
      body.push(`<rect x="${left + j * cw}" y="${y}" width="${cw - 2}" height="${rh - 2}" fill="${fill}"/>`);
      body.push(text(left + j * cw + cw / 2, y + 15, faults === undefined ? 'failed' : String(faults), 'text-anchor="middle"'));
    });
  });
  body.push(text(10, head + rows.length * rh + 24, 'faults = leaves installed; best = va ≡ pa modulo the largest leaf', 'fill="#666666"'));
  return svg(width, height, body, 'mmcheck align: built-in cases');
}

// Charts drawn as SVG by hand: a line, vertical bars (negative values below a zero line) or
// horizontal bars. Each chart can be switched to a table of the same rows and downloaded as CSV.

import { h, s, uid } from './dom.js';

const COLOURS = ['#1d4ed8', '#0f766e', '#b45309']; // at least 3:1 against white (WCAG 1.4.11)
const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
// The drawing's width in SVG units, set per drawing: narrower on a phone, so that once the
// SVG is scaled to the screen its 12-unit text stays readable.
let W = 640;
const H = 300;
const PAD = { left: 64, right: 16, top: 16, bottom: 48 };
let LABELS = 8;

function fitToScreen() {
  const narrow = window.innerWidth < 600;
  W = narrow ? 360 : 640;
  PAD.left = narrow ? 52 : 64;
  LABELS = narrow ? 4 : 8;
}

// Axis steps of 1, 2 or 5 times a power of ten, so the gridlines read as round numbers.
function niceStep(span, count) {
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
}

function scale(rows, value) {
  const values = rows.map(value).filter((v) => Number.isFinite(v));
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values);
  const step = niceStep(high === low ? 1 : high - low, 4);
  const min = Math.floor(low / step) * step;
  const max = Math.max(Math.ceil(high / step) * step, min + step);
  const ticks = [];
  for (let t = min; t <= max + step / 2; t += step) ticks.push(Math.abs(t) < step / 1e6 ? 0 : t);
  const y = (v) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - (v - min) / (max - min));
  return { min, max, ticks, y };
}

function axes(sc, tickFormat) {
  return sc.ticks.map((t) => [
    s('line', { x1: PAD.left, x2: W - PAD.right, y1: sc.y(t), y2: sc.y(t), stroke: t === 0 ? '#6b7280' : '#e5e7eb' }),
    s('text', { x: PAD.left - 8, y: sc.y(t) + 4, 'text-anchor': 'end', 'font-size': 12, fill: '#4b5563' }, (tickFormat || compact.format)(t)),
  ]);
}

function xLabels(rows, label, x) {
  const every = Math.max(1, Math.ceil(rows.length / LABELS));
  return rows.map((row, i) => (i % every === 0
    ? s('text', { x: x(i), y: H - PAD.bottom + 18, 'text-anchor': 'middle', 'font-size': 12, fill: '#4b5563' }, label(row))
    : null));
}

function lineChart(rows, label, series) {
  const sc = scale(rows, series[0].value);
  const span = W - PAD.left - PAD.right;
  const x = (i) => PAD.left + (rows.length === 1 ? span / 2 : (span * i) / (rows.length - 1));
  const line = series[0];
  const points = rows.map((row, i) => [x(i), sc.y(line.value(row))]);
  return [
    axes(sc, line.tick),
    xLabels(rows, label, x),
    s('polyline', { points: points.map((p) => p.join(',')).join(' '), fill: 'none', stroke: COLOURS[0], 'stroke-width': 2.5 }),
    points.map(([px, py], i) => s('circle', { class: 'point', cx: px, cy: py, r: 4.5, fill: COLOURS[0] },
      s('title', null, `${label(rows[i])}: ${line.format(line.value(rows[i]))}`))),
  ];
}

function barChart(rows, label, series) {
  const sc = scale(rows, series[0].value);
  const span = W - PAD.left - PAD.right;
  const band = span / Math.max(rows.length, 1);
  const x = (i) => PAD.left + band * i + band / 2;
  const bar = series[0];
  return [
    axes(sc, bar.tick),
    xLabels(rows, label, x),
    rows.map((row, i) => {
      const v = bar.value(row);
      const y0 = sc.y(0);
      const y1 = sc.y(Number.isFinite(v) ? v : 0);
      return s('rect', { class: 'bar', x: x(i) - band * 0.35, width: band * 0.7, y: Math.min(y0, y1), height: Math.max(1, Math.abs(y1 - y0)), fill: v < 0 ? '#b91c1c' : COLOURS[0] },
        s('title', null, `${label(row)}: ${bar.format(v)}`));
    }),
  ];
}

function hbarChart(rows, label, series) {
  const bar = series[0];
  const max = Math.max(1, ...rows.map(bar.value));
  const left = Math.round(W * 0.3);
  const rowH = 26;
  const height = PAD.top + rows.length * rowH + 8;
  const width = (v) => ((W - left - (W < 600 ? 64 : 80)) * v) / max;
  const room = Math.floor((left - 10) / 7.5);
  const shorten = (t) => (t.length > room ? `${t.slice(0, room - 1)}…` : t);
  return {
    height,
    nodes: rows.map((row, i) => {
      const y = PAD.top + i * rowH;
      const v = bar.value(row);
      return [
        s('text', { x: left - 8, y: y + 16, 'text-anchor': 'end', 'font-size': 12, fill: '#1f2937' }, shorten(label(row))),
        s('rect', { class: 'bar', x: left, y: y + 3, width: Math.max(1, width(v)), height: rowH - 8, fill: COLOURS[0] },
          s('title', null, `${label(row)}: ${bar.format(v)}`)),
        s('text', { x: left + width(v) + 6, y: y + 16, 'font-size': 12, fill: '#1f2937' }, bar.format(v)),
      ];
    }),
  };
}

function csvCell(value) {
  let text = value === null || value === undefined ? '' : String(value);
  // A name that starts like a formula would run as one in a spreadsheet; numbers stay numbers.
  if (/^[=+\-@\t\r]/.test(text) && Number.isNaN(Number(text))) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The rows as CSV text: a header row, then one line per row, raw values (not localised). */
export function toCsv(columns, rows) {
  return [columns.map((c) => csvCell(c.label)), ...rows.map((row) => columns.map((c) => csvCell(c.raw(row))))]
    .map((line) => line.join(',')).join('\r\n') + '\r\n';
}

/**
 * A chart with its table and CSV: `kind` 'line' | 'bar' | 'hbar'; `series[0]` is drawn
 * ({name, value(row) -> number, format(n)}); `columns` ({label, show(row), raw(row), num})
 * make the table and the CSV.
 */
export function chart({ title, kind, rows, label, series, columns, filename, description }) {
  const figure = h('figure', { class: 'chart', 'data-chart': filename.replace(/\.csv$/, '') });
  const titleId = uid('chart');
  const toggle = h('button', { type: 'button', class: 'secondary', 'aria-pressed': 'false' }, 'Table view');
  const download = h('button', { type: 'button', class: 'secondary' }, 'Download CSV');
  const body = h('div');
  figure.append(h('figcaption', null, h('span', { id: titleId }, title), toggle, download), body);

  function drawChart() {
    fitToScreen();
    if (!rows.length) {
      body.replaceChildren(h('p', { class: 'muted' }, 'No data yet.'));
      return;
    }
    let nodes;
    let height = H;
    if (kind === 'line') nodes = lineChart(rows, label, series);
    else if (kind === 'bar') nodes = barChart(rows, label, series);
    else ({ nodes, height } = hbarChart(rows, label, series));
    const summary = `${title}: ${rows.length} ${rows.length === 1 ? 'value' : 'values'}. ${description || ''}`.trim();
    body.replaceChildren(
      s('svg', { viewBox: `0 0 ${W} ${height}`, role: 'img', 'aria-label': summary }, s('title', null, summary), nodes),
      h('p', { class: 'legend' }, h('span', { class: 'swatch', 'aria-hidden': 'true', dataset: { colour: '0' } }), series[0].name),
    );
  }

  function drawTable() {
    const wrap = h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': titleId },
      h('table', null,
        h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
        h('tbody', null, rows.map((row) => h('tr', null, columns.map((c) => h('td', { class: c.num ? 'num' : null }, c.show(row))))))));
    body.replaceChildren(wrap);
  }

  toggle.addEventListener('click', () => {
    const table = toggle.getAttribute('aria-pressed') !== 'true';
    toggle.setAttribute('aria-pressed', String(table)); // the label stays: pressed means the table shows
    if (table) drawTable();
    else drawChart();
  });
  download.addEventListener('click', () => {
    const blob = new Blob([toCsv(columns, rows)], { type: 'text/csv' });
    const link = h('a', { href: URL.createObjectURL(blob), download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  });
  // Redrawn when the screen crosses the phone width (a rotated phone, a resized window).
  let narrowNow = window.innerWidth < 600;
  const onResize = () => {
    if (!figure.isConnected) {
      window.removeEventListener('resize', onResize);
      return;
    }
    const narrow = window.innerWidth < 600;
    if (narrow !== narrowNow) {
      narrowNow = narrow;
      if (toggle.getAttribute('aria-pressed') !== 'true') drawChart();
    }
  };
  window.addEventListener('resize', onResize);
  drawChart();
  return figure;
}

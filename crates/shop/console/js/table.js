// Tables: a caption, column headers that sort when a `sort` is given (announced through
// aria-sort), and a scrolling region a keyboard can reach on narrow screens.

import { h, uid } from './dom.js';
import { int } from './format.js';

/**
 * `columns`: {key, label, num, render(row)}; `sort`: {key, desc, onSort(key)} or null.
 */
export function dataTable({ caption, columns, rows, sort = null, empty = 'Nothing here yet.' }) {
  const head = h('tr', null, columns.map((col) => {
    const sortable = sort && col.sortable !== false && col.key;
    const state = sortable && sort.key === col.key ? (sort.desc ? 'descending' : 'ascending') : null;
    const content = sortable
      ? h('button', { type: 'button', onclick: () => sort.onSort(col.key) }, col.label, state ? (state === 'ascending' ? ' ▲' : ' ▼') : '')
      : col.label;
    return h('th', { scope: 'col', class: col.num ? 'num' : null, 'aria-sort': state }, content);
  }));
  const body = rows.length
    ? rows.map((row) => h('tr', null, columns.map((col) =>
      h('td', { class: col.num ? 'num' : null }, col.render ? col.render(row) : String(row[col.key] ?? '—')))))
    : [h('tr', null, h('td', { colspan: columns.length, class: 'muted' }, empty))];
  const captionId = uid('caption');
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': captionId },
    h('table', null, h('caption', { id: captionId }, caption), h('thead', null, head), h('tbody', null, body)));
}

/**
 * A list held whole in the browser (categories, suppliers, tags: small by nature), with a
 * search box, sortable columns and pages of 25.
 */
export function localList({ caption, columns, rows, searchKeys, searchLabel }) {
  const state = { q: '', key: 'id', desc: false, page: 0 };
  const per = 25;
  const holder = h('div');
  const searchId = uid('search');
  const search = h('input', { id: searchId, type: 'search', placeholder: 'Type to filter', oninput: () => {
    state.q = search.value.trim().toLowerCase();
    state.page = 0;
    draw();
  } });
  const status = h('p', { class: 'muted', role: 'status' });

  function draw() {
    let shown = rows.filter((row) => !state.q || searchKeys.some((k) => String(row[k] ?? '').toLowerCase().includes(state.q)));
    shown = [...shown].sort((a, b) => {
      const x = a[state.key];
      const y = b[state.key];
      const numeric = typeof x === 'number' || (typeof x === 'string' && x !== '' && !Number.isNaN(Number(x)) && !Number.isNaN(Number(y)));
      const order = numeric ? Number(x ?? 0) - Number(y ?? 0) : String(x ?? '').localeCompare(String(y ?? ''));
      return state.desc ? -order : order;
    });
    const pages = Math.max(1, Math.ceil(shown.length / per));
    state.page = Math.min(state.page, pages - 1);
    const slice = shown.slice(state.page * per, state.page * per + per);
    status.textContent = `${int(shown.length)} of ${int(rows.length)} shown`;
    const sort = { key: state.key, desc: state.desc, onSort: (key) => {
      state.desc = state.key === key ? !state.desc : false;
      state.key = key;
      draw();
    } };
    const prev = h('button', { type: 'button', class: 'secondary', disabled: state.page === 0, onclick: () => { state.page -= 1; draw(); } }, 'Previous');
    const next = h('button', { type: 'button', class: 'secondary', disabled: state.page >= pages - 1, onclick: () => { state.page += 1; draw(); } }, 'Next');
    holder.replaceChildren(
      dataTable({ caption, columns, rows: slice, sort }),
      h('div', { class: 'pager' }, prev, h('span', null, `Page ${state.page + 1} of ${pages}`), next),
    );
  }
  draw();
  return h('div', null, h('div', { class: 'bar' }, h('div', { class: 'grow' }, h('label', { for: searchId }, searchLabel), search)), status, holder);
}

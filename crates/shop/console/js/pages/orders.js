// Orders: the list by status and customer, an order's lines, and the status changes its
// lifecycle allows (pending -> processing -> shipped -> delivered; cancel while pending or
// processing).

import { h, alertBox, confirmButton, badge, labelled, pager } from '../dom.js';
import { api } from '../api.js';
import { dataTable } from '../table.js';
import { money, int, total, dateTime } from '../format.js';
import { navigate } from '../main.js';

const STATUSES = ['pending', 'processing', 'shipped', 'delivered', 'cancelled'];
const NEXT = { pending: ['processing'], processing: ['shipped'], shipped: ['delivered'], delivered: [], cancelled: [] };
const CANCELLABLE = new Set(['pending', 'processing']);
const FRESH = { status: '', user_id: '', skip: 0, limit: 25 };
const state = { ...FRESH };
// Customers' names by id, read once per console session for the orders shown.
const names = new Map();
window.addEventListener('console:reset', () => { Object.assign(state, FRESH); names.clear(); });

/** The usernames of `ids` not yet known, read in parallel (a page holds at most 25 ids). */
async function learnNames(ids) {
  const missing = [...new Set(ids)].filter((id) => !names.has(id));
  await Promise.all(missing.map(async (id) => {
    try {
      names.set(id, (await api('GET', `/users/${id}`)).username);
    } catch {
      names.set(id, null); // a deleted account: shown by its id
    }
  }));
}
let loads = 0;

/** Opens the order list filtered to one customer. */
export function showOrdersOf(userId) {
  Object.assign(state, FRESH, { user_id: String(userId) });
  location.hash = '#/orders';
}

export async function orderList() {
  const status = h('select', null, h('option', { value: '' }, 'Any status'),
    STATUSES.map((st) => h('option', { value: st, selected: st === state.status }, st)));
  const user = h('input', { type: 'text', inputmode: 'numeric', value: state.user_id, size: 8 });
  const results = h('div');
  const summary = h('p', { class: 'muted', role: 'status' });
  const form = h('form', { class: 'panel bar', role: 'search', 'aria-label': 'Filter orders' },
    labelled('Status', status), labelled('Customer (user ID)', user), h('button', { type: 'submit' }, 'Show'));

  async function load() {
    loads += 1;
    const ticket = loads;
    let page;
    try {
      page = await api('GET', '/orders/', { query: { status: state.status, user_id: state.user_id, skip: state.skip, limit: state.limit } });
    } catch (err) {
      if (ticket !== loads) return;
      summary.textContent = '';
      const messages = Object.entries(err.fields || {}).map(([k, m]) => `${k}: ${m.join(' ')}`);
      results.replaceChildren(alertBox('error', err.message, messages.length ? h('ul', null, messages.map((m) => h('li', null, m))) : null));
      return;
    }
    await learnNames(page.items.map((o) => o.user_id));
    if (ticket !== loads) return;
    const more = page.total_relation === 'gte' || state.skip + page.items.length < page.total;
    const range = page.items.length ? `${int(state.skip + 1)}–${int(state.skip + page.items.length)}` : 'none';
    summary.textContent = `${total(page.total, page.total_relation)} orders; showing ${range}.`;
    results.replaceChildren(
      dataTable({
        caption: `Orders: ${total(page.total, page.total_relation)}`,
        rows: page.items,
        columns: [
          { key: 'order_number', label: 'Order', render: (o) => h('a', { href: `#/orders/${o.id}` }, o.order_number) },
          { key: 'status', label: 'Status', render: (o) => badge(o.status) },
          { key: 'user_id', label: 'Customer', render: (o) => h('a', { href: `#/users/${o.user_id}` }, names.get(o.user_id) ?? `User #${o.user_id}`) },
          { key: 'items', label: 'Lines', num: true, render: (o) => int(o.items.length) },
          { key: 'total_amount', label: 'Total', num: true, render: (o) => money(o.total_amount) },
          { key: 'created_at', label: 'Placed', render: (o) => dateTime(o.created_at) },
        ],
        empty: 'No orders match.',
      }),
      pager({
        canBack: state.skip > 0,
        canForward: more && page.items.length === state.limit,
        back: () => { state.skip = Math.max(0, state.skip - state.limit); load(); },
        forward: () => { state.skip += state.limit; load(); },
      }));
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    Object.assign(state, { status: status.value, user_id: user.value.trim(), skip: 0 });
    load();
  });
  await load();
  return h('div', null, h('h1', null, 'Orders'), form, summary, results);
}

export async function orderDetail(id) {
  const order = await api('GET', `/orders/${id}`);
  let customer = null;
  try {
    customer = await api('GET', `/users/${order.user_id}`);
  } catch {
    customer = null;
  }
  const feedback = h('div', { 'aria-live': 'polite' });
  const change = async (action, done) => {
    try {
      await action();
      navigate(`#/orders/${id}`, done);
    } catch (err) {
      feedback.replaceChildren(alertBox('error', `The order was not changed: ${err.message}`));
    }
  };
  const actions = [
    ...NEXT[order.status].map((to) => h('button', { type: 'button', onclick: () => change(
      () => api('PATCH', `/orders/${id}/status`, { body: { status: to } }), `Order ${order.order_number} is now ${to}.`) }, `Mark as ${to}`)),
    CANCELLABLE.has(order.status)
      ? confirmButton('Cancel order', `Cancel ${order.order_number} and put its stock back?`, () => change(
        () => api('POST', `/orders/${id}/cancel`), `Order ${order.order_number} was cancelled; its stock is back.`))
      : null,
  ].filter(Boolean);
  return h('div', null,
    h('p', null, h('a', { href: '#/orders' }, '← Orders')),
    h('h1', null, `Order ${order.order_number}`),
    h('div', { class: 'grid2' },
      h('section', { class: 'panel', 'aria-label': 'Order facts' }, h('dl', { class: 'facts' },
        h('dt', null, 'Status'), h('dd', { 'data-status': order.status }, badge(order.status)),
        h('dt', null, 'Customer'), h('dd', null, customer ? h('a', { href: `#/users/${customer.id}` }, `${customer.username} (${customer.email})`) : `#${order.user_id}`),
        h('dt', null, 'Total'), h('dd', null, money(order.total_amount)),
        h('dt', null, 'Placed'), h('dd', null, dateTime(order.created_at)),
        h('dt', null, 'Updated'), h('dd', null, dateTime(order.updated_at)))),
      h('section', { class: 'panel' }, h('h2', null, 'Status'), feedback,
        actions.length ? h('div', { class: 'bar' }, actions) : h('p', { class: 'muted' }, `A ${order.status} order cannot change any more.`),
        h('p', { class: 'hint muted' }, 'Orders move pending → processing → shipped → delivered; cancelling (while pending or processing) restores the stock.'))),
    dataTable({
      caption: 'Lines',
      rows: order.items,
      columns: [
        { key: 'product_id', label: 'Product', render: (i) => h('a', { href: `#/products/${i.product_id}` }, `#${i.product_id}`) },
        { key: 'variant_id', label: 'Variant', render: (i) => (i.variant_id ? `#${i.variant_id}` : '—') },
        { key: 'quantity', label: 'Quantity', num: true, render: (i) => int(i.quantity) },
        { key: 'unit_price', label: 'Unit price', num: true, render: (i) => money(i.unit_price) },
        { key: 'line_total', label: 'Line total', num: true, render: (i) => money(i.line_total) },
      ],
    }));
}

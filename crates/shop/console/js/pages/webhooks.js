// Webhook endpoints: create (the signing secret is shown once), edit, delete, the delivery
// log with each delivery's attempts, and retry.

import { h, alertBox, badge, deleteSection, pager } from '../dom.js';
import { api, all } from '../api.js';
import { buildForm } from '../form.js';
import { dataTable } from '../table.js';
import { dateTime, int, total } from '../format.js';
import { navigate } from '../main.js';

const EVENTS = [['order.created', 'order.created'], ['order.status_changed', 'order.status_changed'], ['product.low_stock', 'product.low_stock']];
const FIELDS = [
  { name: 'url', label: 'URL', type: 'url', required: true, hint: 'Where the signed POSTs go.' },
  { name: 'events', label: 'Events', type: 'checkboxes', required: true, options: EVENTS },
  { name: 'description', label: 'Description', nullable: true },
  { name: 'is_active', label: 'Active', type: 'checkbox' },
];
const RETRYABLE = new Set(['failed', 'dead']);

export async function webhookList() {
  const hooks = await all('/webhooks/');
  return h('div', null,
    h('div', { class: 'bar' }, h('h1', { class: 'grow' }, 'Webhooks'), h('a', { class: 'button', href: '#/webhooks/new' }, 'New endpoint')),
    dataTable({
      caption: `${int(hooks.length)} endpoints`,
      rows: hooks,
      columns: [
        { key: 'id', label: 'ID', num: true },
        { key: 'url', label: 'URL', render: (w) => h('a', { href: `#/webhooks/${w.id}` }, w.url) },
        { key: 'events', label: 'Events', render: (w) => w.events.join(', ') },
        { key: 'is_active', label: 'Status', render: (w) => badge(w.is_active ? 'Active' : 'Inactive') },
        { key: 'description', label: 'Description', render: (w) => w.description ?? '—' },
      ],
      empty: 'No endpoints yet: events are kept, and nothing is sent.',
    }));
}

function secretShown(made) {
  return h('div', null,
    h('h1', { tabindex: -1 }, 'Endpoint created'),
    alertBox('info', 'Copy the signing secret now: it is shown only this once. Receivers use it to check the webhook-signature header.'),
    h('div', { class: 'panel' },
      h('p', null, 'Signing secret for ', h('strong', null, made.url)),
      h('p', { class: 'secret', 'data-secret': '' }, made.secret),
      h('a', { class: 'button', href: `#/webhooks/${made.id}` }, 'I have stored it: open the endpoint')));
}

async function retry(hookId, delivery, where) {
  try {
    await api('POST', `/webhooks/${hookId}/deliveries/${delivery.id}/retry`);
    navigate(location.hash, `Delivery ${delivery.id} is queued for another attempt.`);
  } catch (err) {
    where.replaceChildren(alertBox('error', `Not retried: ${err.message}`));
  }
}

function deliveriesPanel(hookId) {
  const panel = h('section', { class: 'panel' });
  const feedback = h('div', { 'aria-live': 'polite' });
  const results = h('div');
  const state = { status: '', skip: 0, limit: 25 };
  const status = h('select', { id: `delivery-status-${hookId}` }, [['', 'Any status'], ['pending', 'pending'], ['delivered', 'delivered'], ['failed', 'failed'], ['dead', 'dead']]
    .map(([v, t]) => h('option', { value: v }, t)));
  status.addEventListener('change', () => { state.status = status.value; state.skip = 0; load(); });
  let loads = 0;
  async function load() {
    loads += 1;
    const ticket = loads;
    let page;
    try {
      page = await api('GET', `/webhooks/${hookId}/deliveries`, { query: state });
    } catch (err) {
      if (ticket === loads) results.replaceChildren(alertBox('error', `The delivery log could not be read: ${err.message}`));
      return;
    }
    if (ticket !== loads) return;
    results.replaceChildren(dataTable({
      caption: `Deliveries: ${total(page.total, page.total_relation)}`,
      rows: page.items,
      columns: [
        { key: 'id', label: 'Delivery', render: (d) => h('a', { href: `#/webhooks/${hookId}/deliveries/${d.id}` }, `#${d.id}`) },
        { key: 'event_type', label: 'Event' },
        { key: 'status', label: 'Status', render: (d) => badge(d.status) },
        { key: 'attempts', label: 'Attempts', num: true },
        { key: 'last_status_code', label: 'Last HTTP status', num: true, render: (d) => d.last_status_code ?? '—' },
        { key: 'last_error', label: 'Last error', render: (d) => d.last_error ?? '—' },
        { key: 'next_attempt_at', label: 'Next attempt', render: (d) => (d.status === 'pending' || d.status === 'failed' ? dateTime(d.next_attempt_at) : '—') },
        { key: 'retry', label: 'Retry', render: (d) => (RETRYABLE.has(d.status)
          ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Retry delivery ${d.id}`, onclick: () => retry(hookId, d, feedback) }, 'Retry')
          : '—') },
      ],
      empty: 'Nothing delivered to this endpoint yet.',
    }), pager({
      canBack: state.skip > 0,
      canForward: state.skip + page.items.length < page.total,
      back: () => { state.skip -= state.limit; load(); },
      forward: () => { state.skip += state.limit; load(); },
      labels: ['Newer', 'Older'],
    }));
  }
  panel.append(h('h2', null, 'Delivery log'), feedback,
    h('div', { class: 'bar' }, h('div', null, h('label', { for: status.id }, 'Status'), status)), results);
  return { panel, load };
}

export async function webhookEdit(id) {
  const creating = id === 'new';
  const host = h('div');
  if (creating) {
    const form = buildForm({
      fields: FIELDS,
      values: { is_active: true, events: EVENTS.map(([v]) => v) },
      submitLabel: 'Create endpoint',
      onSubmit: async (body) => {
        const made = await api('POST', '/webhooks/', { body });
        host.replaceChildren(secretShown(made));
        document.title = 'Endpoint created · Shop console';
        host.querySelector('h1').focus();
      },
    });
    host.append(h('p', null, h('a', { href: '#/webhooks' }, '← Webhooks')), h('h1', { tabindex: -1 }, 'New endpoint'), h('div', { class: 'panel' }, form.el));
    return host;
  }
  const hook = await api('GET', `/webhooks/${id}`);
  const form = buildForm({
    fields: FIELDS,
    values: hook,
    changedOnly: true,
    submitLabel: 'Save changes',
    onSubmit: async (body) => {
      await api('PATCH', `/webhooks/${id}`, { body });
      navigate(`#/webhooks/${id}`, 'Endpoint saved.');
    },
  });
  const deleteArea = deleteSection('Delete this endpoint', 'Delete this endpoint and its delivery log?', async () => {
    await api('DELETE', `/webhooks/${id}`);
    navigate('#/webhooks', 'Endpoint deleted.');
  });
  const deliveries = deliveriesPanel(id);
  await deliveries.load();
  host.append(
    h('p', null, h('a', { href: '#/webhooks' }, '← Webhooks')),
    h('h1', null, hook.url),
    h('p', { class: 'muted' }, 'The signing secret was shown when the endpoint was created; it is never shown again.'),
    h('div', { class: 'grid2' }, h('section', { class: 'panel', 'aria-label': 'Endpoint' }, form.el), h('section', { class: 'panel' }, deleteArea)),
    deliveries.panel);
  return host;
}

export async function deliveryDetail(hookId, deliveryId) {
  const { attempt_log: log, ...delivery } = await api('GET', `/webhooks/${hookId}/deliveries/${deliveryId}`);
  const feedback = h('div', { 'aria-live': 'polite' });
  return h('div', null,
    h('p', null, h('a', { href: `#/webhooks/${hookId}` }, '← Endpoint')),
    h('h1', null, `Delivery #${delivery.id}`),
    feedback,
    h('section', { class: 'panel' }, h('dl', { class: 'facts' },
      h('dt', null, 'Event'), h('dd', null, `${delivery.event_type} (${delivery.event_id})`),
      h('dt', null, 'Status'), h('dd', null, badge(delivery.status)),
      h('dt', null, 'Attempts'), h('dd', null, String(delivery.attempts)),
      h('dt', null, 'Created'), h('dd', null, dateTime(delivery.created_at)),
      h('dt', null, 'Delivered'), h('dd', null, dateTime(delivery.delivered_at)),
      h('dt', null, 'Next attempt'), h('dd', null, delivery.status === 'pending' || delivery.status === 'failed' ? dateTime(delivery.next_attempt_at) : '—')),
    RETRYABLE.has(delivery.status) ? h('p', null, h('button', { type: 'button', onclick: () => retry(hookId, delivery, feedback) }, 'Retry now')) : null),
    dataTable({
      caption: 'Attempts',
      rows: log,
      columns: [
        { key: 'attempt', label: 'Attempt', num: true },
        { key: 'created_at', label: 'At', render: (a) => dateTime(a.created_at) },
        { key: 'status_code', label: 'HTTP status', num: true, render: (a) => a.status_code ?? '—' },
        { key: 'duration_ms', label: 'Duration (ms)', num: true, render: (a) => int(a.duration_ms) },
        { key: 'error', label: 'Error', render: (a) => a.error ?? '—' },
      ],
      empty: 'Not attempted yet.',
    }));
}

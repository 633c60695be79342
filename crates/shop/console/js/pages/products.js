// Products: the searchable list (q, the filter language, sort, keyset pages) and the product
// form with its tags and variants.

import { h, uid, alertBox, confirmButton, badge, deleteSection, labelled, pager } from '../dom.js';
import { api, all, ApiError } from '../api.js';
import { buildForm } from '../form.js';
import { dataTable } from '../table.js';
import { money, int, total, dateTime } from '../format.js';
import { navigate } from '../main.js';

const SORTABLE = [['id', 'ID'], ['name', 'Name'], ['price', 'Price'], ['stock_quantity', 'Stock'], ['category_id', 'Category'], ['created_at', 'Created'], ['updated_at', 'Updated']];

// Kept while the console is open, so coming back to the list finds the same search and page;
// forgotten at sign-out.
const FRESH = { q: '', category_id: '', is_active: '', filter: '', sort: 'id', limit: 25, cursors: [null] };
const state = { ...FRESH, cursors: [null] };
window.addEventListener('console:reset', () => Object.assign(state, FRESH, { cursors: [null] }));
let loads = 0;

/** Opens the product list filtered to one category. */
export function showProductsIn(categoryId) {
  Object.assign(state, FRESH, { category_id: String(categoryId), cursors: [null] });
  location.hash = '#/products';
}

export async function productList() {
  const categories = await all('/categories/');
  const names = new Map(categories.map((c) => [c.id, c.name]));
  const results = h('div');
  const summary = h('p', { class: 'muted', role: 'status' });
  const q = h('input', { type: 'search', value: state.q, placeholder: 'Name contains…' });
  const category = h('select', null, h('option', { value: '' }, 'Any category'),
    categories.map((c) => h('option', { value: String(c.id), selected: String(c.id) === state.category_id }, c.name)));
  const activeSel = h('select', null, [['', 'Active or not'], ['true', 'Active only'], ['false', 'Inactive only']]
    .map(([v, t]) => h('option', { value: v, selected: v === state.is_active }, t)));
  const sort = h('select', null, SORTABLE.flatMap(([key, text]) => [
    h('option', { value: key, selected: state.sort === key }, `${text} ↑`),
    h('option', { value: `-${key}`, selected: state.sort === `-${key}` }, `${text} ↓`)]));
  const limit = h('select', null, [10, 25, 50, 100].map((n) => h('option', { value: String(n), selected: n === state.limit }, `${n} a page`)));
  const filterId = uid('filter');
  const filterError = h('p', { class: 'error', id: `${filterId}-error`, hidden: true });
  const filter = h('input', { id: filterId, value: state.filter, placeholder: "(category_id = 2 and price < 50) or name ilike '%pro%'", 'aria-describedby': `${filterId}-hint ${filterId}-error` });
  const form = h('form', { class: 'panel', role: 'search', 'aria-label': 'Find products' },
    h('div', { class: 'bar' }, h('div', { class: 'grow' }, labelled('Search by name', q)), labelled('Category', category),
      labelled('Status', activeSel), labelled('Sort', sort), labelled('Page size', limit)),
    h('div', { class: 'field' }, h('label', { for: filterId }, 'Filter expression'), filter,
      h('p', { class: 'hint', id: `${filterId}-hint` }, 'Fields: id, name, description, sku, price, stock_quantity, is_active, category_id, supplier_id, created_at, updated_at. Operators: = != < <= > >= in between like ilike is null, joined with and, or, not.'),
      filterError),
    h('button', { type: 'submit' }, 'Search'));

  async function load() {
    loads += 1;
    const ticket = loads;
    filterError.hidden = true;
    filter.removeAttribute('aria-invalid');
    const cursor = state.cursors[state.cursors.length - 1];
    let page;
    try {
      page = await api('GET', '/products/', { query: {
        q: state.q, category_id: state.category_id, is_active: state.is_active, filter: state.filter,
        sort: state.sort, limit: state.limit, cursor,
      } });
    } catch (err) {
      if (ticket !== loads) return;
      summary.textContent = '';
      if (err instanceof ApiError && err.status === 422) {
        const messages = Object.entries(err.fields).map(([k, m]) => `${k}: ${m.join(' ')}`);
        if (err.fields.filter) {
          filterError.textContent = err.fields.filter.join(' ');
          filterError.hidden = false;
          filter.setAttribute('aria-invalid', 'true');
        }
        results.replaceChildren(alertBox('error', 'The search could not run.', h('ul', null, messages.map((m) => h('li', null, m)))));
        return;
      }
      results.replaceChildren(alertBox('error', err.message));
      return;
    }
    if (ticket !== loads) return; // a later search or page has been asked for
    const number = state.cursors.length;
    summary.textContent = `${total(page.total, page.total_relation)} products found; page ${number}.`;
    // A column's header sorts by it; again, the other way.
    const [key, desc] = state.sort.startsWith('-') ? [state.sort.slice(1), true] : [state.sort, false];
    const onSort = (column) => {
      state.sort = column === key && !desc ? `-${column}` : column;
      state.cursors = [null];
      sort.value = state.sort;
      load();
    };
    results.replaceChildren(
      dataTable({
        caption: `Products: ${total(page.total, page.total_relation)} found`,
        rows: page.items,
        sort: { key, desc, onSort },
        columns: [
          { key: 'id', label: 'ID', num: true },
          { key: 'name', label: 'Name', render: (r) => h('a', { href: `#/products/${r.id}` }, r.name) },
          { key: 'sku', label: 'SKU', sortable: false, render: (r) => r.sku ?? '—' },
          { key: 'price', label: 'Price', num: true, render: (r) => money(r.price) },
          { key: 'stock_quantity', label: 'Stock', num: true, render: (r) => int(r.stock_quantity) },
          { key: 'category_id', label: 'Category', render: (r) => names.get(r.category_id) ?? String(r.category_id) },
          { key: 'is_active', label: 'Status', sortable: false, render: (r) => badge(r.is_active ? 'Active' : 'Inactive') },
        ],
        empty: 'No product matches.',
      }),
      pager({
        canBack: number > 1,
        canForward: Boolean(page.next_cursor),
        back: () => { state.cursors.pop(); load(); },
        forward: () => { state.cursors.push(page.next_cursor); load(); },
        middle: h('span', null, `Page ${number}`),
      }));
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    Object.assign(state, { q: q.value.trim(), category_id: category.value, is_active: activeSel.value, filter: filter.value.trim(), sort: sort.value, limit: Number(limit.value), cursors: [null] });
    load();
  });
  await load();
  return h('div', null,
    h('div', { class: 'bar' }, h('h1', { class: 'grow' }, 'Products'), h('a', { class: 'button', href: '#/products/new' }, 'New product')),
    form, summary, results);
}

function productFields(categories, suppliers, creating) {
  // Every product has a category: the empty choice exists only before one is picked.
  const categoryChoices = categories.map((c) => [c.id, c.name]);
  return [
    { name: 'name', label: 'Name', required: true },
    { name: 'description', label: 'Description', type: 'textarea', nullable: true },
    { name: 'sku', label: 'SKU', nullable: true, hint: 'Unique; leave empty for none.' },
    { name: 'price', label: 'Price', type: 'money', required: true, hint: 'Two decimals at most, for example 19.99.' },
    { name: 'stock_quantity', label: 'Stock quantity', type: 'number', required: true },
    { name: 'category_id', label: 'Category', type: 'select', numeric: true, required: true, options: creating ? [['', 'Choose a category'], ...categoryChoices] : categoryChoices },
    { name: 'supplier_id', label: 'Supplier', type: 'select', numeric: true, options: [['', 'No supplier'], ...suppliers.map((c) => [c.id, c.name])] },
    { name: 'is_active', label: 'Active (on sale)', type: 'checkbox' },
  ];
}

const VARIANT_FIELDS = [
  { name: 'sku', label: 'Variant SKU', required: true },
  { name: 'name', label: 'Variant name', required: true },
  { name: 'price_modifier', label: 'Price modifier', type: 'money', hint: 'Added to the product price; may be negative.' },
  { name: 'stock_quantity', label: 'Variant stock', type: 'number' },
  { name: 'is_active', label: 'Variant active', type: 'checkbox' },
  { name: 'attributes', label: 'Attributes', type: 'pairs', hint: 'One name=value a line, for example color=red.' },
];

function tagsPanel(product, tags) {
  const form = buildForm({
    fields: [{ name: 'tag_ids', label: 'Tags', type: 'checkboxes', numeric: true, options: tags.map((t) => [t.id, t.name]) }],
    values: { tag_ids: (product.tags || []).map((t) => t.id) },
    submitLabel: 'Save tags',
    onSubmit: async (body) => {
      await api('PUT', `/products/${product.id}/tags`, { body });
      form.notice('ok', 'Tags saved.');
    },
  });
  return h('section', { class: 'panel' }, h('h2', null, 'Tags'), tags.length ? form.el : h('p', { class: 'muted' }, 'No tags exist yet.'));
}

function variantsPanel(product) {
  const holder = h('section', { class: 'panel' });
  const editor = h('div');
  const base = `/products/${product.id}/variants`;
  const open = (variant) => {
    const form = buildForm({
      fields: VARIANT_FIELDS,
      values: variant || { is_active: true, price_modifier: '0.00', stock_quantity: 0 },
      changedOnly: Boolean(variant),
      submitLabel: variant ? 'Save variant' : 'Add variant',
      onSubmit: async (body) => {
        if (variant) await api('PATCH', `${base}/${variant.id}`, { body });
        else await api('POST', `${base}/`, { body });
        navigate(`#/products/${product.id}`, variant ? 'Variant saved.' : 'Variant added.');
      },
    });
    editor.replaceChildren(h('h3', null, variant ? `Edit variant ${variant.sku}` : 'New variant'), form.el);
    editor.querySelector('input').focus();
  };
  const variants = product.variants || [];
  holder.append(
    h('h2', null, 'Variants'),
    dataTable({
      caption: `${variants.length} variants`,
      rows: variants,
      columns: [
        { key: 'sku', label: 'SKU' },
        { key: 'name', label: 'Name' },
        { key: 'price_modifier', label: 'Price modifier', num: true, render: (v) => money(v.price_modifier) },
        { key: 'stock_quantity', label: 'Stock', num: true, render: (v) => int(v.stock_quantity) },
        { key: 'attributes', label: 'Attributes', render: (v) => v.attributes.map((a) => `${a.name}: ${a.value}`).join(', ') || '—' },
        { key: 'is_active', label: 'Status', render: (v) => badge(v.is_active ? 'Active' : 'Inactive') },
        { key: 'actions', label: 'Actions', render: (v) => h('span', { class: 'confirm' },
          h('button', { type: 'button', class: 'secondary', onclick: () => open(v), 'aria-label': `Edit variant ${v.sku}` }, 'Edit'),
          confirmButton('Delete', `Delete variant ${v.sku}?`, async () => {
            try {
              await api('DELETE', `${base}/${v.id}`);
              navigate(`#/products/${product.id}`, `Variant ${v.sku} deleted.`);
            } catch (err) {
              editor.replaceChildren(alertBox('error', `Not deleted: ${err.message}`));
            }
          })) },
      ],
      empty: 'No variants: orders take stock from the product itself.',
    }),
    h('div', { class: 'bar' }, h('button', { type: 'button', class: 'secondary', onclick: () => open(null) }, 'New variant')),
    editor);
  return holder;
}

export async function productEdit(id) {
  const creating = id === 'new';
  const [categories, suppliers, tags, product] = await Promise.all([
    all('/categories/'), all('/suppliers/'), all('/tags/'),
    creating ? null : api('GET', `/products/${id}`, { query: { include: 'tags,variants' } }),
  ]);
  const form = buildForm({
    fields: productFields(categories, suppliers, creating),
    values: product || { is_active: true, stock_quantity: 0 },
    changedOnly: !creating,
    submitLabel: creating ? 'Create product' : 'Save changes',
    onSubmit: async (body) => {
      if (creating) {
        const made = await api('POST', '/products/', { body });
        navigate(`#/products/${made.id}`, `The product “${made.name}” was created.`);
      } else {
        const saved = await api('PATCH', `/products/${id}`, { body });
        navigate(`#/products/${id}`, `The product “${saved.name}” was saved.`);
      }
    },
  });
  const deleteArea = creating ? null : deleteSection('Delete this product', `Delete “${product.name}” for good?`, async () => {
    await api('DELETE', `/products/${id}`);
    navigate('#/products', `The product “${product.name}” was deleted.`);
  });
  return h('div', null,
    h('p', null, h('a', { href: '#/products' }, '← Products')),
    h('h1', null, creating ? 'New product' : product.name),
    !creating ? h('p', { class: 'muted' }, `Created ${dateTime(product.created_at)}, updated ${dateTime(product.updated_at)}.`) : null,
    h('div', { class: creating ? null : 'grid2' },
      h('section', { class: 'panel', 'aria-label': 'Product details' }, form.el),
      creating ? null : h('div', null, tagsPanel(product, tags), h('div', { class: 'panel' }, deleteArea))),
    creating ? null : variantsPanel(product));
}

// Categories, suppliers and tags: the small catalog lists, held whole in the browser, and
// their create, edit and delete forms.

import { h, s, badge, deleteSection } from '../dom.js';
import { api, all } from '../api.js';
import { buildForm } from '../form.js';
import { localList, dataTable } from '../table.js';
import { dateTime, money, int, total } from '../format.js';
import { navigate } from '../main.js';
import { showProductsIn } from './products.js';

const active = (r) => badge(r.is_active ? 'Active' : 'Inactive');
const link = (kind) => (r) => h('a', { href: `#/${kind}/${r.id}` }, r.name);
const swatch = (colour) => s('svg', { width: 14, height: 14, viewBox: '0 0 14 14', 'aria-hidden': 'true', class: 'swatch-svg' },
  s('rect', { width: 14, height: 14, rx: 3, fill: colour, stroke: '#6b7280' }));

export const KINDS = {
  categories: {
    title: 'Categories', one: 'category',
    columns: [
      { key: 'id', label: 'ID', num: true },
      { key: 'name', label: 'Name', render: link('categories') },
      { key: 'description', label: 'Description', render: (r) => r.description ?? '—' },
      { key: 'is_active', label: 'Status', render: active },
      { key: 'updated_at', label: 'Updated', render: (r) => dateTime(r.updated_at) },
    ],
    search: ['name', 'description'],
    fields: [
      { name: 'name', label: 'Name', required: true },
      { name: 'description', label: 'Description', type: 'textarea', nullable: true, hint: 'Up to 500 characters; leave empty for none.' },
      { name: 'is_active', label: 'Active', type: 'checkbox' },
    ],
    defaults: { is_active: true },
  },
  suppliers: {
    title: 'Suppliers', one: 'supplier',
    columns: [
      { key: 'id', label: 'ID', num: true },
      { key: 'name', label: 'Name', render: link('suppliers') },
      { key: 'contact_email', label: 'Contact', render: (r) => r.contact_email ?? '—' },
      { key: 'rating', label: 'Rating', num: true, render: (r) => (r.rating ?? '—') },
      { key: 'is_active', label: 'Status', render: active },
    ],
    search: ['name', 'contact_email'],
    fields: [
      { name: 'name', label: 'Name', required: true },
      { name: 'contact_email', label: 'Contact email', type: 'email', nullable: true },
      { name: 'rating', label: 'Rating', type: 'decimal', nullable: true, hint: 'From 0 to 5; leave empty for none.' },
      { name: 'is_active', label: 'Active', type: 'checkbox' },
    ],
    defaults: { is_active: true },
  },
  tags: {
    title: 'Tags', one: 'tag',
    columns: [
      { key: 'id', label: 'ID', num: true },
      { key: 'name', label: 'Name', render: (r) => [swatch(r.color), ' ', link('tags')(r)] },
      { key: 'color', label: 'Colour' },
    ],
    search: ['name', 'color'],
    fields: [
      { name: 'name', label: 'Name', required: true },
      { name: 'color', label: 'Colour', hint: 'As #RRGGBB, for example #007bff.' },
    ],
    defaults: { color: '#007bff' },
  },
};

export async function catalogList(kind) {
  const spec = KINDS[kind];
  const rows = await all(`/${kind}/`);
  return h('div', null,
    h('div', { class: 'bar' }, h('h1', { class: 'grow' }, spec.title), h('a', { class: 'button', href: `#/${kind}/new` }, `New ${spec.one}`)),
    localList({ caption: spec.title, columns: spec.columns, rows, searchKeys: spec.search, searchLabel: `Search ${spec.title.toLowerCase()}` }));
}

// The first products of the category, with the count and a way to the full, searchable list.
async function categoryProducts(id) {
  const page = await api('GET', '/products/', { query: { category_id: id, limit: 25 } });
  const products = page.items;
  return h('section', null, h('h2', null, 'Products in this category'),
    page.total > products.length
      ? h('p', null, h('button', { type: 'button', class: 'secondary', onclick: () => showProductsIn(id) }, `See all ${total(page.total, page.total_relation)} in the product list`))
      : null,
    dataTable({
      caption: `${total(page.total, page.total_relation)} products`,
      rows: products,
      columns: [
        { key: 'id', label: 'ID', num: true },
        { key: 'name', label: 'Name', render: (r) => h('a', { href: `#/products/${r.id}` }, r.name) },
        { key: 'price', label: 'Price', num: true, render: (r) => money(r.price) },
        { key: 'stock_quantity', label: 'Stock', num: true, render: (r) => int(r.stock_quantity) },
      ],
      empty: 'No products; the category can be deleted.',
    }));
}

export async function catalogEdit(kind, id) {
  const spec = KINDS[kind];
  const creating = id === 'new';
  const current = creating ? spec.defaults : await api('GET', `/${kind}/${id}`);
  const form = buildForm({
    fields: spec.fields,
    values: current,
    changedOnly: !creating,
    submitLabel: creating ? `Create ${spec.one}` : 'Save changes',
    onSubmit: async (body) => {
      if (creating) {
        const made = await api('POST', `/${kind}/`, { body });
        navigate(`#/${kind}/${made.id}`, `The ${spec.one} “${made.name}” was created.`);
      } else {
        const saved = await api('PATCH', `/${kind}/${id}`, { body });
        navigate(`#/${kind}/${id}`, `The ${spec.one} “${saved.name}” was saved.`);
      }
    },
  });
  const deleteArea = creating ? null : deleteSection(`Delete this ${spec.one}`, `Delete “${current.name}” for good?`, async () => {
    await api('DELETE', `/${kind}/${id}`);
    navigate(`#/${kind}`, `The ${spec.one} “${current.name}” was deleted.`);
  });
  return h('div', null,
    h('p', null, h('a', { href: `#/${kind}` }, `← ${spec.title}`)),
    h('h1', null, creating ? `New ${spec.one}` : current.name),
    h('div', { class: 'panel' }, form.el),
    !creating && kind === 'categories' ? await categoryProducts(id) : null,
    !creating ? h('div', { class: 'panel' }, deleteArea) : null);
}

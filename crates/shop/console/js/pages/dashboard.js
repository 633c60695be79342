// Summary cards and charts of the analytics endpoints; money and months in the browser's locale.

import { h } from '../dom.js';
import { api } from '../api.js';
import { chart } from '../chart.js';
import { money, int, percent, month, total } from '../format.js';

function card(label, value) {
  return h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

const num = (v) => (v === null || v === undefined ? null : Number(v));
const WINDOW = 12;

const monthKey = (d) => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

/**
 * The window's months oldest first. The API leaves out months without sales; they are put
 * back as zeros, so the chart's spacing is the calendar's.
 */
function calendar(rows) {
  const now = new Date();
  let end = monthKey(now);
  if (rows.length && rows[0].month > end) end = rows[0].month; // a browser clock behind the server's
  const [year, month] = end.split('-').map(Number);
  const byMonth = new Map(rows.map((r) => [r.month, r]));
  return Array.from({ length: WINDOW }, (_, i) => {
    const key = monthKey(new Date(Date.UTC(year, month - WINDOW + i, 1)));
    return byMonth.get(key) || { month: key, total_orders: 0, items_sold: 0, revenue: '0.00', avg_order_value: '0.00', previous_month_revenue: null, growth_rate: null };
  });
}

export async function dashboard() {
  const [summary, orders, monthly, best, categories, suppliers] = await Promise.all([
    api('GET', '/analytics/summary'),
    api('GET', '/orders/', { query: { limit: 1 } }),
    api('GET', '/analytics/sales/monthly', { query: { months: WINDOW } }),
    api('GET', '/analytics/best-sellers', { query: { limit: 10 } }),
    api('GET', '/analytics/categories'),
    api('GET', '/analytics/suppliers'),
  ]);
  const s = summary.data;
  const months = calendar(monthly.data); // the API answers newest first; charts read left to right
  const revenue = months.reduce((sum, m) => sum + Number(m.revenue), 0);
  const monthColumns = [
    { label: 'Month', show: (r) => month(r.month), raw: (r) => r.month },
    { label: 'Orders', num: true, show: (r) => int(r.total_orders), raw: (r) => r.total_orders },
    { label: 'Items sold', num: true, show: (r) => int(r.items_sold), raw: (r) => r.items_sold },
    { label: 'Revenue', num: true, show: (r) => money(r.revenue), raw: (r) => r.revenue },
    { label: 'Average order', num: true, show: (r) => money(r.avg_order_value), raw: (r) => r.avg_order_value },
    { label: 'Growth', num: true, show: (r) => percent(r.growth_rate), raw: (r) => r.growth_rate ?? '' },
  ];
  const grown = months.filter((m) => m.growth_rate !== null);
  return h('div', null,
    h('h1', null, 'Dashboard'),
    h('section', { 'aria-label': 'Summary' }, h('div', { class: 'cards' },
      card('Active products', int(s.product_count)),
      card('Average price', money(s.avg_price)),
      card('Units in stock', int(s.total_stock)),
      card('Inventory value', money(s.inventory_value)),
      card('Orders', total(orders.total, orders.total_relation)),
      card('Revenue, last 12 months', money(revenue)))),
    h('div', { class: 'charts' },
      chart({
        title: 'Monthly revenue', kind: 'line', rows: months, label: (r) => month(r.month), filename: 'monthly-sales.csv',
        description: 'Revenue per month over the last 12 months, cancelled orders excluded.',
        series: [{ name: 'Revenue', value: (r) => num(r.revenue), format: money }],
        columns: monthColumns,
      }),
      chart({
        title: 'Growth over the previous month', kind: 'bar', rows: grown, label: (r) => month(r.month), filename: 'monthly-growth.csv',
        series: [{ name: 'Growth rate (a fall in red)', value: (r) => num(r.growth_rate), format: percent, tick: percent }],
        columns: monthColumns,
      }),
      chart({
        title: 'Best sellers', kind: 'hbar', rows: best.data, label: (r) => r.name, filename: 'best-sellers.csv',
        series: [{ name: 'Units sold', value: (r) => num(r.total_sold), format: int }],
        columns: [
          { label: 'Product', show: (r) => r.name, raw: (r) => r.name },
          { label: 'Category', show: (r) => r.category_name, raw: (r) => r.category_name },
          { label: 'Supplier', show: (r) => r.supplier_name ?? '—', raw: (r) => r.supplier_name ?? '' },
          { label: 'Orders', num: true, show: (r) => int(r.total_orders), raw: (r) => r.total_orders },
          { label: 'Units sold', num: true, show: (r) => int(r.total_sold), raw: (r) => r.total_sold },
        ],
      }),
      chart({
        title: 'Products per category', kind: 'bar', rows: categories.data, label: (r) => r.category_name, filename: 'categories.csv',
        series: [{ name: 'Products', value: (r) => num(r.product_count), format: int }],
        columns: [
          { label: 'Category', show: (r) => r.category_name, raw: (r) => r.category_name },
          { label: 'Products', num: true, show: (r) => int(r.product_count), raw: (r) => r.product_count },
          { label: 'Average price', num: true, show: (r) => money(r.avg_price), raw: (r) => r.avg_price ?? '' },
          { label: 'Units in stock', num: true, show: (r) => int(r.total_stock), raw: (r) => r.total_stock },
        ],
      }),
      chart({
        title: 'Revenue by supplier', kind: 'hbar', rows: [...suppliers.data].sort((a, b) => Number(b.total_revenue) - Number(a.total_revenue)), label: (r) => r.supplier_name, filename: 'suppliers.csv',
        series: [{ name: 'Revenue', value: (r) => num(r.total_revenue), format: money }],
        columns: [
          { label: 'Supplier', show: (r) => r.supplier_name, raw: (r) => r.supplier_name },
          { label: 'Products', num: true, show: (r) => int(r.total_products), raw: (r) => r.total_products },
          { label: 'Orders', num: true, show: (r) => int(r.total_orders), raw: (r) => r.total_orders },
          { label: 'Revenue', num: true, show: (r) => money(r.total_revenue), raw: (r) => r.total_revenue },
          { label: 'Average price', num: true, show: (r) => money(r.avg_product_price), raw: (r) => r.avg_product_price ?? '' },
        ],
      })));
}

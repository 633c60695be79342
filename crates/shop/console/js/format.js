// Numbers, money and dates in the browser's locale. Money arrives as decimal strings and is
// shown with two decimals; the shop has no currency of its own.

const locale = undefined; // the browser's
const moneyFormat = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const intFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const percentFormat = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });
const dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
const monthFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' });

const DASH = '—';

export function money(value) {
  return value === null || value === undefined || value === '' ? DASH : moneyFormat.format(Number(value));
}
export function int(value) {
  return value === null || value === undefined ? DASH : intFormat.format(Number(value));
}
export function percent(ratio) {
  return ratio === null || ratio === undefined ? DASH : percentFormat.format(Number(ratio));
}
export function dateTime(value) {
  return value ? dateTimeFormat.format(new Date(value)) : DASH;
}
export function date(value) {
  return value ? dateFormat.format(new Date(`${value}T00:00:00Z`)) : DASH;
}
/** `"2024-11"` as the locale writes a month. */
export function month(value) {
  const [year, m] = String(value).split('-').map(Number);
  return monthFormat.format(new Date(Date.UTC(year, m - 1, 1)));
}
/** A total with its relation: `10,000+` when the API counted no further. */
export function total(count, relation) {
  return relation === 'gte' ? `${int(count)}+` : int(count);
}

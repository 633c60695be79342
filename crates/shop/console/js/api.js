// The JSON API as the console uses it: the bearer token, the API's error shapes as one error
// type, and the sign-out that follows an expired or revoked token.

const prefix = document.querySelector('meta[name="shop-api"]').content.replace(/\/$/, '');
const TOKEN = 'shop.console.token';

export function token() {
  return sessionStorage.getItem(TOKEN);
}
export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN, value);
  else sessionStorage.removeItem(TOKEN);
}

/** An answer other than 2xx: `status`, the API's `detail`, and field messages from a 422. */
export class ApiError extends Error {
  constructor(status, detail, retryAfter) {
    super(ApiError.describe(status, detail, retryAfter));
    this.status = status;
    this.detail = detail;
    this.retryAfter = retryAfter;
    // `loc: ["body", "price"]` -> fields.price; nested places join with dots.
    this.fields = {};
    this.unplaced = [];
    if (Array.isArray(detail)) {
      for (const item of detail) {
        const loc = Array.isArray(item.loc) ? item.loc.slice(1).join('.') : '';
        const msg = String(item.msg || 'Invalid value');
        if (loc) (this.fields[loc] ||= []).push(msg);
        else this.unplaced.push(msg);
      }
    }
  }

  static describe(status, detail, retryAfter) {
    if (status === 0) return 'The service did not answer. Check that it is running, then try again.';
    if (typeof detail === 'string') return detail;
    if (status === 429) return `Too many attempts. Try again in ${retryAfter || 'a few'} seconds.`;
    if (status === 503) return `The service is busy. Try again${retryAfter ? ` in ${retryAfter} seconds` : ''}.`;
    if (Array.isArray(detail)) return 'Some values need correcting; see the messages beside the fields.';
    return `The request failed (HTTP ${status}).`;
  }
}

function url(path, query) {
  const target = new URL(prefix + path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== '') target.searchParams.append(key, String(v));
    }
  }
  return target;
}

/** Calls the API; resolves to the parsed body (null for 204), rejects with ApiError. */
export async function api(method, path, { body, form, query } = {}) {
  const headers = { Accept: 'application/json' };
  const current = token();
  if (current) headers.Authorization = `Bearer ${current}`;
  let payload;
  if (form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(form).toString();
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url(path, query), { method, headers, body: payload, cache: 'no-store' });
  } catch {
    throw new ApiError(0, null, null);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    if (response.status === 401 && current) {
      setToken(null);
      window.dispatchEvent(new CustomEvent('console:signed-out', { detail: 'Your session has ended. Sign in again.' }));
    }
    throw new ApiError(response.status, data && data.detail, response.headers.get('Retry-After'));
  }
  return data;
}

/** Every item of a skip/limit list (the small lists: categories, suppliers, tags). */
export async function all(path, cap = 2000) {
  const items = [];
  for (let skip = 0; skip < cap; skip += 100) {
    const page = await api('GET', path, { query: { skip, limit: 100 } });
    items.push(...page.items);
    if (page.items.length < 100 || items.length >= page.total) break;
  }
  return items;
}

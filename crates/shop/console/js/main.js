// The console's shell: sign-in state, the navigation and a hash router (`#/products/12`), so
// the server serves one page and every view is a bookmarkable address.

import { h, alertBox } from './dom.js';
import { api, token, setToken, ApiError } from './api.js';
import { loginView } from './pages/login.js';
import { dashboard } from './pages/dashboard.js';
import { catalogList, catalogEdit } from './pages/catalog.js';
import { productList, productEdit } from './pages/products.js';
import { orderList, orderDetail } from './pages/orders.js';
import { userList, userEdit } from './pages/users.js';
import { webhookList, webhookEdit, deliveryDetail } from './pages/webhooks.js';

const NAV = [
  ['#/', 'Dashboard'],
  ['#/products', 'Products'],
  ['#/categories', 'Categories'],
  ['#/suppliers', 'Suppliers'],
  ['#/tags', 'Tags'],
  ['#/orders', 'Orders'],
  ['#/users', 'Users'],
  ['#/webhooks', 'Webhooks'],
];

const ROUTES = [
  [/^\/?$/, () => dashboard()],
  [/^\/products$/, () => productList()],
  [/^\/products\/(new|\d+)$/, ([id]) => productEdit(id)],
  [/^\/(categories|suppliers|tags)$/, ([kind]) => catalogList(kind)],
  [/^\/(categories|suppliers|tags)\/(new|\d+)$/, ([kind, id]) => catalogEdit(kind, id)],
  [/^\/orders$/, () => orderList()],
  [/^\/orders\/(\d+)$/, ([id]) => orderDetail(id)],
  [/^\/users$/, () => userList()],
  [/^\/users\/(new|\d+)$/, ([id]) => userEdit(id)],
  [/^\/webhooks$/, () => webhookList()],
  [/^\/webhooks\/(new|\d+)$/, ([id]) => webhookEdit(id)],
  [/^\/webhooks\/(\d+)\/deliveries\/(\d+)$/, ([id, delivery]) => deliveryDetail(id, delivery)],
];

const app = document.getElementById('app');
let me = null;
let flash = null;

/** Goes to `hash`, showing `message` once on the page that opens. */
export function navigate(hash, message) {
  flash = message || null;
  if (location.hash === hash) route();
  else location.hash = hash;
}

export function currentUser() {
  return me;
}

function shell() {
  const main = h('main', { id: 'main', tabindex: -1 });
  const nav = h('nav', { class: 'side', 'aria-label': 'Console sections' },
    h('ul', null, NAV.map(([href, label]) => h('li', null, h('a', { href }, label)))));
  const signOutButton = h('button', { type: 'button', onclick: () => signOut('You have signed out.') }, 'Sign out');
  const frame = h('div', { class: 'shell' },
    h('header', { class: 'top' }, h('a', { class: 'brand', href: '#/' }, 'Shop console'),
      h('span', { class: 'who' }, `Signed in as ${me.username}`), signOutButton),
    nav, main);
  app.replaceChildren(frame);
  return { main, nav };
}

let frame = null;
let routing = 0;

async function route() {
  routing += 1;
  const mine = routing;
  const path = location.hash.startsWith('#/') ? location.hash.slice(1) : '/';
  if (!me) return;
  frame ||= shell();
  const section = `#/${path.split('/')[1] || ''}`;
  for (const link of frame.nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const match = ROUTES.map(([re, view]) => [path.match(re), view]).find(([m]) => m);
  const message = flash;
  flash = null;
  let content;
  try {
    content = match ? await match[1](match[0].slice(1)) : h('div', null, h('h1', null, 'Not found'), h('p', null, 'There is no such page in the console.'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    const missing = err instanceof ApiError && err.status === 404;
    content = h('div', null, h('h1', null, missing ? 'Not found' : 'Something went wrong'), alertBox('error', err.message || String(err)));
  }
  if (!me || mine !== routing) return; // signed out, or a later navigation won the race
  frame.main.replaceChildren(...(message ? [alertBox('ok', message)] : []), content);
  frame.main.dataset.view = path; // which view is on screen, for tests and styles
  const heading = frame.main.querySelector('h1');
  document.title = `${heading ? heading.textContent : 'Console'} · Shop console`;
  frame.main.focus({ preventScroll: false });
}

/** Drops the token and every view's remembered filters, then shows the sign-in form. */
export function signOut(message) {
  setToken(null);
  me = null;
  frame = null;
  window.dispatchEvent(new Event('console:reset'));
  showLogin(message);
}

function showLogin(message, kind = 'info') {
  document.title = 'Sign in · Shop console';
  app.replaceChildren(loginView({ message, kind, onSignedIn: (user) => {
    me = user;
    // A new hash routes through hashchange; otherwise route now.
    if (location.hash.startsWith('#/')) route();
    else location.hash = '#/';
  } }));
}

async function start() {
  document.querySelector('.skip').addEventListener('click', (event) => {
    event.preventDefault();
    const main = document.getElementById('main');
    if (main) main.focus();
  });
  window.addEventListener('hashchange', () => { if (location.hash.startsWith('#/')) route(); });
  window.addEventListener('console:signed-out', (event) => { if (me) signOut(event.detail); });
  if (token()) {
    try {
      const user = await api('GET', '/users/me');
      if (user.role === 'admin' && user.is_active) {
        me = user;
        route();
        return;
      }
      setToken(null);
    } catch {
      setToken(null);
    }
  }
  showLogin();
}

start();

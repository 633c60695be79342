// Users: the list, role and active changes (the API keeps at least one active admin), new
// accounts and password resets.

import { h, alertBox, badge, deleteSection, pager } from '../dom.js';
import { api, all } from '../api.js';
import { buildForm } from '../form.js';
import { dataTable } from '../table.js';
import { dateTime, int } from '../format.js';
import { navigate, currentUser, signOut } from '../main.js';
import { showOrdersOf } from './orders.js';

const PROFILE = [
  { name: 'username', label: 'Username', required: true, hint: '3 to 50 of letters, digits and . _ -' },
  { name: 'email', label: 'Email', type: 'email', required: true },
  { name: 'full_name', label: 'Full name', omitEmpty: true },
  { name: 'first_name', label: 'First name', omitEmpty: true },
  { name: 'last_name', label: 'Last name', omitEmpty: true },
  { name: 'phone', label: 'Phone', nullable: true },
  { name: 'date_of_birth', label: 'Date of birth', type: 'date', nullable: true },
  { name: 'role', label: 'Role', type: 'select', options: [['user', 'Customer (user)'], ['admin', 'Staff (admin)']] },
  { name: 'is_active', label: 'Active (may sign in)', type: 'checkbox' },
];
const RULE = 'At least one active admin must remain: the API refuses (409) to demote, deactivate or delete the last one.';
// Beyond this many accounts the console does not read them all to name the last admin.
const COUNTED = 1000;
const PER_PAGE = 25;
const state = { skip: 0 };
window.addEventListener('console:reset', () => { state.skip = 0; });

/** The active admins, when the accounts are few enough to read them all; else null. */
async function activeAdmins() {
  const first = await api('GET', '/users/', { query: { limit: 1 } });
  if (first.total > COUNTED) return null;
  return (await all('/users/', COUNTED)).filter((u) => u.role === 'admin' && u.is_active);
}

export async function userList() {
  const [page, admins] = await Promise.all([
    api('GET', '/users/', { query: { skip: state.skip, limit: PER_PAGE } }),
    activeAdmins(),
  ]);
  const go = (skip) => { state.skip = Math.max(0, skip); navigate('#/users'); };
  return h('div', null,
    h('div', { class: 'bar' }, h('h1', { class: 'grow' }, 'Users'), h('a', { class: 'button', href: '#/users/new' }, 'New user')),
    admins && admins.length === 1
      ? alertBox('info', `${admins[0].username} is the only active admin: that account cannot be demoted, deactivated or deleted until another admin is active.`)
      : h('p', { class: 'muted' }, RULE),
    dataTable({
      caption: `Users: ${int(page.total)}`,
      rows: page.items,
      columns: [
        { key: 'id', label: 'ID', num: true },
        { key: 'username', label: 'Username', render: (u) => h('a', { href: `#/users/${u.id}` }, u.username) },
        { key: 'email', label: 'Email' },
        { key: 'role', label: 'Role', render: (u) => (u.role === 'admin' ? 'Staff (admin)' : 'Customer') },
        { key: 'is_active', label: 'Status', render: (u) => badge(u.is_active ? 'Active' : 'Inactive') },
        { key: 'created_at', label: 'Joined', render: (u) => dateTime(u.created_at) },
      ],
    }),
    pager({
      canBack: state.skip > 0,
      canForward: state.skip + page.items.length < page.total,
      back: () => go(state.skip - PER_PAGE),
      forward: () => go(state.skip + PER_PAGE),
      middle: h('span', null, `${int(page.items.length ? state.skip + 1 : 0)}–${int(state.skip + page.items.length)} of ${int(page.total)}`),
    }));
}

function createForm() {
  const form = buildForm({
    fields: [...PROFILE.slice(0, 2), { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', hint: 'At least 8 characters.' }, ...PROFILE.slice(2)],
    values: { role: 'user', is_active: true },
    submitLabel: 'Create user',
    onSubmit: async (body) => {
      const made = await api('POST', '/users/', { body });
      navigate(`#/users/${made.id}`, `The account “${made.username}” was created.`);
    },
  });
  return h('div', null, h('p', null, h('a', { href: '#/users' }, '← Users')), h('h1', null, 'New user'), h('div', { class: 'panel' }, form.el));
}

export async function userEdit(id) {
  if (id === 'new') return createForm();
  const [user, admins] = await Promise.all([api('GET', `/users/${id}`), activeAdmins()]);
  const last = admins && admins.length === 1 && admins[0].id === user.id;
  const self = currentUser() && currentUser().id === user.id;
  const profile = buildForm({
    fields: PROFILE,
    values: user,
    changedOnly: true,
    submitLabel: 'Save changes',
    onSubmit: async (body) => {
      const saved = await api('PATCH', `/users/${id}`, { body });
      if (self && (saved.role !== 'admin' || !saved.is_active)) {
        signOut('Your account is no longer an active admin, so this console has signed you out.');
        return;
      }
      navigate(`#/users/${id}`, `The account “${saved.username}” was saved.`);
    },
  });
  const password = buildForm({
    fields: [{ name: 'password', label: 'New password', type: 'password', required: true, autocomplete: 'new-password',
      hint: self ? 'At least 8 characters. You will sign in again with it.' : 'At least 8 characters. Every session the user has ends.' }],
    submitLabel: 'Reset password',
    onSubmit: async (body) => {
      await api('PATCH', `/users/${id}`, { body });
      // A new password revokes every earlier token, this console's own when it is yours.
      if (self) signOut('Your password was changed. Sign in with the new one.');
      else navigate(`#/users/${id}`, `The password of “${user.username}” was reset; their sessions have ended.`);
    },
  });
  const deleteArea = self
    ? h('div', null, h('h2', null, 'Delete this account'), h('p', { class: 'muted' }, 'You cannot delete the account you are signed in with.'))
    : deleteSection('Delete this account', `Delete the account “${user.username}” for good?`, async () => {
      await api('DELETE', `/users/${id}`);
      navigate('#/users', `The account “${user.username}” was deleted.`);
    });
  return h('div', null,
    h('p', null, h('a', { href: '#/users' }, '← Users')),
    h('h1', null, user.username),
    last ? alertBox('info', 'This is the only active admin. The API refuses to demote, deactivate or delete it (409) until another admin is active.') : null,
    !last && user.role === 'admin' ? h('p', { class: 'muted' }, RULE) : null,
    h('p', null, h('button', { type: 'button', class: 'secondary', onclick: () => showOrdersOf(user.id) }, `Orders of ${user.username}`)),
    h('div', { class: 'grid2' },
      h('section', { class: 'panel', 'aria-label': 'Profile' }, profile.el),
      h('div', null,
        h('section', { class: 'panel' }, h('h2', null, 'Reset the password'), password.el),
        h('section', { class: 'panel' }, deleteArea))));
}

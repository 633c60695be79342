// Users: the list, role and active changes (the API keeps at least one active admin), new
// accounts and password resets.

import { h, alertBox, confirmButton, badge } from '../dom.js';
import { api, all } from '../api.js';
import { buildForm } from '../form.js';
import { localList } from '../table.js';
import { dateTime } from '../format.js';
import { navigate, currentUser } from '../main.js';

const PROFILE = [
  { name: 'username', label: 'Username', hint: '3 to 50 of letters, digits and . _ -' },
  { name: 'email', label: 'Email', type: 'email' },
  { name: 'full_name', label: 'Full name' },
  { name: 'first_name', label: 'First name' },
  { name: 'last_name', label: 'Last name' },
  { name: 'phone', label: 'Phone', nullable: true },
  { name: 'date_of_birth', label: 'Date of birth', type: 'date', nullable: true },
  { name: 'role', label: 'Role', type: 'select', options: [['user', 'Customer (user)'], ['admin', 'Staff (admin)']] },
  { name: 'is_active', label: 'Active (may sign in)', type: 'checkbox' },
];

const activeAdmins = (users) => users.filter((u) => u.role === 'admin' && u.is_active);

export async function userList() {
  const users = await all('/users/', 5000);
  const admins = activeAdmins(users);
  return h('div', null,
    h('div', { class: 'bar' }, h('h1', { class: 'grow' }, 'Users'), h('a', { class: 'button', href: '#/users/new' }, 'New user')),
    admins.length === 1 ? alertBox('info', `${admins[0].username} is the only active admin: that account cannot be demoted, deactivated or deleted until another admin is active.`) : null,
    localList({
      caption: 'Users',
      rows: users,
      searchKeys: ['username', 'email', 'full_name'],
      searchLabel: 'Search users',
      columns: [
        { key: 'id', label: 'ID', num: true },
        { key: 'username', label: 'Username', render: (u) => h('a', { href: `#/users/${u.id}` }, u.username) },
        { key: 'email', label: 'Email' },
        { key: 'role', label: 'Role', render: (u) => (u.role === 'admin' ? 'Staff (admin)' : 'Customer') },
        { key: 'is_active', label: 'Status', render: (u) => badge(u.is_active ? 'Active' : 'Inactive') },
        { key: 'created_at', label: 'Joined', render: (u) => dateTime(u.created_at) },
      ],
    }));
}

export async function userEdit(id) {
  const creating = id === 'new';
  if (creating) {
    const form = buildForm({
      fields: [...PROFILE.slice(0, 2), { name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: 'At least 8 characters.' }, ...PROFILE.slice(2)],
      values: { role: 'user', is_active: true },
      submitLabel: 'Create user',
      onSubmit: async (body) => {
        const made = await api('POST', '/users/', { body });
        navigate(`#/users/${made.id}`, `The account “${made.username}” was created.`);
      },
    });
    return h('div', null, h('p', null, h('a', { href: '#/users' }, '← Users')), h('h1', null, 'New user'), h('div', { class: 'panel' }, form.el));
  }
  const [user, users] = await Promise.all([api('GET', `/users/${id}`), all('/users/', 5000)]);
  const admins = activeAdmins(users);
  const last = admins.length === 1 && admins[0].id === user.id;
  const self = currentUser() && currentUser().id === user.id;
  const profile = buildForm({
    fields: PROFILE,
    values: user,
    changedOnly: true,
    submitLabel: 'Save changes',
    onSubmit: async (body) => {
      const saved = await api('PATCH', `/users/${id}`, { body });
      navigate(`#/users/${id}`, `The account “${saved.username}” was saved.`);
    },
  });
  const password = buildForm({
    fields: [{ name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password', hint: 'At least 8 characters. Every token the user holds stops working.' }],
    submitLabel: 'Reset password',
    onSubmit: async (body) => {
      await api('PATCH', `/users/${id}`, { body });
      navigate(`#/users/${id}`, self ? 'Your password was changed.' : `The password of “${user.username}” was reset; their sessions have ended.`);
    },
  });
  const deleteArea = h('div', null, h('h2', null, 'Delete this account'),
    confirmButton('Delete', `Delete the account “${user.username}” for good?`, async () => {
      try {
        await api('DELETE', `/users/${id}`);
        navigate('#/users', `The account “${user.username}” was deleted.`);
      } catch (err) {
        deleteArea.append(alertBox('error', `Not deleted: ${err.message}`));
      }
    }));
  return h('div', null,
    h('p', null, h('a', { href: '#/users' }, '← Users')),
    h('h1', null, user.username),
    last ? alertBox('info', 'This is the only active admin. The API refuses to demote, deactivate or delete it (409) until another admin is active.') : null,
    h('div', { class: 'grid2' },
      h('section', { class: 'panel', 'aria-label': 'Profile' }, profile.el),
      h('div', null,
        h('section', { class: 'panel' }, h('h2', null, 'Reset the password'), password.el),
        h('section', { class: 'panel' }, deleteArea))));
}

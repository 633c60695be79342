// Sign-in through the API's own login (the same accounts, tokens and throttling). The console
// is for staff: a customer's valid sign-in is refused here and its token dropped.

import { h, uid, alertBox } from '../dom.js';
import { api, setToken } from '../api.js';

export function loginView({ message, kind = 'info', onSignedIn }) {
  const status = h('div', { 'aria-live': 'polite' }, message ? alertBox(kind, message) : null);
  const userId = uid('login');
  const passId = uid('password');
  const username = h('input', { id: userId, name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: passId, name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'login', novalidate: true },
    h('h1', null, 'Shop console'),
    h('p', { class: 'muted' }, 'Sign in with a staff (admin) account.'),
    status,
    h('div', { class: 'field' }, h('label', { for: userId }, 'Username or email'), username),
    h('div', { class: 'field' }, h('label', { for: passId }, 'Password'), password),
    button);

  status.id = uid('login-status');
  const invalid = (flag) => {
    for (const input of [username, password]) {
      if (flag) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', status.id);
    }
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    invalid(false);
    if (!username.value.trim() || !password.value) {
      status.replaceChildren(alertBox('error', 'Enter your username (or email) and password.'));
      (username.value.trim() ? password : username).focus();
      return;
    }
    button.disabled = true;
    status.replaceChildren(alertBox('info', 'Signing in…'));
    try {
      const { access_token: accessToken } = await api('POST', '/login/access-token', { form: { username: username.value.trim(), password: password.value } });
      setToken(accessToken);
      const user = await api('GET', '/users/me');
      if (user.role !== 'admin') {
        setToken(null);
        password.value = '';
        status.replaceChildren(alertBox('error', `The account “${user.username}” is a customer account. This console is for staff only; customers use the shop itself.`));
        return;
      }
      password.value = '';
      onSignedIn(user);
    } catch (err) {
      setToken(null);
      status.replaceChildren(alertBox('error', err.message));
      invalid(true);
      password.focus();
    } finally {
      button.disabled = false;
    }
  });
  queueMicrotask(() => username.focus());
  return h('main', { id: 'main', tabindex: -1 }, form);
}

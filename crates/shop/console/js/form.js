// Forms whose validation is the API's: the browser sends what was typed (`novalidate`), and a
// 422 puts each message beside the field it names; a 409 is explained above the form and
// beside the field it mentions.

import { h, uid, alertBox } from './dom.js';
import { ApiError } from './api.js';

function control(field, id, describedBy, value) {
  const common = { id, name: field.name, 'aria-describedby': describedBy, autocomplete: field.autocomplete || 'off', 'aria-required': field.required ? 'true' : null };
  switch (field.type) {
    case 'textarea':
      return h('textarea', { ...common, value: value ?? '' });
    case 'pairs':
      return h('textarea', { ...common, value: (value || []).map((p) => `${p.name}=${p.value}`).join('\n') });
    case 'checkbox':
      return h('input', { ...common, type: 'checkbox', checked: Boolean(value) });
    case 'select':
      return h('select', common, field.options.map(([v, label]) =>
        h('option', { value: String(v), selected: String(value ?? '') === String(v) }, label)));
    case 'checkboxes': {
      const chosen = new Set((value || []).map(String));
      return h('div', { id, role: 'group', 'aria-labelledby': `${id}-label`, 'aria-describedby': describedBy },
        field.options.map(([v, label]) => {
          const boxId = uid('opt');
          return h('div', { class: 'check' },
            h('input', { id: boxId, type: 'checkbox', value: String(v), checked: chosen.has(String(v)) }),
            h('label', { for: boxId }, label));
        }));
    }
    case 'money':
    case 'decimal':
    case 'number':
      return h('input', { ...common, type: 'text', inputmode: field.type === 'number' ? 'numeric' : 'decimal', value: value ?? '' });
    default:
      return h('input', { ...common, type: field.type || 'text', value: value ?? '' });
  }
}

function read(field, el) {
  switch (field.type) {
    case 'checkbox':
      return el.checked;
    case 'pairs':
      // One `name=value` per line; a line without `=` goes as a name with an empty value, for
      // the API to refuse with its own message.
      return el.value.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? { name: line, value: '' } : { name: line.slice(0, at).trim(), value: line.slice(at + 1).trim() };
      });
    case 'checkboxes':
      return [...el.querySelectorAll('input:checked')].map((box) => (field.numeric ? Number(box.value) : box.value));
    case 'select':
      if (el.value === '') return null;
      return field.numeric ? Number(el.value) : el.value;
    case 'number':
    case 'decimal': {
      const raw = el.value.trim();
      if (raw === '') return field.nullable ? null : raw;
      const pattern = field.type === 'number' ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/;
      return pattern.test(raw) ? Number(raw) : raw; // anything else goes as typed: the API explains it
    }
    case 'date':
      // A half-typed date reads as ''; send what the API will refuse rather than clear the date.
      if (el.validity && el.validity.badInput) return 'incomplete date';
      return el.value === '' && field.nullable ? null : el.value;
    default: {
      const raw = field.type === 'password' ? el.value : el.value.trim();
      return raw === '' && field.nullable ? null : raw;
    }
  }
}

/**
 * A form over `fields` ({name, label, type, options, hint, nullable, numeric}) filled from
 * `values`. `onSubmit(body)` gets every field, or only the changed ones with `changedOnly`.
 */
export function buildForm({ fields, values = {}, submitLabel = 'Save', changedOnly = false, onSubmit, extra }) {
  const formAlert = h('div', { 'aria-live': 'polite' });
  const rows = fields.map((field) => {
    const id = uid(`f-${field.name}`);
    const errorId = `${id}-error`;
    const hintId = field.hint ? `${id}-hint` : null;
    const input = control(field, id, [hintId, errorId].filter(Boolean).join(' '), values[field.name]);
    const error = h('p', { class: 'error', id: errorId, hidden: true });
    const text = field.required ? [field.label, h('span', { class: 'muted' }, ' (required)')] : field.label;
    const label = field.type === 'checkbox'
      ? null
      : h(field.type === 'checkboxes' ? 'span' : 'label', field.type === 'checkboxes' ? { id: `${id}-label`, class: 'label' } : { for: id }, text);
    const wrapper = field.type === 'checkbox'
      ? h('div', { class: 'field check' }, input, h('label', { for: id }, field.label), error)
      : h('div', { class: 'field' }, label, input, hintId && h('p', { class: 'hint', id: hintId }, field.hint), error);
    return { field, input, error, wrapper, initial: JSON.stringify(read(field, input)) };
  });
  const button = h('button', { type: 'submit' }, submitLabel);
  const form = h('form', { novalidate: true }, formAlert, rows.map((r) => r.wrapper), extra, h('div', { class: 'bar' }, button));

  function clear() {
    formAlert.replaceChildren();
    for (const row of rows) {
      row.error.hidden = true;
      row.error.textContent = '';
      row.input.removeAttribute('aria-invalid');
    }
  }

  function place(row, messages) {
    row.error.textContent = messages.join(' ');
    row.error.hidden = false;
    row.input.setAttribute('aria-invalid', 'true');
  }

  /** Shows an error from the API (or any other failure) where it belongs. */
  function showError(err) {
    if (!(err instanceof ApiError)) {
      formAlert.replaceChildren(alertBox('error', String(err && err.message ? err.message : err)));
      return;
    }
    const loose = [...err.unplaced];
    let first = null;
    for (const [loc, messages] of Object.entries(err.fields)) {
      const row = rows.find((r) => loc === r.field.name || loc.startsWith(`${r.field.name}.`));
      if (row) {
        place(row, messages);
        first ||= row;
      } else {
        loose.push(`${loc}: ${messages.join(' ')}`);
      }
    }
    if (err.status === 409) {
      const row = rows.find((r) => new RegExp(`\\b${r.field.name}\\b`, 'i').test(err.message));
      if (row) {
        place(row, [err.message]);
        first ||= row;
      }
    }
    const title = err.status === 409 ? `Not saved: ${err.message}` : err.message;
    formAlert.replaceChildren(alertBox('error', title, loose.length ? h('ul', null, loose.map((m) => h('li', null, m))) : null));
    if (first) (first.input.matches('input, select, textarea') ? first.input : first.input.querySelector('input')).focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear();
    const body = {};
    for (const row of rows) {
      const value = read(row.field, row.input);
      // Optional fields left empty are not sent at all, so the API applies its own default.
      if (row.field.omitEmpty && value === '') continue;
      if (!changedOnly || JSON.stringify(value) !== row.initial) body[row.field.name] = value;
    }
    button.disabled = true;
    try {
      await onSubmit(body);
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
    }
  });

  return { el: form, showError, notice: (kind, text) => formAlert.replaceChildren(alertBox(kind, text)) };
}

// Elements are built with text nodes and properties, never from HTML strings, so nothing the
// API returns can become markup.

const SVG = 'http://www.w3.org/2000/svg';

function apply(el, attrs, svg) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.setAttribute('class', value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (!svg && (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled')) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: `h('button', {class: 'danger', onclick}, 'Delete')`. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs, false);
  append(el, children);
  return el;
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  apply(el, attrs, true);
  append(el, children);
  return el;
}

let serial = 0;
/** A document-unique id for label and description links. */
export function uid(prefix) {
  serial += 1;
  return `${prefix}-${serial}`;
}

/** An alert box; errors are announced by screen readers as they appear. */
export function alertBox(kind, ...content) {
  return h('div', { class: `alert ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...content);
}

/** A button that asks again inline before it acts (no blocking browser dialog). */
export function confirmButton(label, question, action) {
  const holder = h('span');
  const ask = h('button', { type: 'button', class: 'danger', onclick: () => {
    const yes = h('button', { type: 'button', class: 'danger', onclick: async () => {
      yes.disabled = true;
      try { await action(); } finally { yes.disabled = false; }
    } }, `Yes, ${label.toLowerCase()}`);
    const no = h('button', { type: 'button', class: 'secondary', onclick: () => { holder.replaceChildren(ask); ask.focus(); } }, 'Cancel');
    holder.replaceChildren(h('span', { class: 'confirm', role: 'group', 'aria-label': question }, h('span', null, question), yes, no));
    yes.focus();
  } }, label);
  holder.append(ask);
  return holder;
}

/** An API deletion behind an inline confirmation; a refusal (a 409, say) shows its reason. */
export function deleteSection(title, question, remove) {
  const feedback = h('div');
  return h('div', null, h('h2', null, title), feedback, confirmButton('Delete', question, async () => {
    try {
      await remove();
    } catch (err) {
      feedback.replaceChildren(alertBox('error', `Not deleted: ${err.message}`));
    }
  }));
}

/** A control with its label above it. */
export function labelled(text, input) {
  const id = uid('ctl');
  input.id = id;
  return h('div', null, h('label', { for: id }, text), input);
}

/**
 * Back and forward buttons. Once either is pressed both are disabled, so a double click
 * cannot skip a page; the next page draws new ones.
 */
export function pager({ back, forward, canBack, canForward, middle = null, labels = ['Previous page', 'Next page'] }) {
  const press = (go) => () => {
    prev.disabled = true;
    next.disabled = true;
    go();
  };
  const prev = h('button', { type: 'button', class: 'secondary', disabled: !canBack, onclick: press(back) }, labels[0]);
  const next = h('button', { type: 'button', class: 'secondary', disabled: !canForward, onclick: press(forward) }, labels[1]);
  return h('div', { class: 'pager' }, prev, middle, next);
}

/** A status badge whose class carries its colour. */
export function badge(text) {
  return h('span', { class: `badge ${String(text).toLowerCase()}` }, text);
}

// Building DOM without innerHTML: every text from the API (definitions,
// statements, messages) is set as text, never parsed as HTML.
const SVG_NS = 'http://www.w3.org/2000/svg';

/** h('a', {href: '#/x', class: 'y'}, 'text', child, [more]) */
export function h(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

export function s(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return fill(el, {}, children);
}

export const short = (id) => (id ? id.slice(0, 12) : '');

/** "2026-11-24 09:53:11" in the browser's time zone. */
export function when(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function ago(iso) {
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${Math.max(0, seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

export function ms(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  return seconds < 1 ? `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms` : `${seconds.toFixed(2)} s`;
}

export function pct(rate) {
  return rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(1)}%`;
}

/** "table:public.users" -> the name `log --object` takes: "public.users" (functions without arguments, sub-objects by their relation). */
export function objectName(key) {
  const body = key.slice(key.indexOf(':') + 1).replace(/\(.*\)$/, '');
  const parts = [];
  let part = '';
  let quoted = false;
  for (const ch of body) {
    if (ch === '"') quoted = !quoted;
    if (ch === '.' && !quoted) {
      parts.push(part);
      part = '';
    } else part += ch;
  }
  parts.push(part);
  return parts.slice(0, 2).join('.');
}

export function kindOf(key) {
  return key.slice(0, key.indexOf(':'));
}

/** The schema an object key lives in ("" for schema-level objects). */
export function schemaOf(key) {
  const name = objectName(key);
  return name.includes('.') ? name.slice(0, name.indexOf('.')).replace(/"/g, '') : '';
}

// Small shared pieces: state badges, times, dialogs, toasts, toggles, page frames.
import { html, useEffect, useRef, useState } from './lib.js';
import { localTime, utcTime, fromNow } from './format.js';

export function StateBadge({ type, name }) {
  if (!type) return html`<span class="badge">no state</span>`;
  return html`<span class=${`badge st-${type.toLowerCase()}`} data-state=${type}>${name || type}</span>`;
}

/** A time in the browser's zone with UTC on hover; `rel` adds "in 5 minutes". */
export function Time({ iso, rel = false }) {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime=${iso} title=${utcTime(iso)}>${localTime(iso)}${rel ? html` <span class="muted">(${fromNow(iso)})</span>` : ''}</time>`;
}

export function Tags({ tags }) {
  if (!tags || !tags.length) return '';
  return html`<span class="tags">${tags.map((t) => html`<span class="tag">${t}</span>`)}</span>`;
}

// Error notes on screen, and API requests that failed: a "Loading…" never outlives a failed request.
const shownErrors = new Set();
const errorListeners = new Set();
const failureListeners = new Set();
const notifyErrors = () => errorListeners.forEach((fn) => fn());

/** Called for every API request that failed (`message` says why); see `Loading`. */
export function reportApiFailure(failure) {
  failureListeners.forEach((fn) => fn(failure));
}

export function ErrorNote({ error }) {
  useEffect(() => {
    if (!error) return undefined;
    const token = {};
    shownErrors.add(token);
    notifyErrors();
    return () => { shownErrors.delete(token); notifyErrors(); };
  }, [error]);
  if (!error) return '';
  return html`<p class="error" role="alert">${error.message || String(error)}</p>`;
}

/**
 * "Loading…"; nothing while an error note is shown, and the failure itself when a request failed and the
 * page is still loading a moment later.
 */
export function Loading() {
  const [, redraw] = useState(0);
  const [failure, setFailure] = useState(null);
  useEffect(() => {
    let timer = 0;
    const onErrors = () => redraw((n) => n + 1);
    const onFailure = (f) => { clearTimeout(timer); timer = setTimeout(() => setFailure(f), 1000); };
    errorListeners.add(onErrors);
    failureListeners.add(onFailure);
    return () => { clearTimeout(timer); errorListeners.delete(onErrors); failureListeners.delete(onFailure); };
  }, []);
  if (shownErrors.size) return '';
  if (failure) return html`<p class="error" role="alert">Could not load this: ${failure.message}</p>`;
  return html`<p class="muted" aria-busy="true">Loading…</p>`;
}

/** The frame of every page: a heading, optional actions, and the body. */
export function Page({ title, sub, actions, children }) {
  useEffect(() => { document.title = `${title} · Baton`; }, [title]);
  return html`<section class="page">
    <header class="page-head">
      <div><h1>${title}</h1>${sub ? html`<div class="sub">${sub}</div>` : ''}</div>
      ${actions ? html`<div class="actions">${actions}</div>` : ''}
    </header>
    ${children}
  </section>`;
}

/**
 * A search box applied on Enter or on leaving it (`onApply` gets the trimmed text). What is typed is kept
 * while the page redraws (live updates, data arriving) before it is applied.
 */
export function TextFilter({ value, onApply, ...rest }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return html`<input type="search" ...${rest} value=${text} onInput=${(e) => setText(e.target.value)}
    onChange=${(e) => onApply(e.target.value.trim())} />`;
}

/** A switch; `label` is its accessible name. */
export function Toggle({ checked, onChange, label, disabled }) {
  return html`<label class="switch" title=${label}>
    <input type="checkbox" role="switch" aria-label=${label} checked=${checked} disabled=${disabled}
      onChange=${(e) => onChange(e.target.checked)} />
    <span class="slider"></span>
  </label>`;
}

/** A modal dialog (native `<dialog>`), open while mounted. */
export function Dialog({ title, onClose, children }) {
  const ref = useRef();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const cancel = (e) => { e.preventDefault(); onClose(); };
    d.addEventListener('cancel', cancel);
    return () => d.removeEventListener('cancel', cancel);
  }, []);
  return html`<dialog ref=${ref} aria-label=${title}>
    <header class="dialog-head"><h2>${title}</h2>
      <button class="icon" aria-label="Close" onClick=${onClose}>×</button></header>
    ${children}
  </dialog>`;
}

/** A button that asks before it acts. */
export function ConfirmButton({ label, question, confirmLabel, danger, disabled, onConfirm }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const go = async () => {
    setBusy(true);
    try { await onConfirm(); setOpen(false); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return html`<button class=${danger ? 'danger' : ''} disabled=${disabled} onClick=${() => { setError(null); setOpen(true); }}>${label}</button>
    ${open && html`<${Dialog} title=${label} onClose=${() => setOpen(false)}>
      <p>${question}</p><${ErrorNote} error=${error} />
      <div class="row end">
        <button onClick=${() => setOpen(false)}>Keep</button>
        <button class=${danger ? 'danger' : 'primary'} disabled=${busy} onClick=${go}>${confirmLabel || label}</button>
      </div></${Dialog}>`}`;
}

const toastListeners = new Set();
/** Shows a short message (optionally with a link) at the bottom of the screen. */
export function toast(text, href) {
  toastListeners.forEach((fn) => fn({ text, href, id: Math.random() }));
}

export function Toasts() {
  const [items, setItems] = useState([]);
  useEffect(() => {
    const add = (t) => {
      setItems((xs) => [...xs.slice(-3), t]);
      setTimeout(() => setItems((xs) => xs.filter((x) => x.id !== t.id)), 6000);
    };
    toastListeners.add(add);
    return () => toastListeners.delete(add);
  }, []);
  return html`<div class="toasts" role="status" aria-live="polite">
    ${items.map((t) => html`<div class="toast" key=${t.id}>${t.href ? html`<a href=${t.href}>${t.text}</a>` : t.text}</div>`)}
  </div>`;
}

// Showing times, durations and states: times in the browser's zone (UTC on hover), compact durations.

const dateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** `Nov 25, 14:03:22` in the browser's time zone; '' for nothing. */
export function localTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function clockTime(iso) {
  return iso ? timeOnly.format(new Date(iso)) : '';
}

/** `2026-11-25 13:03:22 UTC`: the hover text of every shown time. */
export function utcTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** `in 5 minutes`, `3 hours ago`. */
export function fromNow(iso, now = Date.now()) {
  if (!iso) return '';
  const secs = (new Date(iso).getTime() - now) / 1000;
  const abs = Math.abs(secs);
  const [n, unit] = abs < 60 ? [secs, 'second'] : abs < 3600 ? [secs / 60, 'minute']
    : abs < 86400 ? [secs / 3600, 'hour'] : [secs / 86400, 'day'];
  return relative.format(Math.round(n), unit);
}

/** `1.2s`, `3m 04s`, `2h 05m`. */
export function duration(secs) {
  if (secs == null || Number.isNaN(secs)) return '';
  if (secs < 1) return `${Math.round(secs * 1000)}ms`;
  if (secs < 60) return `${secs < 10 ? secs.toFixed(1) : Math.round(secs)}s`;
  const s = Math.round(secs);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor(s / 3600) % 24}h`;
}

/** A run's duration: its run time, or for an active run the time since it started. */
export function runDuration(run) {
  if (run.state_type === 'RUNNING' && run.start_time) {
    return duration((Date.now() - new Date(run.start_time).getTime()) / 1000);
  }
  return run.total_run_time ? duration(run.total_run_time) : (run.estimated_run_time ? duration(run.estimated_run_time) : '');
}

export const STATE_TYPES = [
  'SCHEDULED', 'PENDING', 'RUNNING', 'PAUSED', 'CANCELLING', 'COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED',
];
export const FINAL = new Set(['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED']);

/** CSS custom property holding a state type's colour. */
export const stateVar = (type) => `var(--st-${(type || 'none').toLowerCase()})`;

/** `a=1, b="x"` for a run list, cut to `max` characters. */
export function paramSummary(params, max = 60) {
  const parts = Object.entries(params || {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const text = parts.join(', ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const LEVELS = [[10, 'DEBUG'], [20, 'INFO'], [30, 'WARNING'], [40, 'ERROR'], [50, 'CRITICAL']];
export function levelName(n) {
  let name = String(n);
  for (const [v, label] of LEVELS) if (n >= v) name = label;
  return name;
}

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
/** `12,345` (the browser's grouping); '' for nothing. */
export function num(n) {
  return n == null || Number.isNaN(Number(n)) ? '' : integer.format(Number(n));
}

/** An enum value in words: `AWAITING_RETRY` → `awaiting retry`, `task_run` → `task run`. */
export function words(value) {
  return value == null ? '' : String(value).replace(/[_-]+/g, ' ').toLowerCase().trim();
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' });
/** The local calendar day of a time, as a key (`2026-11-25`) and in words (`Wed, Nov 25, 2026`). */
export function localDay(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { key: '', label: '' };
  const key = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return { key, label: dayFormat.format(d) };
}

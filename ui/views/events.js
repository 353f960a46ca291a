// Events: what happened, newest first, filtered by event name and resource id (prefixes) over the last hour,
// day or week, all kept in the URL. The feed follows new events live (a run's state change arrives on the
// live stream; every other event by asking for those since shortly before the newest shown, every 2 s while
// the tab is visible). An event links to the run, deployment, flow or work pool it is about; a click shows its JSON.
import { html, useCallback, useEffect, useRef, useState } from '../lib.js';
import { get, post, useLive } from '../api.js';
import { Page, StateBadge, Time, Tags, ErrorNote, Loading } from '../components.js';
import { setQuery } from '../router.js';
import { parseResource, resourceHref, shortId } from './automation-words.js';
import { learnNames, useNames } from './names.js';

export const RANGES = [['hour', 'Last hour', 3600e3], ['day', 'Last day', 86400e3], ['week', 'Last week', 7 * 86400e3]];
const PAGE = 50; // Prefect's largest page of events
const POLL_MS = 2000;
const MAX_LIVE = 500; // live additions drop the oldest beyond this many
const SKEW_MS = 60e3; // `until` a little ahead, for a server clock ahead of the browser's
const LOOKBACK_MS = 30e3;

const split = (s) => (s || '').split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
const sortNew = (events) => [...events].sort((a, b) => Date.parse(b.occurred) - Date.parse(a.occurred));
const rid = (r) => (r && r['prefect.resource.id']) || '';

/** Prefect's event filter body for a time window, name prefixes, resource id prefixes and event ids. */
export function eventsBody({ names = [], resources = [], ids = [] }, since, until) {
  const filter = { occurred: { since, until }, order: 'DESC' };
  if (names.length) filter.event = { prefix: names };
  if (resources.length) filter.any_resource = { id_prefix: resources };
  if (ids.length) filter.id = { id: ids };
  return { filter, limit: PAGE };
}

/** A `next_page` URL (absolute, as Prefect gives it, or relative) as a path under `/api`. */
export function apiPath(url) {
  const u = new URL(url, location.origin);
  return u.pathname.replace(/^\/api(?=\/)/, '') + u.search;
}

/** The ids whose names events leave out (Baton's related deployments, work pools and queues carry none). */
export function eventRefs(events) {
  const refs = { deployment: [], 'work-pool': [], 'work-queue': [] };
  for (const e of events || []) {
    for (const r of [e.resource, ...(e.related || [])]) {
      const p = parseResource(rid(r));
      if (!p) continue;
      if (r['prefect.resource.name']) learnNames([[p.key, r['prefect.resource.name']]]);
      else if (refs[p.kind]) refs[p.kind].push(p.key);
    }
  }
  return refs;
}

/**
 * The feed for `spec` ({ key, names, resources, ids, since(), until(), live }): the first page, Load more,
 * and (when live, the tab visible and not paused) newer events on top. More new events than one page
 * between two looks reloads the first page rather than leave a hole.
 */
function useFeed(spec, paused) {
  const blank = { events: null, total: 0, next: null, error: null, trimmed: false, loadingMore: false };
  const [view, setView] = useState(blank);
  const st = useRef(blank);
  const gen = useRef(0);
  const inflight = useRef(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const update = (g, fn) => {
    if (g !== gen.current) return;
    st.current = { ...st.current, ...fn(st.current) };
    setView(st.current);
  };
  const firstPage = async (g) => {
    const page = await post('/events/filter', eventsBody(spec, spec.since(), spec.until()));
    update(g, () => ({ events: sortNew(page.events), total: page.total ?? page.events.length, next: page.next_page || null, error: null, trimmed: false }));
  };
  const refresh = async (g, full) => {
    if (inflight.current === g) return;
    inflight.current = g;
    try {
      const c = st.current;
      if (full || !c.events) { await firstPage(g); return; }
      // Some events arrive after newer ones (an automation's action reports when it ran, not when it ends):
      // look back a little from the newest shown; the ones already shown are skipped.
      const since = c.events.length ? new Date(Math.max(Date.parse(spec.since()), Date.parse(c.events[0].occurred) - LOOKBACK_MS)).toISOString() : spec.since();
      const page = await post('/events/filter', eventsBody(spec, since, spec.until()));
      if (g !== gen.current) return;
      const known = new Set(st.current.events.map((e) => e.id));
      const fresh = page.events.filter((e) => !known.has(e.id));
      if (page.next_page && fresh.length === page.events.length) { await firstPage(g); return; }
      if (!fresh.length) { if (st.current.error) update(g, () => ({ error: null })); return; }
      update(g, (s) => {
        const cap = Math.max(MAX_LIVE, s.events.length);
        const all = sortNew([...fresh, ...s.events]);
        const trimmed = all.length > cap;
        return { events: all.slice(0, cap), total: s.total + fresh.length, error: null,
          trimmed: s.trimmed || trimmed, next: trimmed ? null : s.next };
      });
    } catch (error) {
      update(g, () => ({ error }));
    } finally {
      if (inflight.current === g) inflight.current = 0;
    }
  };
  const soonTimer = useRef(0);
  useEffect(() => {
    const g = ++gen.current;
    st.current = blank;
    setView(blank);
    refresh(g, true);
    if (!spec.live) return () => { gen.current += 1; };
    const tick = () => { if (!document.hidden && !pausedRef.current) refresh(g); };
    const timer = setInterval(tick, POLL_MS);
    document.addEventListener('visibilitychange', tick);
    return () => {
      gen.current += 1;
      clearInterval(timer);
      clearTimeout(soonTimer.current);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [spec.key]);
  // A run changed state: that event is already stored, so look now rather than at the next tick.
  useLive(null, (kind) => {
    if (!spec.live || pausedRef.current || (kind !== 'flow_run' && kind !== 'resync')) return;
    clearTimeout(soonTimer.current);
    const g = gen.current;
    soonTimer.current = setTimeout(() => { if (!document.hidden) refresh(g); }, 150);
  });
  const more = useCallback(async () => {
    const g = gen.current;
    const next = st.current.next;
    if (!next || st.current.loadingMore) return;
    update(g, () => ({ loadingMore: true }));
    try {
      const page = await get(apiPath(next));
      update(g, (s) => {
        const known = new Set(s.events.map((e) => e.id));
        return { events: [...s.events, ...page.events.filter((e) => !known.has(e.id))], next: page.next_page || null, loadingMore: false, error: null };
      });
    } catch (error) { update(g, () => ({ error, loadingMore: false })); }
  }, [spec.key]);
  return { ...view, more, reload: () => refresh(gen.current, true) };
}

function RelatedLink({ r, names }) {
  const id = rid(r);
  const p = parseResource(id);
  const role = r['prefect.resource.role'] || (p && p.kind) || 'related';
  const name = r['prefect.resource.name'] || (p && names.get(p.key)) || (p ? shortId(p.key) : id);
  const href = resourceHref(id, names);
  const label = html`<span class="muted">${role}</span> ${name}`;
  return href ? html`<a class="rel" href=${href} data-role=${role} title=${id}>${label}</a>`
    : html`<span class="rel" data-role=${role} title=${id}>${label}</span>`;
}

/** One event: time, name, resource, links to what it relates to; a click (or Enter on its name) shows its JSON. */
export function EventItem({ e, names, open, onToggle, filterLinks = true }) {
  const res = e.resource || {};
  const id = rid(res);
  const href = resourceHref(id, names);
  const p = parseResource(id);
  const name = res['prefect.resource.name'] || (p && names.get(p.key));
  const related = (e.related || []).filter((r) => r['prefect.resource.role'] !== 'tag');
  const tags = (e.related || []).filter((r) => r['prefect.resource.role'] === 'tag').map((r) => rid(r).replace(/^prefect\.tag\./, ''));
  const state = res['prefect.state-type'];
  const click = (ev) => { if (!ev.target.closest('a')) onToggle(); };
  return html`<li class=${`event ${open ? 'open' : ''}`} data-event=${e.event} data-id=${e.id}>
    <div class="ev-row" onClick=${click}>
      <span class="ev-time"><${Time} iso=${e.occurred} /></span>
      <span class="ev-name"><button type="button" class="link" aria-expanded=${open ? 'true' : 'false'}>${e.event}</button>
        ${state ? html` <${StateBadge} type=${state} name=${res['prefect.state-name']} />` : ''}</span>
      <span class="ev-res" title=${id}>${href ? html`<a href=${href} class="res-link">${name || id}</a>` : html`<span>${name || id}</span>`}</span>
      <span class="ev-rel">${related.map((r) => html`<${RelatedLink} key=${rid(r)} r=${r} names=${names} />`)}<${Tags} tags=${tags} /></span>
    </div>
    ${open ? html`<div class="ev-json">
      ${filterLinks ? html`<div class="row small"><a href=${`/events?resource=${encodeURIComponent(id)}`}>Events of this resource</a>
        <a href=${`/events?event=${encodeURIComponent(e.event)}`}>Events named ${e.event}</a></div>` : ''}
      <pre class="json">${JSON.stringify(e, null, 2)}</pre></div>` : ''}
  </li>`;
}

/** A list of events, each opening on click; `emptyText` when there are none. */
export function EventList({ events, openFirst = false, emptyText = 'No events.', filterLinks }) {
  const [open, setOpen] = useState(() => new Set(openFirst && events[0] ? [events[0].id] : []));
  const names = useNames(eventRefs(events));
  const toggle = (id) => setOpen((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  if (!events.length) return html`<p class="muted empty">${emptyText}</p>`;
  return html`<ol class="events">${events.map((e) => html`<${EventItem} key=${e.id} e=${e} names=${names} open=${open.has(e.id)}
    onToggle=${() => toggle(e.id)} filterLinks=${filterLinks} />`)}</ol>`;
}

/** A text filter applied as the user types (after a pause) or on Enter, kept in the URL under `param`. */
function PrefixInput({ param, label, value, placeholder }) {
  const [text, setText] = useState(value);
  const timer = useRef(0);
  useEffect(() => setText(value), [value]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const apply = (v) => { clearTimeout(timer.current); setQuery({ [param]: v.trim() }, { replace: true }); };
  return html`<label>${label}<input type="search" aria-label=${label} value=${text} placeholder=${placeholder} spellcheck="false"
    onInput=${(e) => { const v = e.target.value; setText(v); clearTimeout(timer.current); timer.current = setTimeout(() => apply(v), 400); }}
    onKeyDown=${(e) => { if (e.key === 'Enter') { e.preventDefault(); apply(e.target.value); } }} /></label>`;
}

function Filters({ q, range }) {
  return html`<form class="filters event-filters" aria-label="Filters" onSubmit=${(e) => e.preventDefault()}>
    <${PrefixInput} param="event" label="Event name starts with" value=${q.get('event') || ''} placeholder="prefect.flow-run." />
    <${PrefixInput} param="resource" label="Resource id starts with" value=${q.get('resource') || ''} placeholder="prefect.deployment." />
    <div class="seg" role="group" aria-label="Time range">${RANGES.map(([k, label]) => html`<button type="button" aria-pressed=${range === k ? 'true' : 'false'}
      onClick=${() => setQuery({ range: k === 'day' ? '' : k })}>${label}</button>`)}</div>
  </form>`;
}

const dayStart = (day) => { const d = new Date(`${day}T00:00:00Z`); return Number.isNaN(d.getTime()) ? null : d; };

export function Events({ query }) {
  const [paused, setPaused] = useState(false);
  const one = query.get('id');
  const range = RANGES.find(([k]) => k === query.get('range')) || RANGES[1];
  const names = split(query.get('event'));
  const resources = split(query.get('resource'));
  const day = one && dayStart(query.get('day') || '');
  // One event with no day given (a link from a related `prefect.event.<id>`): look over the last 30 days.
  const oneSince = () => (day ? day.toISOString() : new Date(Date.now() - 30 * 86400e3).toISOString());
  const spec = {
    key: `${query.toString()}`, names, resources, ids: one ? [one] : [], live: !one,
    since: () => (one ? oneSince() : new Date(Date.now() - range[2]).toISOString()),
    until: () => (day ? new Date(day.getTime() + 86400e3).toISOString() : new Date(Date.now() + SKEW_MS).toISOString()),
  };
  const feed = useFeed(spec, paused);
  const events = feed.events && (one ? feed.events.filter((e) => e.id === one) : feed.events);
  const failed = feed.error && new Error(`Events could not be loaded: ${feed.error.message}${feed.error.status ? ` (HTTP ${feed.error.status})` : ''}`);
  const filtered = names.length || resources.length || query.get('range');
  const sub = one ? html`<a href="/events">All events</a>` : html`<span class=${`live ${paused ? 'paused' : ''}`}>${paused ? 'Paused' : 'Live'}</span>
    ${feed.events ? html`<span class="muted" data-total=${feed.total}>${feed.total} ${feed.total === 1 ? 'event' : 'events'} in the ${range[1].toLowerCase()}</span>` : ''}`;
  return html`<${Page} title=${one ? 'Event' : 'Events'} sub=${sub}
    actions=${one ? '' : html`${filtered ? html`<a class="button" href="/events">Clear filters</a>` : ''}
      <button onClick=${() => setPaused((p) => !p)} aria-pressed=${paused ? 'true' : 'false'}>${paused ? 'Resume live' : 'Pause live'}</button>`}>
    ${one ? '' : html`<${Filters} q=${query} range=${range[0]} />`}
    <${ErrorNote} error=${failed} />
    ${!events ? (feed.error ? html`<button onClick=${feed.reload}>Try again</button>` : html`<${Loading} />`)
    : html`<${EventList} key=${spec.key} events=${events} openFirst=${!!one}
        emptyText=${one ? `No such event ${day ? 'on that day' : 'in the last 30 days'}.` : `No events${filtered ? ' match these filters' : ''} in the ${range[1].toLowerCase()}. Runs, deployments and workers emit them as they work.`} />
      ${feed.trimmed ? html`<p class="muted small">Showing the newest ${feed.events.length}; older ones were dropped as new ones arrived.</p>` : ''}
      ${feed.next ? html`<div class="pager"><button onClick=${feed.more} disabled=${feed.loadingMore}>${feed.loadingMore ? 'Loading…' : 'Load more'}</button></div>` : ''}`}
  </${Page}>`;
}

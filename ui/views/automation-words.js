// Automations and events in words, with no imports so Node's tests load it as is: a trigger ("When
// prefect.flow-run.Failed from prefect.deployment.* happens 1 time"), an action ("Run deployment nightly"),
// and the dashboard page of an event's resource (`prefect.flow-run.<id>` → `/runs/<id>`).

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const list = (xs, word = 'or') => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} ${word} ${xs[xs.length - 1]}`);
const values = (v) => (Array.isArray(v) ? v : v == null ? [] : [v]).map(String);

/** A `within` or `schedule_after` in seconds (or Prefect's `PT10S`) as `10 s`, `5 min`, `2 h`, `1 d`, `1 min 30 s`. */
export function spanText(secs) {
  let s = typeof secs === 'string' ? isoSeconds(secs) : Number(secs);
  if (!Number.isFinite(s) || s <= 0) return '';
  s = Math.round(s * 1000) / 1000;
  const units = [[86400, 'd'], [3600, 'h'], [60, 'min']];
  if (s < 60) return `${s} s`;
  const [size, unit] = units.find(([n]) => s >= n);
  if (s % size === 0) return `${s / size} ${unit}`;
  const parts = [];
  let rest = Math.round(s);
  for (const [size, unit] of units) {
    if (rest >= size) { parts.push(`${Math.floor(rest / size)} ${unit}`); rest %= size; }
  }
  if (rest) parts.push(`${rest} s`);
  return parts.join(' ');
}

function isoSeconds(text) {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim());
  if (!m) return Number(text);
  const [d, h, mi, s] = m.slice(1).map((x) => Number(x || 0));
  return d * 86400 + h * 3600 + mi * 60 + s;
}

/** Resource labels as words: the `prefect.resource.id` patterns, then any other label as `label=value`. */
function labelsText(labels) {
  const all = (Array.isArray(labels) ? labels : [labels]).filter((l) => l && typeof l === 'object');
  const groups = all.map((l) => {
    const ids = values(l['prefect.resource.id']);
    const rest = Object.entries(l).filter(([k]) => k !== 'prefect.resource.id')
      .map(([k, v]) => `${k}=${list(values(v))}`);
    return [ids.length ? list(ids) : '', ...rest].filter(Boolean).join(' with ');
  }).filter(Boolean);
  return groups.join(' and ');
}

function eventsText(names, fallback) {
  const xs = values(names);
  return xs.length ? list(xs) : fallback;
}

/** One event trigger, starting lowercase ("when … happens 1 time"). */
function eventTriggerText(t) {
  const what = eventsText(t.expect, 'any event');
  const from = labelsText(t.match || {});
  const related = labelsText(t.match_related || {});
  const source = from && related ? ` from ${from} related to ${related}` : from || related ? ` from ${from || related}` : '';
  const within = spanText(t.within);
  const threshold = Number.isFinite(Number(t.threshold)) ? Number(t.threshold) : 1;
  const after = values(t.after);
  const forEach = values(t.for_each);
  let text;
  if (t.posture === 'Proactive') {
    const count = threshold > 1 ? ` ${plural(threshold, 'time')}` : '';
    text = `when ${what}${source} does not happen${count}${within ? ` within ${within}` : ''}`;
    if (after.length) text += ` after ${list(after)}`;
  } else if (t.posture === 'Metric') {
    text = `when the metric of ${what}${source} crosses its threshold${within ? ` within ${within}` : ''}`;
  } else {
    text = `when ${what}${source} happens ${plural(threshold, 'time')}${within ? ` within ${within}` : ''}`;
    if (after.length) text += `, once ${list(after)} has happened`;
  }
  if (forEach.length) text += `, for each ${list(forEach, 'and')}`;
  return text;
}

function requireText(req, n) {
  if (req === 'all' || req == null) return 'all';
  if (req === 'any') return 'any';
  const k = Number(req);
  return Number.isFinite(k) ? (k >= n ? 'all' : String(k)) : String(req);
}

function triggerPhrase(t) {
  if (!t || typeof t !== 'object') return 'an unknown trigger';
  const subs = Array.isArray(t.triggers) ? t.triggers : [];
  const within = spanText(t.within);
  if (t.type === 'compound') {
    return `${requireText(t.require, subs.length)} of${within ? ` (within ${within})` : ''}: ${subs.map(triggerPhrase).join('; ')}`;
  }
  if (t.type === 'sequence') {
    return `in order${within ? ` (within ${within})` : ''}: ${subs.map(triggerPhrase).join('; then ')}`;
  }
  if (t.type === 'event' || t.expect || t.posture) return eventTriggerText(t);
  return `a ${t.type || 'unknown'} trigger`;
}

/** A trigger in one sentence, capitalised: "When prefect.flow-run.Failed from prefect.deployment.* happens 1 time". */
export function triggerText(trigger) {
  const s = triggerPhrase(trigger);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** An id cut to its last 8 characters (Prefect's and Baton's time-ordered ids share their first ones). */
export const shortId = (id) => (typeof id === 'string' && id.length > 12 ? `…${id.slice(-8)}` : String(id));
const short = shortId;
const named = (names, id) => (names && typeof names.get === 'function' && names.get(id)) || short(id);

/** What an action on a selected object (or the object the triggering event is about) does. */
function onObject(verb, noun, a, idKey, names) {
  if (a.source === 'inferred' || !a[idKey]) return `${verb} the ${noun} of the triggering event`;
  return `${verb} ${noun} ${named(names, a[idKey])}`;
}

/**
 * An action in words: "Run deployment nightly", "Cancel the flow run", "Send a notification". `names` maps
 * ids (deployments, work pools, work queues, automations, blocks) to names; an unknown id shows shortened.
 */
export function actionText(a, names) {
  if (!a || typeof a !== 'object') return 'Unknown action';
  switch (a.type) {
    case 'do-nothing': return 'Do nothing';
    case 'run-deployment': {
      let s = onObject('Run', 'deployment', a, 'deployment_id', names);
      const params = a.parameters && Object.keys(a.parameters).length;
      if (params) s += ` with ${plural(params, 'parameter')}`;
      const after = spanText(a.schedule_after);
      if (after) s += `, ${after} later`;
      return s;
    }
    case 'pause-deployment': return onObject('Pause', 'deployment', a, 'deployment_id', names);
    case 'resume-deployment': return onObject('Resume', 'deployment', a, 'deployment_id', names);
    case 'cancel-flow-run': return 'Cancel the flow run';
    case 'delete-flow-run': return 'Delete the flow run';
    case 'suspend-flow-run': return 'Suspend the flow run';
    case 'resume-flow-run': return 'Resume the flow run';
    case 'change-flow-run-state': {
      const to = a.name || (a.state ? a.state.charAt(0) + a.state.slice(1).toLowerCase() : '');
      return `Change the flow run's state to ${to || 'another state'}${a.force ? ' (forced)' : ''}`;
    }
    case 'pause-work-queue': return onObject('Pause', 'work queue', a, 'work_queue_id', names);
    case 'resume-work-queue': return onObject('Resume', 'work queue', a, 'work_queue_id', names);
    case 'pause-work-pool': return onObject('Pause', 'work pool', a, 'work_pool_id', names);
    case 'resume-work-pool': return onObject('Resume', 'work pool', a, 'work_pool_id', names);
    case 'pause-automation': return onObject('Pause', 'automation', a, 'automation_id', names);
    case 'resume-automation': return onObject('Resume', 'automation', a, 'automation_id', names);
    case 'send-notification': {
      const block = a.block_document_id && names && names.get && names.get(a.block_document_id);
      return `Send a notification${block ? ` with ${block}` : ''}${a.subject ? `: “${a.subject}”` : ''}`;
    }
    case 'call-webhook': {
      const block = a.block_document_id && names && names.get && names.get(a.block_document_id);
      return `Call a webhook${block ? ` (${block})` : ''}`;
    }
    default: return a.type ? `${a.type.charAt(0).toUpperCase()}${a.type.slice(1).replace(/-/g, ' ')}` : 'Unknown action';
  }
}

/** The ids an action names, by kind, for looking their names up. */
export function actionRefs(a) {
  if (!a || a.source === 'inferred') return {};
  const refs = {};
  for (const [key, kind] of [['deployment_id', 'deployment'], ['work_pool_id', 'work-pool'], ['work_queue_id', 'work-queue'],
    ['automation_id', 'automation'], ['block_document_id', 'block']]) {
    if (a[key]) refs[kind] = a[key];
  }
  return refs;
}

/** The dashboard page of an action's selected object, or null. `names` gives work pools their names. */
export function actionHref(a, names) {
  const r = actionRefs(a);
  if (r.deployment) return `/deployments/${encodeURIComponent(r.deployment)}`;
  if (r['work-pool']) return resourceHref(`prefect.work-pool.${r['work-pool']}`, names);
  if (r['work-queue']) return resourceHref(`prefect.work-queue.${r['work-queue']}`, names);
  if (r.automation) return resourceHref(`prefect.automation.${r.automation}`, names);
  if (r.block) return `/blocks/${encodeURIComponent(r.block)}`;
  return null;
}

const KINDS = ['flow-run', 'task-run', 'deployment', 'flow', 'work-pool', 'work-queue', 'automation', 'concurrency-limit', 'block-document', 'event'];

/** `prefect.flow-run.<id>` → { kind: 'flow-run', key: '<id>' }; null for other resources. */
export function parseResource(id) {
  if (typeof id !== 'string' || !id.startsWith('prefect.')) return null;
  const rest = id.slice('prefect.'.length);
  const kind = KINDS.find((k) => rest.startsWith(`${k}.`));
  if (!kind) return null;
  const key = rest.slice(kind.length + 1);
  return key ? { kind, key } : null;
}

/** The Baton page of a resource id, or null; a work pool needs its name from `names` (id → name). */
export function resourceHref(id, names) {
  const r = parseResource(id);
  if (!r) return null;
  const k = encodeURIComponent(r.key);
  switch (r.kind) {
    case 'flow-run': return `/runs/${k}`;
    case 'task-run': return `/runs/task-run/${k}`;
    case 'deployment': return `/deployments/${k}`;
    case 'flow': return `/runs?flow=${k}`;
    case 'work-pool': {
      const name = names && typeof names.get === 'function' && names.get(r.key);
      return name ? `/work-pools/${encodeURIComponent(name)}` : null;
    }
    case 'work-queue': return `/work-queues/work-queue/${k}`;
    case 'automation': return `/automations/automation/${k}`;
    case 'concurrency-limit': return `/concurrency/${encodeURIComponent(r.key.replace(/^v\d+\./, ''))}`;
    case 'block-document': return `/blocks/${k}`;
    case 'event': return `/events?id=${k}`;
    default: return null;
  }
}

const byNewest = (a, b) => Date.parse(b.occurred) - Date.parse(a.occurred);

/**
 * An automation's recent activity from its events (`prefect.automation.*` on `prefect.automation.<id>`):
 * the newest firing, the newest resolution, and per action invocation its outcome, newest first:
 * `executed`, `failed` (with Prefect's `reason`) or `started` (triggered, no outcome yet).
 */
export function automationActivity(events) {
  const sorted = [...(events || [])].sort(byNewest);
  const fired = sorted.filter((e) => e.event === 'prefect.automation.triggered');
  const outcomes = new Map();
  for (const e of sorted) {
    const m = /^prefect\.automation\.action\.(triggered|executed|failed)$/.exec(e.event);
    if (!m) continue;
    const p = e.payload || {};
    const terminal = m[1] !== 'triggered';
    const key = p.invocation || (terminal ? e.follows || e.id : e.id);
    const seen = outcomes.get(key);
    if (seen && !(seen.outcome === 'started' && terminal)) continue;
    outcomes.set(key, {
      key, outcome: terminal ? m[1] : 'started', event: e, occurred: e.occurred,
      index: Number.isInteger(p.action_index) ? p.action_index : null, type: p.action_type || null,
      reason: p.reason || null,
    });
  }
  return {
    lastFired: fired[0] || null,
    fired: fired.length,
    lastResolved: sorted.find((e) => e.event === 'prefect.automation.resolved') || null,
    outcomes: [...outcomes.values()].sort((a, b) => Date.parse(b.occurred) - Date.parse(a.occurred)),
  };
}

/** The action an outcome event names: by `action_index` (over actions, then on trigger, then on resolve) when its type agrees. */
export function actionAt(automation, index, type) {
  const all = [...(automation.actions || []), ...(automation.actions_on_trigger || []), ...(automation.actions_on_resolve || [])];
  const a = index == null ? null : all[index];
  if (a && (!type || a.type === type)) return a;
  return { type: type || 'unknown' };
}

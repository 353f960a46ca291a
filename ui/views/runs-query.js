// The runs list's address, checked: a filter it cannot use (an unknown state, a time that is no date, an
// unknown sort, a page size it does not offer, a flow, deployment or work pool that does not exist) is left
// out of the request and named above the list with what is allowed and a link that removes it, so the rest
// of the page still works.
import { html } from '../lib.js';
import { post, isUuid } from '../api.js';
import { STATE_TYPES, num } from '../format.js';

export const PAGE_SIZES = [25, 50, 100];
/** Sort choices per tab: [Prefect sort value, words]; the first is the tab's default. */
export const SORTS = {
  past: [['EXPECTED_START_TIME_DESC', 'Newest first'], ['EXPECTED_START_TIME_ASC', 'Oldest first'],
    ['START_TIME_DESC', 'Started most recently'], ['END_TIME_DESC', 'Ended most recently'], ['NAME_ASC', 'Name, A to Z'], ['NAME_DESC', 'Name, Z to A']],
  upcoming: [['EXPECTED_START_TIME_ASC', 'Soonest first'], ['EXPECTED_START_TIME_DESC', 'Latest first'], ['NAME_ASC', 'Name, A to Z'], ['NAME_DESC', 'Name, Z to A']],
};

const oneOf = (xs) => (xs.length > 1 ? `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}` : xs[0]);

/**
 * The URL's query with what the list cannot use taken out (times made ISO 8601), and a problem
 * `{ param, value, why }` for each value taken out; flows, deployments and pools are checked by `checkNames`.
 */
export function checkQuery(q, tab) {
  const out = new URLSearchParams(q);
  const problems = [];
  const drop = (param, value, why) => {
    problems.push({ param, value, why });
    const keep = out.getAll(param).filter((v) => v !== value);
    out.delete(param);
    keep.forEach((v) => out.append(param, v));
  };
  for (const v of q.getAll('state')) if (!STATE_TYPES.includes(v)) drop('state', v, `is not a state type: use ${oneOf(STATE_TYPES)}.`);
  for (const k of ['from', 'to']) {
    const v = q.get(k);
    if (v === null || v === '') continue;
    const t = Date.parse(v);
    if (Number.isNaN(t)) drop(k, v, 'is not a date and time: use ISO 8601, like 2025-06-30T08:00:00Z.');
    else out.set(k, new Date(t).toISOString());
  }
  const tabValue = q.get('tab');
  if (tabValue && !['past', 'upcoming'].includes(tabValue)) drop('tab', tabValue, 'is not a tab: use past or upcoming.');
  const sort = q.get('sort');
  if (sort && !SORTS[tab].some(([v]) => v === sort)) {
    drop('sort', sort, `is not a sort of the ${tab} runs: use ${oneOf(SORTS[tab].map(([v, w]) => `${v} (${w})`))}.`);
  }
  const size = q.get('size');
  if (size && !PAGE_SIZES.includes(Number(size))) drop('size', size, `is not a page size: use ${oneOf(PAGE_SIZES.map(String))}.`);
  const page = q.get('page');
  if (page && !/^[1-9][0-9]*$/.test(page)) drop('page', page, 'is not a page number: use 1 or more.');
  const subflows = q.get('subflows');
  if (subflows && subflows !== 'hide') drop('subflows', subflows, 'is not a choice: use hide (or leave it out to show subflow runs).');
  for (const [k, what] of [['flow', 'flow'], ['deployment', 'deployment']]) {
    const v = q.get(k);
    if (v && !isUuid(v)) drop(k, v, `is not a ${what} id (a UUID, as in the address of the ${what}'s page).`);
  }
  return { query: out, problems };
}

/**
 * Looks up the flow, deployment and work pool that `q` filters by; resolves to a problem for each that does
 * not exist.
 */
export async function checkNames(q) {
  const checks = [
    ['flow', () => post('/flows/filter', { flows: { id: { any_: [q.get('flow')] } }, limit: 1 }), 'There is no flow with this id.'],
    ['deployment', () => post('/deployments/filter', { deployments: { id: { any_: [q.get('deployment')] } }, limit: 1 }), 'There is no deployment with this id.'],
    ['pool', () => post('/work_pools/filter', { work_pools: { name: { any_: [q.get('pool')] } }, limit: 1 }), 'There is no work pool with this name.'],
  ].filter(([k]) => q.get(k));
  const found = await Promise.all(checks.map(([, look]) => look()));
  return checks.filter((c, i) => !found[i].length).map(([param, , why]) => ({ param, value: q.get(param), why }));
}

/** `query` without `param=value` (or without `param` at all), as an address of the runs list. */
function without(query, drops) {
  const q = new URLSearchParams(query);
  for (const { param, value } of drops) {
    const keep = q.getAll(param).filter((v) => v !== value);
    q.delete(param);
    keep.forEach((v) => q.append(param, v));
  }
  q.delete('page');
  const s = q.toString();
  return `/runs${s ? `?${s}` : ''}`;
}

/** The filters of the address that were left out, each with why and a link that removes it. */
export function BadFilters({ query, problems }) {
  if (!problems.length) return '';
  return html`<section class="panel warn-panel bad-filters" role="alert" aria-label="Filters left out">
    <p>${problems.length === 1 ? 'This part of the address was left out' : `These ${num(problems.length)} parts of the address were left out`}; the list shows the runs without ${problems.length === 1 ? 'it' : 'them'}.</p>
    <ul>${problems.map((p) => html`<li key=${`${p.param}=${p.value}`} data-param=${p.param}>
      <code>${p.param}=${p.value}</code> ${p.why} <a href=${without(query, [p])}>Remove it</a></li>`)}</ul>
    ${problems.length > 1 ? html`<p><a class="remove-all" href=${without(query, problems)}>Remove them all</a></p>` : ''}
  </section>`;
}

// What the runs list does to the runs selected on its page: cancel, retry (finished runs of a deployment,
// set to Scheduled "AwaitingRetry" as Prefect's own Retry does) and delete, in requests of at most 50 runs,
// each saying how many it changed and why the others were left.
import { html } from '../lib.js';
import { post } from '../api.js';
import { ConfirmButton } from '../components.js';
import { FINAL, num } from '../format.js';

const BULK_LIMIT = 50; // the most runs one bulk request may name

function chunks(ids) {
  const out = [];
  for (let i = 0; i < ids.length; i += BULK_LIMIT) out.push(ids.slice(i, i + BULK_LIMIT));
  return out;
}

export const runsWord = (n) => `${num(n)} run${n === 1 ? '' : 's'}`;

async function setStates(ids, state, force) {
  const results = [];
  for (const part of chunks(ids)) {
    const res = await post('/flow_runs/bulk_set_state', { state, force, flow_runs: { id: { any_: part } }, limit: part.length });
    results.push(...res.results);
  }
  const ok = results.filter((r) => r.status === 'ACCEPT').length;
  const why = [...new Set(results.filter((r) => r.status !== 'ACCEPT').map((r) => r.details?.reason || r.status))];
  return { ok, why };
}

/** Proposes Cancelling for `ids` (a run without a process goes straight to Cancelled); says how it went. */
export async function cancelRuns(ids) {
  const { ok, why } = await setStates(ids, { type: 'CANCELLING', name: 'Cancelling' }, false);
  const refused = ids.length - ok;
  return `Cancelled ${ok} of ${runsWord(ids.length)}${refused ? ` · ${refused} refused: ${why.join('; ')}` : ''}`;
}

/** A run the list offers to retry: finished, and from a deployment (so a worker can run it again). */
export const retriable = (run) => FINAL.has(run.state_type) && !!run.deployment_id;

/**
 * Schedules `runs` (those `retriable`) to run again at once, keeping their parameters: Scheduled named
 * AwaitingRetry, forced, as Prefect's Retry does. Says how many, and why the others were skipped.
 */
export async function retryRuns(runs) {
  const ids = runs.filter(retriable).map((r) => r.id);
  const skipped = runs.length - ids.length;
  const { ok, why } = ids.length
    ? await setStates(ids, { type: 'SCHEDULED', name: 'AwaitingRetry', message: 'Retried from the dashboard' }, true)
    : { ok: 0, why: [] };
  const refused = ids.length - ok;
  return `Retrying ${ok} of ${runsWord(runs.length)}${skipped ? ` · ${skipped} skipped: not finished or not from a deployment` : ''}${refused ? ` · ${refused} refused: ${why.join('; ')}` : ''}`;
}

export async function deleteRuns(ids) {
  let deleted = 0;
  for (const part of chunks(ids)) deleted += (await post('/flow_runs/bulk_delete', { flow_runs: { id: { any_: part } }, limit: part.length })).deleted.length;
  return `Deleted ${deleted} of ${runsWord(ids.length)}${deleted < ids.length ? ` · ${ids.length - deleted} no longer existed` : ''}`;
}

export function BulkActions({ chosen, note, setNote, onDone }) {
  const n = chosen.length;
  const again = chosen.filter(retriable).length;
  const act = async (fn, arg) => {
    setNote('');
    try { setNote(await fn(arg)); } finally { onDone(); }
  };
  const ids = () => chosen.map((r) => r.id);
  return html`<div class="bulk row" role="toolbar" aria-label="Selected runs">
    <span class="muted">${n ? `${runsWord(n)} selected` : 'Select runs to cancel, retry or delete them'}</span>
    <${ConfirmButton} label=${n ? `Cancel ${runsWord(n)}` : 'Cancel'} confirmLabel="Cancel runs" disabled=${!n}
      question=${`Cancel ${runsWord(n)}? Running ones are stopped; scheduled and pending ones are cancelled at once; finished ones are left as they are.`}
      onConfirm=${() => act(cancelRuns, ids())} />
    <${ConfirmButton} label=${again ? `Retry ${runsWord(again)}` : 'Retry'} confirmLabel="Retry runs" disabled=${!again}
      question=${`Run ${runsWord(again)} again with the same parameters? ${again < n ? `${runsWord(n - again)} of the selection ${n - again === 1 ? 'is' : 'are'} still active or not from a deployment, and ${n - again === 1 ? 'is' : 'are'} left as ${n - again === 1 ? 'it is' : 'they are'}.` : ''}`}
      onConfirm=${() => act(retryRuns, chosen)} />
    <${ConfirmButton} label=${n ? `Delete ${runsWord(n)}` : 'Delete'} confirmLabel="Delete runs" danger disabled=${!n}
      question=${`Delete ${runsWord(n)} with their task runs and logs? This cannot be undone.`}
      onConfirm=${() => act(deleteRuns, ids())} />
    ${note ? html`<span class="bulk-note" role="status">${note}</span>` : ''}
  </div>`;
}

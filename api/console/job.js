// One job in the "new" view: its status and progress (live, from the event stream), then
// its results.

import { FINISHED, api, sleep, streamEvents } from "./api.js";
import { $, showError, when } from "./dom.js";
import { showResults } from "./results.js";

let currentJobId = null;
export const currentJob = () => currentJobId;
let watcher = null; // AbortController of the current job's progress stream

function renderJob(job) {
  $("job-empty").hidden = true;
  $("job-view").hidden = false;
  $("job-id").textContent = job.id;
  const status = $("job-status");
  status.textContent = job.status;
  status.className = `status ${job.status}`;
  const p = job.params || {};
  const what = job.task === "conformers"
    ? `${(p.smiles || []).length} molecules × ${p.num_samples} conformers`
    : job.task === "molecules"
      ? `${p.num_samples} molecules${p.num_heavy_atoms ? ` of ${p.num_heavy_atoms} heavy atoms` : ""}`
      : `${p.num_samples} backbones of ${p.length ?? (p.lengths || []).join(", ")} residues`
        + (p.secondary_structure ? " for a given secondary structure" : "")
        + (p.helix_fraction != null || p.strand_fraction != null
          ? ` near helix ${p.helix_fraction ?? 0} / strand ${p.strand_fraction ?? 0}` : "");
  $("job-params").textContent = `${job.task}: ${what} · ${p.treatment} · ${p.sampler}, `
    + `${p.num_steps} steps · seed ${p.seed} · submitted ${when(job.created_at)}`;
  const bar = $("job-progress");
  bar.max = Math.max(job.progress_total, 1);
  bar.value = job.progress_done;
  $("job-progress-text").textContent = `${job.progress_done} / ${job.progress_total} samples`;
  $("job-cancel").hidden = FINISHED.includes(job.status);
  showError($("job-error"), job.status === "failed" ? `failed: ${job.error || "no message"}` : "");
}

export async function openJob(id, known) {
  if (watcher) watcher.abort();
  const controller = new AbortController();
  watcher = controller;
  currentJobId = id;
  $("job-results").hidden = true;
  showError($("job-error"), "");
  try {
    let job = known || (await (await api(`v1/jobs/${id}`, { signal: controller.signal })).json());
    renderJob(job);
    if (!FINISHED.includes(job.status)) {
      try {
        await streamEvents(id, renderJob, controller.signal);
      } catch (e) {
        if (e.name === "AbortError") return;
        // the stream broke (a proxy, a restart): fall back to polling
      }
      job = await (await api(`v1/jobs/${id}`, { signal: controller.signal })).json();
      while (!FINISHED.includes(job.status)) {
        renderJob(job);
        await sleep(1000);
        if (controller.signal.aborted) return;
        job = await (await api(`v1/jobs/${id}`, { signal: controller.signal })).json();
      }
    }
    if (controller.signal.aborted) return;
    renderJob(job);
    if (job.status === "succeeded") await showResults(job, controller.signal);
  } catch (e) {
    if (e.name !== "AbortError") showError($("job-error"), e.message);
  }
}

export async function cancelJob(id) {
  const job = await (await api(`v1/jobs/${id}`, { method: "DELETE" })).json();
  if (id === currentJobId) renderJob(job);
  return job;
}

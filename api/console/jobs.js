// The jobs view: recent jobs with status and progress; open, cancel.

import { FINISHED, api } from "./api.js";
import { $, el, showError, when } from "./dom.js";
import { cancelJob } from "./job.js";

let refreshing = false; // one request at a time, however slow the server is

export async function refreshJobs() {
  if (refreshing) return;
  refreshing = true;
  const error = $("jobs-error");
  try {
    const page = await (await api("v1/jobs?limit=50")).json();
    showError(error, "");
    $("jobs-empty").hidden = page.jobs.length > 0;
    const head = el("thead", {}, el("tr", {},
      ["Job", "Task", "Status", "Progress", "Submitted", "Finished", ""].map((h) => el("th", {}, h))));
    const body = el("tbody", {}, page.jobs.map((job) => el(
      "tr",
      { dataset: { jobId: job.id, status: job.status } },
      el("td", {}, el("code", { title: job.id }, job.id.slice(0, 8))),
      el("td", {}, job.task),
      el("td", {}, el("span", { class: `status ${job.status}` }, job.status),
        job.error ? el("div", { class: "note", title: job.error }, job.error.slice(0, 60)) : null),
      el("td", {}, el("progress", { max: Math.max(job.progress_total, 1), value: job.progress_done }),
        ` ${job.progress_done} / ${job.progress_total}`),
      el("td", {}, when(job.created_at)),
      el("td", {}, when(job.finished_at)),
      el("td", { class: "actions" },
        el("a", { href: `#job/${job.id}`, class: "open" }, job.status === "succeeded" ? "Results" : "Open"),
        FINISHED.includes(job.status) ? null : el("button", {
          type: "button",
          class: "danger cancel",
          onclick: async (event) => {
            event.currentTarget.disabled = true;
            try {
              await cancelJob(job.id);
            } catch (e) {
              showError(error, e.message);
            }
            refreshJobs();
          },
        }, "Cancel")),
    )));
    $("jobs-table").replaceChildren(head, body);
  } catch (e) {
    showError(error, e.message);
  } finally {
    refreshing = false;
  }
}

// qsdiff console: plain JavaScript modules against the /v1 API; no framework, no build step.
//
// Views (by URL hash): #new (the form and the current job), #job/ID (the same view with job
// ID opened), #jobs (recent jobs: open, cancel), #models (checkpoints and their model cards).

import { api, apiKey, setApiKey } from "./api.js";
import { $, el, showError } from "./dom.js";
import { cancelJob, currentJob, openJob } from "./job.js";
import { refreshJobs } from "./jobs.js";
import { loadModels } from "./models.js";
import { resizeViewer } from "./results.js";

const DEFAULT_STEPS = { conformers: 20, molecules: 20, backbones: 100 };
const TREATMENTS = ["quotient", "equivariant", "geodiff", "af3"];

// ---- views -----------------------------------------------------------------------------

const views = { new: $("view-new"), jobs: $("view-jobs"), models: $("view-models") };
let jobsTimer = null;

function route() {
  const hash = location.hash.replace(/^#/, "");
  const [name, id] = hash.split("/");
  const view = views[name] ? name : "new"; // #job/ID opens in the "new" view
  for (const [key, node] of Object.entries(views)) node.hidden = key !== view;
  for (const link of document.querySelectorAll("nav a[data-nav]")) {
    link.classList.toggle("active", link.dataset.nav === view);
  }
  clearInterval(jobsTimer);
  jobsTimer = null;
  if (view === "jobs") {
    refreshJobs();
    jobsTimer = setInterval(refreshJobs, 2000);
  }
  if (view === "models") loadModels();
  if (view === "new") resizeViewer();
  if (name === "job" && /^[0-9a-f]{32}$/.test(id || "") && id !== currentJob()) openJob(id);
}

// ---- the job form ------------------------------------------------------------------------

const form = $("job-form");
let shippedModels = null; // task ("conformer", ...) -> treatments, from /v1/models

function selectedTask() {
  return form.querySelector("input[name=task]:checked").value;
}

function fillTreatments() {
  const task = selectedTask();
  const select = $("treatment");
  const previous = select.value;
  // de novo molecules take the treatment of the conformer model that places their atoms
  const modelTask = task === "molecules" ? "conformer" : task.replace(/s$/, "");
  const shipped = shippedModels ? shippedModels[modelTask] || [] : TREATMENTS;
  select.replaceChildren(...(shipped.length ? shipped : TREATMENTS).map(
    (t) => el("option", { value: t }, t),
  ));
  if ([...select.options].some((o) => o.value === previous)) select.value = previous;
}

async function loadShippedModels() {
  try {
    const models = await (await api("v1/models")).json();
    shippedModels = {};
    for (const m of models) (shippedModels[m.task] ||= []).push(m.treatment);
  } catch (_) {
    shippedModels = null; // e.g. a key is needed: offer every treatment, the API will say
  }
  fillTreatments();
}

function onTaskChange() {
  const task = selectedTask();
  for (const node of form.querySelectorAll(".task-fields")) node.hidden = node.dataset.task !== task;
  $("num-steps").value = DEFAULT_STEPS[task];
  fillTreatments();
}

// "SMILES [name]" lines; blank lines and #-comments skipped.
function smilesLines(text) {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => line.split(/\s+/)[0]);
}

// An SDF file's SMILES, from a SMILES-like data field of each record. The API takes SMILES
// only; a record without such a field cannot be sent, and the note says so.
function smilesFromSdf(text) {
  const records = text.split(/^\$\$\$\$[ \t]*\r?\n?/m).filter((r) => r.trim());
  const lines = [];
  let missing = 0;
  for (const record of records) {
    const name = record.split(/\r?\n/)[0].trim();
    const match = record.match(/^>\s*<(smiles|source_smiles|canonical_smiles|isomeric_smiles)>[^\n]*\r?\n([^\r\n]+)/im);
    if (match) lines.push(name ? `${match[2].trim()} ${name.replace(/\s+/g, "_")}` : match[2].trim());
    else missing += 1;
  }
  return { lines, missing, records: records.length };
}

async function onFile() {
  const file = $("smiles-file").files[0];
  const note = $("file-note");
  if (!file) return;
  const text = await file.text();
  if (/\.(sdf|sd|mol)$/i.test(file.name)) {
    const { lines, missing, records } = smilesFromSdf(text);
    if (!lines.length) {
      note.className = "note error";
      const none = records === 1 ? "its one record has no" : `none of its ${records} records has a`;
      note.textContent = `${file.name}: ${none} SMILES data field, `
        + "and the API takes SMILES only, so this file cannot be sent from here. Convert it "
        + "first (RDKit's MolToSmiles), or run `qsdiff conformers " + file.name
        + " -o out.sdf` on the command line, which reads SDF directly.";
      note.hidden = false;
      return;
    }
    $("smiles").value = lines.join("\n");
    note.className = "note";
    note.textContent = `${file.name}: ${lines.length} of ${records} records have a SMILES `
      + "field; those SMILES are in the box (the file's coordinates are not used)"
      + (missing ? `; the other ${missing} cannot be sent, the API takes SMILES only.` : ".");
  } else {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() && !l.trim().startsWith("#"));
    $("smiles").value = lines.join("\n");
    note.className = "note";
    note.textContent = `${file.name}: ${lines.length} molecules.`;
  }
  note.hidden = false;
}

function numberOrNull(id) {
  const raw = $(id).value.trim();
  return raw === "" ? null : Number(raw);
}

function jobRequest() {
  const task = selectedTask();
  const params = {
    treatment: $("treatment").value,
    sampler: $("sampler").value,
    num_steps: numberOrNull("num-steps"),
    seed: numberOrNull("seed"),
  };
  if (task === "conformers") {
    params.smiles = smilesLines($("smiles").value);
    params.num_samples = numberOrNull("conformer-count");
    params.start = $("conformer-start").value;
    params.relax = $("conformer-relax").value;
    params.model = $("conformer-model").value;
  } else if (task === "molecules") {
    params.num_samples = numberOrNull("molecule-count");
    params.num_heavy_atoms = numberOrNull("molecule-heavy-atoms");
    params.scaffold = $("molecule-scaffold").value.trim() || null;
  } else {
    params.length = numberOrNull("backbone-length");
    params.num_samples = numberOrNull("backbone-count");
    params.secondary_structure = $("backbone-ss").value.trim().toUpperCase() || null;
    params.helix_fraction = numberOrNull("backbone-helix");
    params.strand_fraction = numberOrNull("backbone-strand");
  }
  for (const [name, value] of Object.entries(params)) if (value === null) delete params[name];
  return { task, params };
}

async function onSubmit(event) {
  event.preventDefault();
  const error = $("submit-error");
  showError(error, "");
  const request = jobRequest();
  if (request.task === "conformers" && !request.params.smiles.length) {
    showError(error, "Enter at least one SMILES (or read a .smi file).");
    return;
  }
  const button = $("submit");
  button.disabled = true;
  try {
    const job = await (await api("v1/jobs", { method: "POST", json: request })).json();
    history.pushState(null, "", `#job/${job.id}`);
    openJob(job.id, job);
  } catch (e) {
    showError(error, e.message);
  } finally {
    button.disabled = false;
  }
}

// ---- wiring --------------------------------------------------------------------------------------

const keyInput = $("api-key");
keyInput.value = apiKey();
keyInput.addEventListener("change", () => {
  setApiKey(keyInput.value.trim());
  loadShippedModels();
  route();
});
for (const radio of form.querySelectorAll("input[name=task]")) radio.addEventListener("change", onTaskChange);
$("smiles-file").addEventListener("change", onFile);
$("smiles").addEventListener("input", () => {
  $("file-note").hidden = true; // the box no longer holds what the file gave
});
$("smiles-example").addEventListener("click", () => {
  $("smiles").value = "CC(=O)Oc1ccccc1C(=O)O aspirin\nC[C@H](N)C(=O)O L-alanine";
});
form.addEventListener("submit", onSubmit);
$("job-cancel").addEventListener("click", async () => {
  try {
    await cancelJob(currentJob());
  } catch (e) {
    showError($("job-error"), e.message);
  }
});
window.addEventListener("hashchange", route);

onTaskChange();
loadShippedModels();
route();

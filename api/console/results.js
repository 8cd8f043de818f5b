// A succeeded job's results: its structures in 3-D (3Dmol.js, one at a time with a picker),
// per-structure metrics from the manifest, and download links.

import { api, apiKey } from "./api.js";
import { $, el, formatValue, showError } from "./dom.js";

// Result files by task: [format, link text]; "xyz" exists only when some molecule needs it.
const DOWNLOADS = {
  conformers: [["sdf", "SDF"], ["json", "metrics (JSON)"], ["zip", "all files (zip)"]],
  molecules: [["sdf", "SDF"], ["xyz", "XYZ (no bonds found)"], ["json", "metrics (JSON)"],
    ["zip", "all files (zip)"]],
  backbones: [["pdb", "PDB"], ["cif", "mmCIF"], ["json", "metrics (JSON)"],
    ["zip", "all files (zip)"]],
};

let viewer = null;
let structures = [];
let samples = [];

function resultsUrl(id, format) {
  return `v1/jobs/${id}/results?format=${format}`;
}

async function resultText(id, format, signal) {
  try {
    return await (await api(resultsUrl(id, format), { signal })).text();
  } catch (e) {
    if (e.status === 404) return null; // e.g. no XYZ file: every molecule got bonds
    throw e;
  }
}

function splitSdf(text) {
  return text
    .split(/^\$\$\$\$[ \t]*\r?\n?/m)
    .filter((r) => r.trim())
    .map((r) => `${r}$$$$\n`);
}

function splitXyz(text) {
  const lines = text.split(/\r?\n/);
  const frames = [];
  for (let i = 0; i < lines.length;) {
    const n = parseInt(lines[i], 10);
    if (!(n > 0)) {
      i += 1;
      continue;
    }
    frames.push(lines.slice(i, i + n + 2).join("\n") + "\n");
    i += n + 2;
  }
  return frames;
}

// One PDB text per chain: gemmi ends every chain with a TER record.
function splitPdbChains(text) {
  const chains = [];
  let atoms = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith("ATOM") || line.startsWith("HETATM")) atoms.push(line);
    else if (line.startsWith("TER") && atoms.length) {
      chains.push(`${atoms.join("\n")}\nTER\nEND\n`);
      atoms = [];
    }
  }
  if (atoms.length) chains.push(`${atoms.join("\n")}\nEND\n`);
  return chains;
}

const indexOfName = (name) => {
  const m = /qsdiff-(\d+)/.exec(name);
  return m ? Number(m[1]) : null;
};

// [{label, text, format, sample}] for the picker, each matched to its manifest sample.
async function loadStructures(job, manifest, signal) {
  const list = [];
  const rows = manifest.samples || [];
  if (job.task === "conformers") {
    const records = splitSdf((await resultText(job.id, "sdf", signal)) || "");
    records.forEach((text, i) => {
      const s = rows[i] || {};
      const label = `${s.name || `#${i + 1}`}  ${s.source_smiles || ""}  · conformer ${s.conformer_index ?? i}`;
      list.push({ label, text, format: "sdf", sample: i });
    });
  } else if (job.task === "molecules") {
    const byIndex = new Map(rows.map((s, i) => [s.index, i]));
    const sdf = splitSdf((await resultText(job.id, "sdf", signal)) || "");
    const xyz = splitXyz((await resultText(job.id, "xyz", signal)) || "");
    for (const [texts, format] of [[sdf, "sdf"], [xyz, "xyz"]]) {
      for (const text of texts) {
        const name = format === "sdf" ? text.split("\n")[0] : text.split("\n")[1];
        const sample = byIndex.get(indexOfName(name));
        const s = rows[sample] || {};
        const label = `qsdiff-${s.index ?? "?"}  ${s.formula || ""}  ${s.smiles || ""}`
          + (format === "xyz" ? "  (no bonds found)" : "");
        list.push({ label, text, format, sample });
      }
    }
  } else {
    const chains = splitPdbChains((await resultText(job.id, "pdb", signal)) || "");
    chains.forEach((text, i) => {
      const s = rows[i] || {};
      list.push({
        label: `backbone ${i + 1}  · ${s.length ?? "?"} residues · helix ${formatValue(s.helix)}`
          + ` · strand ${formatValue(s.strand)}`,
        text,
        format: "pdb",
        sample: i,
      });
    });
  }
  return list;
}

function renderDownloads(job, available) {
  const links = DOWNLOADS[job.task]
    .filter(([format]) => available.has(format))
    .map(([format, text]) => el("a", {
      href: resultsUrl(job.id, format),
      download: `${job.id}.${format}`,
      dataset: { format },
      onclick: downloadWithKey,
    }, text));
  $("downloads").replaceChildren("Download: ", ...links);
}

// A plain link cannot send the Authorization header: with a key set, fetch and save a blob.
async function downloadWithKey(event) {
  if (!apiKey()) return; // the browser follows the link
  event.preventDefault();
  const link = event.currentTarget;
  try {
    const blob = await (await api(link.getAttribute("href"))).blob();
    const url = URL.createObjectURL(blob);
    const save = el("a", { href: url, download: link.getAttribute("download") });
    document.body.append(save);
    save.click();
    save.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) {
    showError($("job-error"), e.message);
  }
}

// Columns that vary between samples go in the table; the rest (seed, sampler, ...) above it.
function renderMetrics() {
  const table = $("metrics-table");
  const keys = [];
  for (const s of samples) for (const k of Object.keys(s)) if (!keys.includes(k)) keys.push(k);
  const constant = samples.length > 1
    ? keys.filter((k) => samples.every((s) => formatValue(s[k]) === formatValue(samples[0][k])))
    : [];
  $("metrics-summary").textContent = constant.length
    ? `All ${samples.length}: ${constant.map((k) => `${k} ${formatValue(samples[0][k])}`).join(" · ")}`
    : "";
  const columns = keys.filter((k) => !constant.includes(k));
  const head = el("thead", {}, el("tr", {}, el("th", {}, "#"), columns.map((k) => el("th", {}, k))));
  const body = el("tbody", {}, samples.map((s, i) => el(
    "tr",
    { dataset: { sample: i }, onclick: () => pickSample(i) },
    el("td", { class: "num" }, i + 1),
    columns.map((k) => {
      const text = formatValue(s[k]);
      const short = text.length > 40 ? `${text.slice(0, 37)}…` : text;
      return el("td", { class: typeof s[k] === "number" ? "num" : null, title: short !== text ? text : null }, short);
    }),
  )));
  table.replaceChildren(head, body);
}

function pickSample(sampleIndex) {
  const i = structures.findIndex((s) => s.sample === sampleIndex);
  if (i >= 0) showStructure(i);
}

function showStructure(i) {
  if (!structures.length) return;
  i = (i + structures.length) % structures.length;
  const picker = $("structure-picker");
  picker.value = String(i);
  const s = structures[i];
  $("structure-count").textContent = `${i + 1} of ${structures.length}`;
  for (const row of $("metrics-table").querySelectorAll("tbody tr")) {
    row.classList.toggle("current", Number(row.dataset.sample) === s.sample);
  }
  const lib = window.$3Dmol;
  if (!lib) {
    $("viewer").textContent = "The 3-D viewer (3Dmol.js) did not load.";
    return;
  }
  if (!viewer) viewer = lib.createViewer($("viewer"), { backgroundColor: "white", antialias: true });
  viewer.clear();
  viewer.addModel(s.text, s.format);
  if (s.format === "pdb") {
    viewer.setStyle({}, { cartoon: { color: "spectrum" }, stick: { radius: 0.12, colorscheme: "grayCarbon" } });
  } else {
    viewer.setStyle({}, { stick: { radius: 0.14 }, sphere: { scale: 0.22 } });
  }
  viewer.zoomTo();
  viewer.render();
}

// The viewer was drawn while hidden (results came in on another view): fit it again.
export function resizeViewer() {
  if (viewer) {
    viewer.resize();
    viewer.render();
  }
}

export async function showResults(job, signal) {
  const manifest = JSON.parse((await resultText(job.id, "json", signal)) || "{}");
  samples = manifest.samples || [];
  structures = await loadStructures(job, manifest, signal);
  if (signal.aborted) return;
  const available = new Set(["json", "zip", job.task === "backbones" ? "pdb" : "sdf"]);
  if (job.task === "backbones") available.add("cif");
  if (structures.some((s) => s.format === "xyz")) available.add("xyz");
  renderDownloads(job, available);
  $("structure-picker").replaceChildren(
    ...structures.map((s, i) => el("option", { value: i }, `${i + 1}. ${s.label}`)),
  );
  renderMetrics();
  $("job-results").hidden = false;
  if (structures.length) showStructure(0);
  else $("structure-count").textContent = "no structures in this result";
}

$("structure-picker").addEventListener("change", (e) => showStructure(Number(e.target.value)));
$("structure-prev").addEventListener("click", () => showStructure(Number($("structure-picker").value) - 1));
$("structure-next").addEventListener("click", () => showStructure(Number($("structure-picker").value) + 1));
window.addEventListener("resize", resizeViewer);

// The models view: every shipped checkpoint with what its model card measured.

import { api } from "./api.js";
import { $, el, formatValue, showError } from "./dom.js";

const METRIC_HINTS = {
  amr: "mean over molecules of the smallest RMSD to a reference conformer (Å)",
  median_min_rmsd: "median smallest RMSD to a reference conformer (Å)",
  "cov_0.5": "fraction of reference conformers matched within 0.5 Å",
  "cov_0.25": "fraction of reference conformers matched within 0.25 Å",
  stereo_agreement: "fraction of stereo centres with the input's configuration",
  posebusters_pass: "fraction passing PoseBusters' checks",
  atom_stability: "fraction of atoms with a valid valence (EDM)",
  molecule_stability: "fraction of molecules whose every atom is stable (EDM)",
  validity: "fraction RDKit can sanitize",
};

const isNumberMap = (o) => o && typeof o === "object" && !Array.isArray(o)
  && Object.values(o).some((v) => typeof v === "number");

// The benchmark's metrics beside whatever references the card measured or quotes.
function metricsTable(metrics, references) {
  const names = Object.keys(metrics);
  for (const ref of Object.values(references)) for (const k of Object.keys(ref)) if (!names.includes(k)) names.push(k);
  return el("table", { class: "card-metrics" },
    el("thead", {}, el("tr", {}, el("th", {}, "metric"), el("th", {}, "this model"),
      Object.keys(references).map((r) => el("th", {}, r)))),
    el("tbody", {}, names.map((name) => el("tr", {},
      el("td", { title: METRIC_HINTS[name] || null }, name),
      el("td", { class: "num" }, formatValue(metrics[name])),
      Object.values(references).map((ref) => el("td", { class: "num" }, formatValue(ref[name])))))));
}

function modelCard(model) {
  const card = model.card || {};
  const training = card.training || {};
  const parts = [];
  const network = training.network || {};
  const data = training.data || {};
  const facts = [
    training.steps !== undefined ? `${training.steps} training steps` : null,
    training.batch_size !== undefined ? `batch ${training.batch_size}` : null,
    network.layers !== undefined ? `${network.layers} layers × ${network.hidden} channels` : null,
    data.molecules !== undefined ? `${data.molecules} training molecules` : null,
    data.chains !== undefined ? `${data.chains} training chains` : null,
    training.device ? `trained on ${training.device}` : null,
  ].filter(Boolean);
  if (facts.length) parts.push(el("p", { class: "note" }, facts.join(" · ")));
  const bench = card.benchmark;
  if (bench && bench.metrics) {
    const references = {};
    for (const [key, value] of Object.entries(bench)) {
      if (key === "metrics") continue;
      if (isNumberMap(value)) references[key] = value;
      else if (value && typeof value === "object") {
        for (const [sub, inner] of Object.entries(value)) if (isNumberMap(inner)) references[`${sub} (${key})`] = inner;
      }
    }
    const setting = Object.entries(bench)
      .filter(([k, v]) => typeof v !== "object" && k !== "command" && k !== "data")
      .map(([k, v]) => `${k} ${v}`).join(" · ");
    parts.push(el("h4", {}, "Measured"), el("p", { class: "note" }, setting), metricsTable(bench.metrics, references));
  } else {
    const history = (training.validation || {}).history || [];
    const last = history[history.length - 1];
    if (last) {
      const { step, ...values } = last;
      parts.push(el("h4", {}, `Latest validation (step ${step}); no benchmark on the card yet`),
        metricsTable(values, {}));
    } else {
      parts.push(el("p", { class: "empty" }, "This checkpoint's card records no measurements."));
    }
  }
  parts.push(el("details", {}, el("summary", {}, "the whole model card"),
    el("pre", {}, JSON.stringify(card, null, 1))));
  return el("article", { class: "model-card", dataset: { task: model.task, treatment: model.treatment } },
    el("h3", {}, `${model.task} · ${model.treatment}`),
    el("p", { class: "note" }, el("code", {}, model.checkpoint)),
    parts);
}

export async function loadModels() {
  const error = $("models-error");
  try {
    const models = await (await api("v1/models")).json();
    showError(error, "");
    $("models").replaceChildren(...(models.length
      ? models.map(modelCard)
      : [el("p", { class: "empty" }, "No checkpoints are shipped with this server.")]));
  } catch (e) {
    showError(error, e.message);
  }
}

// The /v1 API from the browser: requests with the stored key, the `detail` of failures, and
// the job event stream.
//
// With an API key set, every request carries 'Authorization: Bearer KEY', the progress stream
// included: it is read with fetch() rather than EventSource, which cannot send headers, so the
// key never appears in a URL.

const KEY_STORAGE = "qsdiff.apiKey";
export const FINISHED = ["succeeded", "failed", "cancelled"];

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// The `detail` of a 4xx/5xx answer as the API wrote it: a string, or one line per field
// error as "loc: msg" (the form the API's own messages use, e.g. "smiles.1: ...").
function formatDetail(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((e) => (e && e.msg !== undefined
        ? `${(e.loc || []).join(".")}: ${e.msg}`
        : JSON.stringify(e)))
      .join("\n");
  }
  return JSON.stringify(detail);
}

export function apiKey() {
  return localStorage.getItem(KEY_STORAGE) || "";
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

// fetch() a path of this server (relative, so a reverse-proxy prefix keeps working).
export async function api(path, { method = "GET", json, signal, accept } = {}) {
  const headers = {};
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (accept) headers.Accept = accept;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, `the server did not answer (${e.message})`);
  }
  if (!response.ok) {
    const text = await response.text();
    let message = text || response.statusText;
    try {
      const parsed = JSON.parse(text);
      if (parsed && parsed.detail !== undefined) message = formatDetail(parsed.detail);
    } catch (_) {
      // not JSON: show the text as it came
    }
    throw new ApiError(response.status, `${response.status}: ${message}`);
  }
  return response;
}

// Server-sent events of GET /v1/jobs/{id}/events, read from a fetch() stream so that the
// Authorization header can be sent. Calls onProgress(job) per `progress` event; resolves
// at `end` (or when the server closes the stream).
export async function streamEvents(jobId, onProgress, signal) {
  const response = await api(`v1/jobs/${jobId}/events`, { signal, accept: "text/event-stream" });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (event === "progress") onProgress(JSON.parse(data.join("\n")));
      if (event === "end") {
        reader.cancel().catch(() => {});
        return;
      }
    }
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// DOM building and value formatting shared by the console's views.

export const $ = (id) => document.getElementById(id);

// ---- DOM and formatting helpers -------------------------------------------------------

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function formatValue(value) {
  if (typeof value === "number" && !Number.isInteger(value)) return String(+value.toPrecision(4));
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function showError(node, message) {
  node.textContent = message || "";
  node.hidden = !message;
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

// DOM helpers. Every string goes in as a text node: log lines and server strings are untrusted.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = String(v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k === "style") node.style.cssText = v;  // CSSOM: allowed by the page's CSP, a style attribute is not
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function $(selector) {
  return document.querySelector(selector);
}

export function show(node, on = true) {
  node.hidden = !on;
}

export function markNav() {
  const page = document.querySelector("main")?.dataset.page;
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === page);
}

// One log line: timestamp, stream labels, the line itself (as text).
export function logLine(line, { ts = null, labels = null } = {}) {
  return el("li", { class: "log-line" },
    ts ? el("span", { class: "ts", text: ts }) : null,
    labels ? el("span", { class: "labels", text: labels, title: labels }) : null,
    el("span", { class: "line", text: line }));
}

// Copy `getText()` to the clipboard on click; without a secure context (plain http on a
// non-localhost name) the clipboard API is missing, so the text is selected for Ctrl+C instead.
export function wireCopy(button, getText, selectNode) {
  const label = button.textContent;
  button.addEventListener("click", async () => {
    let copied = false;
    try {
      await navigator.clipboard.writeText(getText());
      copied = true;
    } catch {
      if (selectNode) getSelection().selectAllChildren(selectNode);
    }
    button.textContent = copied ? "Copied" : "Selected: press Ctrl+C";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// DOM and formatting helpers: user text is always put into the page as text, never as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const VN = "Asia/Ho_Chi_Minh";
const fmtDate = new Intl.DateTimeFormat("vi-VN", {
  timeZone: VN, day: "2-digit", month: "2-digit", year: "numeric",
});
const fmtDateTime = new Intl.DateTimeFormat("vi-VN", {
  timeZone: VN, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
});
const fmtTime = new Intl.DateTimeFormat("vi-VN", {
  timeZone: VN, hour: "2-digit", minute: "2-digit", second: "2-digit",
});
const fmtNumber = new Intl.NumberFormat("vi-VN");

export const date = (v) => (v ? fmtDate.format(new Date(v)) : "—");
export const dateTime = (v) => (v ? fmtDateTime.format(new Date(v)) : "—");
export const time = (v) => fmtTime.format(v);
export const num = (v) => fmtNumber.format(v);
export const rate = (v) => (v === null || v === undefined ? "—" : `${fmtNumber.format(v)}%`);
export const capital = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

const announce = document.getElementById("announce");

// Said to screen readers (the live region is emptied first so a repeat is heard).
export function say(message) {
  announce.textContent = "";
  setTimeout(() => { announce.textContent = message; }, 30);
}

export function section(id, title, body) {
  return h("section", { "aria-labelledby": `${id}-h`, id }, h("h2", { id: `${id}-h` }, title), body);
}

export function tableWrap(label, table) {
  return h("div", { class: "table-wrap", role: "region", "aria-label": label, tabindex: 0 }, table);
}

export function dl(pairs) {
  return h("dl", {}, pairs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]));
}

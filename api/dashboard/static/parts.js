// Pieces several pages share: figures, count tables, task lists, breadcrumbs.

import { date, h, num, rate, tableWrap } from "./dom.js";
import { stateLabel, timelinessLabel } from "./labels.js";
import { session } from "./session.js";

export const COUNTS = "total completedOnTime completedLate openInTime openOverdue dueSoon onTimeRate";
export const TASK_LINE = `id title state timeliness deadline flagged overdueReminders
  leadUnit { id name } owner { id fullName title }`;
export const PARENTS = "parent { id name parent { id name parent { id name } } }";

export function timelinessBadge(t) {
  return h("span", { class: `badge t-${t.toLowerCase()}` }, timelinessLabel(t));
}

export function taskList(tasks, empty) {
  if (!tasks.length) return h("p", { class: "muted" }, empty);
  return h("ul", { class: "tasks" }, tasks.map((t) => h("li", { "data-task": t.id },
    h("a", { href: `#/nhiem-vu/${t.id}` }, t.title), " ",
    timelinessBadge(t.timeliness),
    h("span", { class: "meta" },
      ` ${t.leadUnit.name} · `, h("span", { class: "owner" }, t.owner.fullName),
      ` · hạn ${date(t.deadline)} · ${stateLabel(t.state)}`,
      t.overdueReminders ? ` · đã nhắc ${t.overdueReminders} lần` : ""))));
}

// `overdueHref`: the red card opens the list of overdue tasks with their owners.
export function figureCards(c, before, overdueHref = null) {
  const card = (key, label, value, cls, hint, href) => {
    const prev = before ? before[key] : null;
    let change = null;
    if (prev !== null && prev !== undefined) {
      const d = value - prev;
      change = h("span", { class: "change" },
        `tuần trước: ${num(prev)} (${d > 0 ? "+" : ""}${num(d)})`);
    }
    const body = [h("span", { class: "label" }, label), h("span", { class: "value" }, num(value)),
      hint ? h("span", { class: "hint" }, hint) : null, change];
    return href
      ? h("a", { class: `card ${cls}`, "data-figure": key, href }, body)
      : h("div", { class: `card ${cls}`, "data-figure": key }, body);
  };
  return h("section", { class: "figures", "aria-label": "Kiểm đếm nhiệm vụ", id: "figures" },
    card("openOverdue", "Chưa hoàn thành, quá hạn", c.openOverdue, "red",
      overdueHref ? "xem danh sách, người chịu trách nhiệm" : null, overdueHref),
    card("dueSoon", "Sắp đến hạn (≤ 3 ngày làm việc)", c.dueSoon, "orange",
      "thuộc nhóm trong hạn"),
    card("openInTime", "Chưa hoàn thành, trong hạn", c.openInTime, "green"),
    card("completedOnTime", "Đã hoàn thành đúng hạn", c.completedOnTime, "done"),
    card("completedLate", "Đã hoàn thành quá hạn", c.completedLate, "late"),
    card("total", "Tổng số", c.total, "total", `đúng hạn ${rate(c.onTimeRate)}`));
}

// Columns marked "key" stay on a phone; the rest fold away (app.css) so no sideways scroll.
export function countsCells(c) {
  return [
    h("td", { class: "n" }, num(c.total)),
    h("td", { class: "n minor" }, num(c.completedOnTime)),
    h("td", { class: "n minor" }, num(c.completedLate)),
    h("td", { class: "n green-text minor" }, num(c.openInTime)),
    h("td", { class: "n orange-text" }, num(c.dueSoon)),
    h("td", { class: "n red-text" }, num(c.openOverdue)),
    h("td", { class: "n" }, rate(c.onTimeRate)),
  ];
}

export function countsHead(first) {
  const col = (text, minor = false) => h("th", { scope: "col", class: minor ? "minor" : null }, text);
  return h("thead", {}, h("tr", {},
    col(first), col("Tổng số"), col(timelinessLabel("COMPLETED_ON_TIME"), true),
    col(timelinessLabel("COMPLETED_LATE"), true), col(timelinessLabel("IN_TIME"), true),
    col(timelinessLabel("DUE_SOON")), col(timelinessLabel("OVERDUE")), col("Tỷ lệ đúng hạn")));
}

export function breadcrumbs(unit, extra) {
  const chain = [];
  for (let p = unit.parent; p; p = p.parent) chain.unshift(p);
  const stop = chain.findIndex((p) => p.id === session.me.jurisdiction.id);
  const shown = stop >= 0 ? chain.slice(stop) : [];
  const items = [h("li", {}, h("a", { href: "#/" }, "Tổng quan"))];
  for (const p of shown) items.push(h("li", {}, h("a", { href: `#/don-vi/${p.id}` }, p.name)));
  items.push(h("li", {}, extra ? h("a", { href: `#/don-vi/${unit.id}` }, unit.name)
    : h("span", { "aria-current": "page" }, unit.name)));
  if (extra) items.push(h("li", {}, h("span", { "aria-current": "page" }, extra)));
  return h("nav", { "aria-label": "Đường dẫn", class: "crumbs" }, h("ol", {}, items));
}

export function countsTable(id, label, first, rows, foot) {
  return tableWrap(label, h("table", { class: "counts", id }, countsHead(first),
    h("tbody", {}, rows), foot ? h("tfoot", {}, foot) : null));
}

// Drill-down: a unit, its children and its people; an official and his tasks; the overdue list.

import { gql } from "./api.js";
import { date, h } from "./dom.js";
import {
  COUNTS, PARENTS, TASK_LINE, breadcrumbs, countsCells, countsTable, figureCards, taskList,
  timelinessBadge,
} from "./parts.js";

const UNIT = `query Unit($u: ID!) {
  unit(id: $u) { id name kind ${PARENTS}
    counts { ${COUNTS} } countsWithDescendants { ${COUNTS} }
    children { id name kind countsWithDescendants { ${COUNTS} } }
    officials { id fullName title counts { ${COUNTS} } } }
  tasks(first: 50, filter: { unitId: $u, includeDescendants: false }) {
    totalCount edges { node { ${TASK_LINE} } } }
}`;

export async function renderUnit(nav, id) {
  const data = await gql(UNIT, { u: id }, nav.signal);
  const unit = data.unit;
  if (!unit) return nav.show(h("p", { class: "error" }, "Không tìm thấy đơn vị."));
  const rows = unit.children.map((c) => h("tr", { "data-unit": c.id },
    h("th", { scope: "row" }, h("a", { href: `#/don-vi/${c.id}` }, c.name)),
    countsCells(c.countsWithDescendants)));
  return nav.show(h("div", { class: "unit" },
    breadcrumbs(unit),
    h("h1", {}, unit.name),
    figureCards(unit.countsWithDescendants, null, `#/qua-han/${unit.id}`),
    h("section", { "aria-labelledby": "children-h" },
      h("h2", { id: "children-h" }, "Theo đơn vị"),
      countsTable("children", "Số liệu theo đơn vị", "Đơn vị", [
        h("tr", { "data-unit": "own" }, h("th", { scope: "row" }, "Đơn vị trực tiếp chủ trì"),
          countsCells(unit.counts)),
        rows],
      h("tr", {}, h("th", { scope: "row" }, "Cộng"), countsCells(unit.countsWithDescendants)))),
    h("section", { "aria-labelledby": "people-h" },
      h("h2", { id: "people-h" }, "Theo cán bộ (người chịu trách nhiệm chính)"),
      countsTable("officials", "Số liệu theo cán bộ", "Cán bộ",
        unit.officials.map((o) => h("tr", { "data-official": o.id },
          h("th", { scope: "row" }, h("a", { href: `#/can-bo/${o.id}` }, o.fullName),
            o.title ? h("span", { class: "meta" }, ` ${o.title}`) : null),
          countsCells(o.counts))))),
    h("section", { "aria-labelledby": "unit-tasks-h" },
      h("h2", { id: "unit-tasks-h" }, `Nhiệm vụ đơn vị chủ trì (${data.tasks.totalCount})`),
      taskList(data.tasks.edges.map((e) => e.node), "Chưa có nhiệm vụ."))));
}

const OFFICIAL = `query Official($id: ID!) {
  official(id: $id) { id fullName title counts { ${COUNTS} } unit { id name ${PARENTS} } }
  tasks(first: 100, filter: { ownerId: $id }) { totalCount edges { node { ${TASK_LINE} } } }
}`;

export async function renderOfficial(nav, id) {
  const data = await gql(OFFICIAL, { id }, nav.signal);
  const o = data.official;
  if (!o) return nav.show(h("p", { class: "error" }, "Không tìm thấy cán bộ."));
  return nav.show(h("div", { class: "official" },
    breadcrumbs(o.unit, o.fullName),
    h("h1", {}, o.fullName), o.title ? h("p", { class: "muted" }, `${o.title}, ${o.unit.name}`) : null,
    figureCards(o.counts, null),
    h("section", { "aria-labelledby": "own-h" },
      h("h2", { id: "own-h" }, `Nhiệm vụ chịu trách nhiệm chính (${data.tasks.totalCount})`),
      taskList(data.tasks.edges.map((e) => e.node), "Chưa có nhiệm vụ."))));
}

// What the red card counts: open tasks past their deadline in the unit and those under it.
const OVERDUE = `query Overdue($u: ID!) {
  unit(id: $u) { id name ${PARENTS} }
  tasks(first: 100, filter: { unitId: $u, timeliness: [OVERDUE] }) {
    totalCount edges { node { ${TASK_LINE} } } }
}`;

export async function renderOverdue(nav, id) {
  const data = await gql(OVERDUE, { u: id }, nav.signal);
  if (!data.unit) return nav.show(h("p", { class: "error" }, "Không tìm thấy đơn vị."));
  const tasks = data.tasks.edges.map((e) => e.node);
  return nav.show(h("div", { class: "overdue" },
    breadcrumbs(data.unit, "Quá hạn"),
    h("h1", {}, `Nhiệm vụ quá hạn — ${data.unit.name} (${data.tasks.totalCount})`),
    tasks.length < data.tasks.totalCount
      ? h("p", { class: "muted" }, `Hiện ${tasks.length} nhiệm vụ đầu.`) : null,
    tasks.length ? h("ul", { class: "tasks", id: "overdue" }, tasks.map((t) => h("li",
      { "data-task": t.id },
      h("a", { href: `#/nhiem-vu/${t.id}` }, t.title), " ", timelinessBadge(t.timeliness),
      h("div", { class: "meta" },
        h("a", { class: "owner", href: `#/can-bo/${t.owner.id}` }, t.owner.fullName),
        t.owner.title ? `, ${t.owner.title}` : "", ` · ${t.leadUnit.name} · hạn ${date(t.deadline)}`,
        t.overdueReminders ? ` · đã nhắc ${t.overdueReminders} lần` : ""))))
      : h("p", { class: "muted" }, "Không có nhiệm vụ quá hạn.")));
}

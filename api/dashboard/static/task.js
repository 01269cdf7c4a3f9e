// A task: its six "rõ", its timeline, and what the viewer may do.

import { MUTATIONS, actionForm } from "./actions.js";
import { gql } from "./api.js";
import { date, dateTime, dl, h } from "./dom.js";
import { actionLabel, stateLabel } from "./labels.js";
import { PARENTS, breadcrumbs, timelinessBadge } from "./parts.js";

const TASK = `query Task($id: ID!) {
  task(id: $id) { id title description state timeliness deadline originalDeadline progress
    basis createdAt submittedAt completedAt flagged overdueReminders availableActions
    leadUnit { id name ${PARENTS} }
    owner { id fullName title } assignedBy { id fullName title }
    coordinators { duty unit { id name } } product { kind description measure }
    output { description reference url } pendingExtension { newDeadline reason } }
  taskHistory(id: $id) { seq at action note detail fromState toState actor { fullName } }
}`;
// Whom the task may be given to: asked only when the viewer may reassign.
const PEOPLE = "query People($u: ID!) { unit(id: $u) { officials { id fullName title } } }";

export async function renderTask(nav, id) {
  let data;
  try {
    data = await gql(TASK, { id }, nav.signal);
  } catch (err) {
    if (err.code === "NOT_FOUND") return nav.show(h("p", { class: "error" }, "Không tìm thấy nhiệm vụ."));
    throw err;
  }
  const t = data.task;
  if (!t) return nav.show(h("p", { class: "error" }, "Không tìm thấy nhiệm vụ."));
  const actions = t.availableActions.map((a) => a.toLowerCase()).filter((a) => MUTATIONS[a]);
  const officials = actions.includes("reassign")
    ? (await gql(PEOPLE, { u: t.leadUnit.id }, nav.signal)).unit?.officials : [];
  const ro = (title, body) => h("section", { class: "ro" }, h("h3", {}, title), body);
  return nav.show(h("article", { class: "task", "data-task": t.id },
    breadcrumbs(t.leadUnit, "Nhiệm vụ"),
    h("h1", { id: "task-title" }, t.title),
    h("p", {}, h("span", { id: "task-state", class: "state" }, stateLabel(t.state)), " ",
      timelinessBadge(t.timeliness), ` Tiến độ ${t.progress}%`,
      t.flagged ? h("span", { class: "badge t-overdue" }, "Nêu tên tại giao ban") : null),
    t.pendingExtension ? h("p", { class: "ask" },
      `Đề nghị gia hạn đến ${date(t.pendingExtension.newDeadline)}: ${t.pendingExtension.reason}`)
      : null,
    h("div", { class: "six" },
      ro("Rõ việc", dl([["Tên", t.title], ["Nội dung", t.description]])),
      ro("Rõ người", dl([["Đơn vị chủ trì", t.leadUnit.name],
        ["Người chịu trách nhiệm chính", h("span", { id: "task-owner" }, t.owner.fullName)]])),
      ro("Rõ thẩm quyền", dl([["Người giao", t.assignedBy.fullName], ["Căn cứ", t.basis]])),
      ro("Rõ trách nhiệm", t.coordinators.length
        ? h("ul", { id: "coordinators" }, t.coordinators.map((c) => h("li", {},
          h("strong", {}, c.unit.name), `: ${c.duty}`)))
        : h("p", { class: "muted" }, "Đơn vị chủ trì chịu trách nhiệm; không có đơn vị phối hợp.")),
      ro("Rõ thời gian", dl([["Hạn xử lý", h("span", { id: "task-deadline" }, dateTime(t.deadline))],
        ["Hạn ban đầu", dateTime(t.originalDeadline)], ["Ngày giao", dateTime(t.createdAt)]])),
      ro("Rõ sản phẩm", dl([["Loại", t.product?.kind], ["Mô tả", t.product?.description],
        ["Tiêu chí", t.product?.measure],
        ["Đã nộp", t.output ? `${t.output.description}${t.output.reference ? ` (${t.output.reference})` : ""}` : null]]))),
    actions.length ? h("section", { "aria-labelledby": "actions-h", id: "actions" },
      h("h2", { id: "actions-h" }, "Thao tác"),
      actions.map((a) => actionForm(a, t, { officials }))) : null,
    h("section", { "aria-labelledby": "timeline-h" },
      h("h2", { id: "timeline-h" }, "Quá trình xử lý"),
      h("ol", { id: "timeline", class: "timeline" }, data.taskHistory.map((e) => h("li", {
        "data-action": e.action,
      }, h("time", { datetime: e.at }, dateTime(e.at)), " ",
      h("strong", {}, actionLabel(e.action)), " — ",
      e.actor ? e.actor.fullName : "hệ thống",
      e.toState && e.fromState !== e.toState ? ` → ${stateLabel(e.toState)}` : "",
      e.note ? h("div", { class: "note" }, e.note) : null,
      eventDetail(e)))))));
}

function eventDetail(e) {
  // The API words the details (domain.trail): no engine keys reach the page.
  return e.detail ? h("div", { class: "meta" }, e.detail) : null;
}

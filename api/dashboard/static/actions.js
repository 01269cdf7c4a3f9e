// Acting on a task: every button calls the API's own mutation, labelled with the API's name
// for the action (labels.js).

import { gql } from "./api.js";
import { h, say } from "./dom.js";
import { actionLabel } from "./labels.js";

// [mutation, the inputs it needs]
export const MUTATIONS = {
  accept: ["mutation($id: ID!) { acceptTask(id: $id) { id } }", []],
  report_progress: [`mutation($id: ID!, $percent: Int!, $note: String) {
    reportProgress(id: $id, percent: $percent, note: $note) { id } }`, ["percent", "note"]],
  submit: [`mutation($id: ID!, $output: OutputInput!) { submitOutput(id: $id, output: $output)
    { id } }`, ["output"]],
  approve: ["mutation($id: ID!, $note: String) { approveTask(id: $id, note: $note) { id } }",
    ["note"]],
  return: ["mutation($id: ID!, $reason: String!) { returnTask(id: $id, reason: $reason) { id } }",
    ["reason"]],
  decline: [`mutation($id: ID!, $reason: String!) { declineTask(id: $id, reason: $reason)
    { id } }`, ["reason"]],
  request_extension: [`mutation($id: ID!, $newDeadline: DateTime!, $reason: String!) {
    requestExtension(id: $id, newDeadline: $newDeadline, reason: $reason) { id } }`,
  ["newDeadline", "reason"]],
  decide_extension: [`mutation($id: ID!, $approve: Boolean!, $note: String) {
    decideExtension(id: $id, approve: $approve, note: $note) { id } }`, ["approve", "note"]],
  change_deadline: [`mutation($id: ID!, $newDeadline: DateTime!, $reason: String!,
    $clientKey: String) { changeDeadline(id: $id, deadline: $newDeadline, reason: $reason,
    clientKey: $clientKey) { id } }`, ["newDeadline", "reason"]],
  reassign: [`mutation($id: ID!, $ownerId: ID!, $reason: String!) {
    reassignTask(id: $id, ownerId: $ownerId, reason: $reason) { id } }`, ["ownerId", "reason"]],
  pause: ["mutation($id: ID!, $reason: String!) { pauseTask(id: $id, reason: $reason) { id } }",
    ["reason"]],
  resume: ["mutation($id: ID!) { resumeTask(id: $id) { id } }", []],
  cancel: ["mutation($id: ID!, $reason: String!) { cancelTask(id: $id, reason: $reason) { id } }",
    ["reason"]],
  remind: ["mutation($id: ID!, $note: String) { remindTask(id: $id, note: $note) { id } }",
    ["note"]],
};

let afterAct = () => {};

// What to do once an action went through (app.js: refresh what is in view).
export function onActed(fn) { afterAct = fn; }

async function act(action, taskId, values, status) {
  const [query] = MUTATIONS[action];
  status.textContent = "Đang gửi…";
  status.className = "status";
  try {
    await gql(query, { id: taskId, ...values });
    status.textContent = `Đã ${actionLabel(action).toLowerCase()}.`;
    say(status.textContent);
    afterAct();
  } catch (err) {
    status.className = "status error";
    const detail = err.fields?.map((f) => f.message).join(" ") || "";
    status.textContent = `${err.message} ${detail}`.trim();
    status.setAttribute("role", "alert");
  }
}

let formSeq = 0;

// One small form per action: the inputs it needs, then a button. No prompt() dialogs.
// opts: label (the button), noNote, officials (whom a task may be given to, for reassign).
export function actionForm(action, task, opts = {}) {
  const id = `f${++formSeq}`;
  // One request per form: sent twice (a double click, a retry), the API takes it once.
  const clientKey = action === "change_deadline" ? crypto.randomUUID() : null;
  const status = h("span", { class: "status", "aria-live": "polite" });
  const needs = MUTATIONS[action][1];
  const inputs = {};
  const field = (name, label, input) => {
    inputs[name] = input;
    input.id = `${id}-${name}`;
    return h("span", { class: "field" }, h("label", { for: input.id }, label), input);
  };
  const parts = [];
  if (needs.includes("percent")) {
    parts.push(field("percent", "Tiến độ (%)",
      h("input", { type: "number", min: 0, max: 100, value: task.progress ?? 0, required: true })));
  }
  if (needs.includes("output")) {
    parts.push(field("outputDescription", "Sản phẩm nộp", h("input", { type: "text", required: true })));
    parts.push(field("outputReference", "Số, ký hiệu", h("input", { type: "text" })));
  }
  if (needs.includes("newDeadline")) {
    parts.push(field("newDeadline", "Hạn mới", h("input", { type: "date", required: true })));
  }
  if (needs.includes("ownerId")) {
    parts.push(field("ownerId", "Người chịu trách nhiệm mới", h("select", { required: true },
      h("option", { value: "" }, "— chọn người —"),
      (opts.officials || []).filter((o) => o.id !== task.owner?.id).map((o) => h("option",
        { value: o.id }, `${o.fullName}${o.title ? ` — ${o.title}` : ""}`)))));
  }
  // Labels name their action: a screen reader hears which "Lý do" this is.
  const what = (opts.label || actionLabel(action)).toLowerCase();
  if (needs.includes("reason")) {
    parts.push(field("reason", `Lý do ${what}`, h("input", { type: "text", required: true })));
  }
  if (needs.includes("note") && !opts.noNote) {
    parts.push(field("note", `Ghi chú ${what}`, h("input", { type: "text" })));
  }
  const collect = () => {
    const v = {};
    if (inputs.percent) v.percent = Number(inputs.percent.value);
    if (inputs.outputDescription) {
      v.output = { description: inputs.outputDescription.value,
        reference: inputs.outputReference.value || null };
    }
    if (inputs.newDeadline) {
      // End of the chosen day in Việt Nam (UTC+7), as a deadline given as a date means.
      v.newDeadline = inputs.newDeadline.value ? `${inputs.newDeadline.value}T23:59:59+07:00` : null;
    }
    if (inputs.ownerId) v.ownerId = inputs.ownerId.value;
    if (inputs.reason) v.reason = inputs.reason.value;
    if (inputs.note) v.note = inputs.note.value || null;
    if (clientKey) v.clientKey = clientKey;
    return v;
  };
  const buttons = action === "decide_extension"
    ? [h("button", { type: "submit", "data-action": "decide_extension", "data-approve": "true",
      class: "primary" }, "Đồng ý gia hạn"),
    h("button", { type: "submit", "data-action": "decide_extension", "data-approve": "false" },
      "Không đồng ý")]
    : [h("button", { type: "submit", "data-action": action,
      class: action === "approve" ? "primary" : null }, opts.label || actionLabel(action))];
  return h("form", {
    class: "act", "data-form": action,
    onsubmit: (e) => {
      e.preventDefault();
      const values = collect();
      if (action === "decide_extension") values.approve = e.submitter?.dataset.approve === "true";
      act(action, task.id, values, status);
    },
  }, parts, buttons, status);
}

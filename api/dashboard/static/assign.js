// Assigning: the six "rõ" checked as the assigner types (checkAssignment), the server's
// refusal shown field by field.

import { gql } from "./api.js";
import { h, say } from "./dom.js";
import { session } from "./session.js";

const RO_ORDER = ["rõ việc", "rõ người", "rõ thẩm quyền", "rõ trách nhiệm", "rõ thời gian",
  "rõ sản phẩm"];
const ASSIGN_UNITS = `query($u: ID!) { unit(id: $u) { id name
  children { id name children { id name } } } }`;
const OFFICIALS_OF = "query($u: ID!) { unit(id: $u) { officials { id fullName title } } }";
const CHECK = `query($input: AssignTaskInput!) { checkAssignment(input: $input)
  { field code message ro } }`;
const ASSIGN = "mutation($input: AssignTaskInput!) { assignTask(input: $input) { id } }";

// Which form field shows a server field's message.
function fieldKey(field) {
  if (field.startsWith("product")) return "product";
  if (field.startsWith("coordinators")) return "coordinators";
  if (["deadline", "deadlineDate", "workingDays"].includes(field)) return "deadline";
  if (field.startsWith("milestones")) return "deadline";
  return field;
}

export async function renderAssign(nav) {
  const data = await gql(ASSIGN_UNITS, { u: session.me.jurisdiction.id }, nav.signal);
  const units = [];
  const walk = (u, depth) => {
    units.push({ id: u.id, name: `${"— ".repeat(depth)}${u.name}` });
    for (const c of u.children || []) walk(c, depth + 1);
  };
  walk(data.unit, 0);
  const clientKey = `web-${crypto.randomUUID()}`;
  const el = {};
  const input = (name, attrs = {}) => (el[name] = h("input", { id: `a-${name}`, name, ...attrs }));
  const unitSelect = (name) => (el[name] = h("select", { id: `a-${name}`, name },
    h("option", { value: "" }, "— chọn đơn vị —"),
    units.map((u) => h("option", { value: u.id }, u.name))));
  const err = (key) => h("p", { class: "field-error", id: `e-${key}`, "data-error-for": key,
    "aria-live": "polite" });
  const row = (key, label, control, hint) => {
    control.setAttribute("aria-describedby", `e-${key}`);
    return h("div", { class: "row" }, h("label", { for: control.id }, label), control,
      hint ? h("span", { class: "hint" }, hint) : null, err(key));
  };
  el.description = h("textarea", { id: "a-description", name: "description", rows: 3 });
  el.ownerId = h("select", { id: "a-ownerId", name: "ownerId" },
    h("option", { value: "" }, "— chọn đơn vị chủ trì trước —"));
  el.deadlineKind = h("select", { id: "a-deadlineKind" },
    h("option", { value: "workingDays" }, "Số ngày làm việc"),
    h("option", { value: "deadlineDate" }, "Đến hết ngày"));
  const checklist = h("ul", { class: "ro-check", id: "ro-check", "aria-label": "Sáu rõ" });
  const summary = h("div", { id: "assign-summary", "aria-live": "polite" });
  const form = h("form", { id: "assign-form", class: "assign", novalidate: true },
    h("fieldset", {}, h("legend", {}, "Rõ việc"),
      row("title", "Tên nhiệm vụ", input("title", { type: "text", autocomplete: "off" })),
      row("description", "Nội dung", el.description)),
    h("fieldset", {}, h("legend", {}, "Rõ người"),
      row("leadUnitId", "Đơn vị chủ trì", unitSelect("leadUnitId")),
      row("ownerId", "Người chịu trách nhiệm chính", el.ownerId)),
    h("fieldset", {}, h("legend", {}, "Rõ thẩm quyền"),
      row("basis", "Căn cứ", input("basis", { type: "text", placeholder: "Kế hoạch số 208/KH-UBND" }))),
    h("fieldset", {}, h("legend", {}, "Rõ trách nhiệm (đơn vị phối hợp, nếu có)"),
      row("coordinators", "Đơn vị phối hợp", unitSelect("coordUnit")),
      h("div", { class: "row" }, h("label", { for: "a-coordDuty" }, "Nhiệm vụ phối hợp"),
        input("coordDuty", { type: "text" }))),
    h("fieldset", {}, h("legend", {}, "Rõ thời gian"),
      h("div", { class: "row" }, h("label", { for: "a-deadlineKind" }, "Cách nêu hạn"), el.deadlineKind),
      row("deadline", "Hạn xử lý", input("deadlineValue", { type: "number", min: 1, value: "" }),
        "số ngày làm việc, hoặc một ngày")),
    h("fieldset", {}, h("legend", {}, "Rõ sản phẩm"),
      row("product", "Loại sản phẩm", input("productKind", { type: "text", list: "kinds" })),
      h("datalist", { id: "kinds" }, ["báo cáo", "kế hoạch", "văn bản", "quyết định", "số liệu"]
        .map((k) => h("option", { value: k }))),
      h("div", { class: "row" }, h("label", { for: "a-productDescription" }, "Mô tả sản phẩm"),
        input("productDescription", { type: "text" })),
      h("div", { class: "row" }, h("label", { for: "a-productMeasure" }, "Tiêu chí đo lường"),
        input("productMeasure", { type: "text" }))),
    summary,
    h("button", { type: "submit", class: "primary", id: "assign-submit" }, "Giao việc"));
  if (!nav.show(h("div", { class: "assign-page" },
    h("nav", { "aria-label": "Đường dẫn", class: "crumbs" }, h("ol", {},
      h("li", {}, h("a", { href: "#/" }, "Tổng quan")),
      h("li", {}, h("span", { "aria-current": "page" }, "Giao việc")))),
    h("h1", {}, "Giao việc"),
    h("p", { class: "muted" }, "Mỗi việc một đầu mối chủ trì; đủ sáu rõ mới giao được."),
    checklist, form))) return;

  el.deadlineKind.addEventListener("change", () => {
    el.deadlineValue.type = el.deadlineKind.value === "workingDays" ? "number" : "date";
    el.deadlineValue.value = "";
  });
  el.leadUnitId.addEventListener("change", async () => {
    el.ownerId.replaceChildren(h("option", { value: "" }, "— chọn người —"));
    if (!el.leadUnitId.value) return;
    const o = await gql(OFFICIALS_OF, { u: el.leadUnitId.value });
    for (const p of o.unit?.officials || []) {
      el.ownerId.append(h("option", { value: p.id }, `${p.fullName}${p.title ? ` — ${p.title}` : ""}`));
    }
  });

  const draft = () => {
    const text = (name) => el[name].value.trim() || null;
    const value = {
      clientKey, title: el.title.value, description: text("description"),
      leadUnitId: el.leadUnitId.value, ownerId: el.ownerId.value, basis: text("basis"),
      coordinators: el.coordUnit.value ? [{ unitId: el.coordUnit.value, duty: el.coordDuty.value }] : [],
    };
    const dv = el.deadlineValue.value;
    if (dv) {
      if (el.deadlineKind.value === "workingDays") value.workingDays = Number(dv);
      else value.deadlineDate = dv;
    }
    const kind = text("productKind");
    const desc = text("productDescription");
    const measure = text("productMeasure");
    value.product = kind || desc || measure
      ? { kind: kind || "", description: desc || "", measure } : null;
    return value;
  };
  const touched = new Set();
  const showIssues = (issues, all) => {
    form.querySelectorAll("[data-error-for]").forEach((p) => { p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((c) => c.removeAttribute("aria-invalid"));
    for (const f of issues) {
      const key = fieldKey(f.field);
      if (!all && !touched.has(key)) continue;
      const box = form.querySelector(`[data-error-for="${CSS.escape(key)}"]`);
      if (!box) continue;
      box.textContent = `${box.textContent} ${f.message}`.trim();
      box.previousElementSibling?.setAttribute?.("aria-invalid", "true");
      form.querySelector(`#a-${CSS.escape(key)}`)?.setAttribute("aria-invalid", "true");
    }
    const missing = new Set(issues.map((f) => f.ro).filter(Boolean));
    checklist.replaceChildren(...RO_ORDER.map((r) => h("li", {
      class: missing.has(r) ? "missing" : "ok", "data-ro": r,
    }, missing.has(r) ? `✗ Chưa ${r}` : `✓ ${r[0].toUpperCase()}${r.slice(1)}`)));
  };
  let timer = null;
  let seq = 0;
  const check = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const r = await gql(CHECK, { input: draft() });
        if (mine === seq) showIssues(r.checkAssignment, false);
      } catch (e) {
        if (mine === seq) summary.textContent = e.message;
      }
    }, 250);
  };
  form.addEventListener("input", (e) => {
    const key = fieldKey((e.target.name || e.target.id.replace(/^a-/, "")));
    touched.add({ productKind: "product", productDescription: "product", productMeasure: "product",
      deadlineValue: "deadline", coordUnit: "coordinators", coordDuty: "coordinators" }[key] || key);
    check();
  });
  form.addEventListener("change", check);
  showIssues([], false);
  check();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    summary.replaceChildren(h("p", { class: "status" }, "Đang giao…"));
    try {
      const r = await gql(ASSIGN, { input: draft() });
      say("Đã giao nhiệm vụ.");
      window.location.hash = `#/nhiem-vu/${r.assignTask.id}`;
    } catch (err) {
      showIssues(err.fields || [], true);
      summary.replaceChildren(h("div", { class: "error", role: "alert", id: "assign-refused" },
        h("p", {}, `Không giao được: ${err.message}`),
        err.fields?.length ? h("ul", {}, err.fields.map((f) => h("li", { "data-field": f.field },
          `${f.ro ? `${f.ro}: ` : ""}${f.message}`))) : null));
      const first = form.querySelector("[aria-invalid='true']");
      if (first) first.focus();
    }
  });
}

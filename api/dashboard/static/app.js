// Bảng điều hành: a client of the public GraphQL API. Every figure and list below is asked of
// /graphql; user text is only ever put into the page as text (never as HTML).
// The session cookie carries the token; the X-Giaoviec-Csrf header lets it through.

const app = document.getElementById("app");
const announce = document.getElementById("announce");
const liveBadge = document.getElementById("live");
const REFRESH_SECONDS = 60; // deadlines pass without events: re-ask the figures on a timer

const STATE = {
  ASSIGNED: "Chưa thực hiện", IN_PROGRESS: "Đang thực hiện", SUBMITTED: "Chờ xác nhận",
  COMPLETED: "Đã hoàn thành", RETURNED: "Thực hiện lại", DECLINED: "Từ chối",
  PAUSED: "Tạm dừng", CANCELLED: "Đã hủy",
};
const TIMELINESS = {
  IN_TIME: "Trong hạn", DUE_SOON: "Sắp đến hạn", OVERDUE: "Quá hạn",
  COMPLETED_ON_TIME: "Hoàn thành đúng hạn", COMPLETED_LATE: "Hoàn thành quá hạn",
};
const ACTION = {
  assign: "Giao nhiệm vụ", accept: "Tiếp nhận", report_progress: "Báo cáo tiến độ",
  submit: "Nộp sản phẩm", approve: "Xác nhận hoàn thành", return: "Trả lại",
  decline: "Từ chối nhiệm vụ", request_extension: "Đề nghị gia hạn",
  decide_extension: "Quyết định gia hạn", reassign: "Giao lại", pause: "Tạm dừng",
  resume: "Tiếp tục", cancel: "Hủy", remind: "Nhắc việc",
};
const LEADER_ROLES = ["chairman", "vice_chairman", "unit_head"];

// ---------------------------------------------------------------------------------------
// DOM helpers: text is always text.

function h(tag, attrs = {}, ...children) {
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

const fmtDate = new Intl.DateTimeFormat("vi-VN", {
  timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric",
});
const fmtDateTime = new Intl.DateTimeFormat("vi-VN", {
  timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric",
  hour: "2-digit", minute: "2-digit",
});
const fmtTime = new Intl.DateTimeFormat("vi-VN", {
  timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit", second: "2-digit",
});
const fmtNumber = new Intl.NumberFormat("vi-VN");
const date = (v) => (v ? fmtDate.format(new Date(v)) : "—");
const dateTime = (v) => (v ? fmtDateTime.format(new Date(v)) : "—");
const num = (v) => fmtNumber.format(v);
const rate = (v) => (v === null || v === undefined ? "—" : `${fmtNumber.format(v)}%`);

function say(message) {
  announce.textContent = "";
  setTimeout(() => { announce.textContent = message; }, 30);
}

// ---------------------------------------------------------------------------------------
// GraphQL over HTTP (and the errors the API answers with)

class ApiError extends Error {
  constructor(error) {
    super(error.message);
    this.code = error.extensions?.code;
    this.fields = error.extensions?.fields || [];
  }
}

async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Giaoviec-Csrf": "1" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) {
    const err = new ApiError(body.errors[0]);
    if (err.code === "UNAUTHENTICATED") {
      window.location.assign("/dang-nhap");
    }
    throw err;
  }
  return body.data;
}

// ---------------------------------------------------------------------------------------
// Who is looking

let me = null;

const ME = `{ me { id fullName title roles unit { id name kind }
  jurisdiction { id name kind } } }`;

function isLeader() {
  return me.roles.some((r) => LEADER_ROLES.includes(r));
}

// ---------------------------------------------------------------------------------------
// Shared pieces

const COUNTS = "total completedOnTime completedLate openInTime openOverdue dueSoon onTimeRate";
const TASK_LINE = `id title state timeliness deadline flagged overdueReminders
  leadUnit { id name } owner { id fullName }`;

function timelinessBadge(t) {
  return h("span", { class: `badge t-${t.toLowerCase()}` }, TIMELINESS[t] || t);
}

function tableWrap(label, table) {
  return h("div", { class: "table-wrap", role: "region", "aria-label": label, tabindex: 0 },
    table);
}

function taskList(tasks, empty) {
  if (!tasks.length) return h("p", { class: "muted" }, empty);
  return h("ul", { class: "tasks" }, tasks.map((t) => h("li", { "data-task": t.id },
    h("a", { href: `#/nhiem-vu/${t.id}` }, t.title), " ",
    timelinessBadge(t.timeliness),
    h("span", { class: "meta" },
      ` ${t.leadUnit.name} · ${t.owner.fullName} · hạn ${date(t.deadline)} · ${STATE[t.state]}`,
      t.overdueReminders ? ` · đã nhắc ${t.overdueReminders} lần` : ""))));
}

function figureCards(c, before) {
  const card = (key, label, value, cls, hint) => {
    const prev = before ? before[key] : null;
    let change = null;
    if (prev !== null && prev !== undefined) {
      const d = value - prev;
      change = h("span", { class: "change" },
        `tuần trước: ${num(prev)} (${d > 0 ? "+" : ""}${num(d)})`);
    }
    return h("div", { class: `card ${cls}`, "data-figure": key },
      h("span", { class: "label" }, label),
      h("span", { class: "value" }, num(value)),
      hint ? h("span", { class: "hint" }, hint) : null, change);
  };
  return h("section", { class: "figures", "aria-label": "Kiểm đếm nhiệm vụ", id: "figures" },
    card("openOverdue", "Chưa hoàn thành, quá hạn", c.openOverdue, "red"),
    card("dueSoon", "Sắp đến hạn (≤ 3 ngày làm việc)", c.dueSoon, "orange",
      "thuộc nhóm trong hạn"),
    card("openInTime", "Chưa hoàn thành, trong hạn", c.openInTime, "green"),
    card("completedOnTime", "Đã hoàn thành đúng hạn", c.completedOnTime, "done"),
    card("completedLate", "Đã hoàn thành quá hạn", c.completedLate, "late"),
    card("total", "Tổng số", c.total, "total", `đúng hạn ${rate(c.onTimeRate)}`));
}

function countsCells(c) {
  return [
    h("td", { class: "n" }, num(c.total)),
    h("td", { class: "n" }, num(c.completedOnTime)),
    h("td", { class: "n" }, num(c.completedLate)),
    h("td", { class: "n green-text" }, num(c.openInTime)),
    h("td", { class: "n orange-text" }, num(c.dueSoon)),
    h("td", { class: "n red-text" }, num(c.openOverdue)),
    h("td", { class: "n" }, rate(c.onTimeRate)),
  ];
}

function countsHead(first) {
  return h("thead", {}, h("tr", {},
    h("th", { scope: "col" }, first), h("th", { scope: "col" }, "Tổng số"),
    h("th", { scope: "col" }, "Hoàn thành đúng hạn"), h("th", { scope: "col" }, "Hoàn thành quá hạn"),
    h("th", { scope: "col" }, "Trong hạn"), h("th", { scope: "col" }, "Sắp đến hạn"),
    h("th", { scope: "col" }, "Quá hạn"), h("th", { scope: "col" }, "Tỷ lệ đúng hạn")));
}

// ---------------------------------------------------------------------------------------
// Acting on a task: every button calls the API's own mutation.

const MUTATIONS = {
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
  pause: ["mutation($id: ID!, $reason: String!) { pauseTask(id: $id, reason: $reason) { id } }",
    ["reason"]],
  resume: ["mutation($id: ID!) { resumeTask(id: $id) { id } }", []],
  cancel: ["mutation($id: ID!, $reason: String!) { cancelTask(id: $id, reason: $reason) { id } }",
    ["reason"]],
  // Added on main by another change; the button shows only where the API offers "remind".
  remind: ["mutation($id: ID!, $note: String) { remindTask(id: $id, note: $note) { id } }",
    ["note"]],
};

async function act(action, taskId, values, status) {
  const [query] = MUTATIONS[action];
  status.textContent = "Đang gửi…";
  status.className = "status";
  try {
    await gql(query, { id: taskId, ...values });
    status.textContent = `Đã ${ACTION[action].toLowerCase()}.`;
    say(status.textContent);
    refresh();
  } catch (err) {
    status.className = "status error";
    const detail = err.fields?.map((f) => f.message).join(" ") || "";
    status.textContent = `${err.message} ${detail}`.trim();
    status.setAttribute("role", "alert");
  }
}

let formSeq = 0;

// One small form per action: the inputs it needs, then a button. No prompt() dialogs.
function actionForm(action, task, opts = {}) {
  const id = `f${++formSeq}`;
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
  // Labels name their action: a screen reader hears which "Lý do" this is.
  const what = (opts.label || ACTION[action]).toLowerCase();
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
    if (inputs.reason) v.reason = inputs.reason.value;
    if (inputs.note) v.note = inputs.note.value || null;
    return v;
  };
  const buttons = action === "decide_extension"
    ? [h("button", { type: "submit", "data-action": "decide_extension", "data-approve": "true",
      class: "primary" }, "Đồng ý gia hạn"),
    h("button", { type: "submit", "data-action": "decide_extension", "data-approve": "false" },
      "Không đồng ý")]
    : [h("button", { type: "submit", "data-action": action,
      class: action === "approve" ? "primary" : null }, opts.label || ACTION[action])];
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

// ---------------------------------------------------------------------------------------
// Home: the viewer's jurisdiction at a glance

// The home page asks in order of need, one query at a time: the figures first (painted at
// once), then what awaits the viewer, then the ranking, the trend and the briefing. On a
// busy server, each small query answers sooner than five at once would.
const FIGURES = `query($u: ID!) { unit(id: $u) { id name countsWithDescendants { ${COUNTS} } } }`;
const LISTS = `query($u: ID!) {
  flagged: tasks(first: 20, filter: { unitId: $u, flagged: true, role: ANY }) {
    totalCount edges { node { ${TASK_LINE} } } }
  decisions: tasks(first: 50, filter: { awaitingMyDecision: true }) {
    totalCount edges { node { ${TASK_LINE} progress submittedAt
      output { description reference } pendingExtension { newDeadline reason } } } }
}`;
const RANKING = `query($u: ID!) { unit(id: $u) {
  children { id name kind countsWithDescendants { ${COUNTS} } } } }`;
const TREND = `query($u: ID!) { tallyTrend(unitId: $u, weeks: 12) {
  period label asOf stored counts { ${COUNTS} } } }`;
const BRIEFING = "{ briefing { period number draft files { html docx xlsx } } }";

function section(id, title, body) {
  return h("section", { "aria-labelledby": `${id}-h`, id },
    h("h2", { id: `${id}-h` }, title), body);
}

async function renderHome() {
  const unitId = me.jurisdiction.id;
  const { unit } = await gql(FIGURES, { u: unitId });
  const placeholder = (text) => h("p", { class: "muted" }, text);
  // A refresh builds the page aside and swaps it in whole: no flicker on live updates.
  const quiet = refreshing;
  const view = h("div", { class: "home" },
    h("h1", {}, unit.name),
    h("p", { class: "muted", id: "as-of" }, `Số liệu lúc ${fmtTime.format(new Date())}`),
    figureCards(unit.countsWithDescendants, null),
    h("section", { id: "briefing", class: "briefing", "aria-label": "Báo cáo giao ban" }),
    section("decisions", "Chờ đồng chí quyết định", placeholder("Đang tải…")),
    section("flagged", "Nêu tên tại giao ban", placeholder("Đang tải…")),
    h("section", { class: "trend", "aria-labelledby": "trend-h" },
      h("h2", { id: "trend-h" }, "Diễn biến 12 tuần"),
      h("div", { id: "trend-chart", class: "chart" }),
      h("div", { id: "trend-table" }, placeholder("Đang tải…"))),
    section("ranking", "Xếp hạng đơn vị theo tỷ lệ hoàn thành đúng hạn",
      placeholder("Đang tải…")));
  if (!quiet) {
    show(view);
    document.body.dataset.figuresReady = "true";
    performance.mark("figures-painted");
  }
  const fill = (id, title, body) => {
    const box = view.querySelector(`#${id}`);
    if (box) box.replaceWith(section(id, title, body));
  };
  const failed = (id, title) => (err) => fill(id, title,
    h("p", { class: "error" }, `Không tải được: ${err.message}`));

  await gql(LISTS, { u: unitId }).then((lists) => {
    fill("decisions", `Chờ đồng chí quyết định (${lists.decisions.totalCount})`,
      decisionsList(lists.decisions.edges.map((e) => e.node)));
    fill("flagged", `Nêu tên tại giao ban (${lists.flagged.totalCount})`,
      taskList(lists.flagged.edges.map((e) => e.node),
        "Không có nhiệm vụ quá hạn sau hơn 3 lần nhắc."));
  }, failed("decisions", "Chờ đồng chí quyết định"));
  await gql(RANKING, { u: unitId }).then((r) => {
    fill("ranking", "Xếp hạng đơn vị theo tỷ lệ hoàn thành đúng hạn",
      rankingTable(r.unit.children));
  }, failed("ranking", "Xếp hạng đơn vị theo tỷ lệ hoàn thành đúng hạn"));
  await gql(TREND, { u: unitId }).then((t) => {
    const points = t.tallyTrend;
    const prev = points[points.length - 2];
    if (prev) {
      // This week so far against the end of last week.
      view.querySelector("#figures")?.replaceWith(
        figureCards(unit.countsWithDescendants, prev.counts));
    }
    trendPoints = points;
    if (!quiet) drawTrend(view, points);
  }).catch((err) => {
    const box = view.querySelector("#trend-table");
    if (box) box.textContent = `Không tải được diễn biến: ${err.message}`;
  });
  const b = await gql(BRIEFING).catch(() => ({ briefing: null }));
  renderBriefing(view, b.briefing);
  if (quiet) {
    show(view);
    if (trendPoints) drawTrend(view, trendPoints); // uPlot measures its box: draw once shown
  }
  document.body.dataset.homeReady = "true";
  performance.mark("home-complete");
}

let trendPoints = null;

function renderBriefing(view, b) {
  const box = view.querySelector("#briefing");
  if (!box) return;
  if (!b) {
    box.append(h("p", { class: "muted" }, "Chưa có báo cáo giao ban của tuần vừa qua."));
    return;
  }
  const pdf = b.files.html.replace(/\/html$/, "/pdf");
  box.append(h("p", {}, h("strong", {}, `Báo cáo giao ban ${b.period} (${b.draft ? "dự thảo, chưa ban hành" : `số ${b.number}`}): `),
    h("a", { href: b.files.html, target: "_blank", rel: "noopener" }, "HTML"), " · ",
    h("a", { href: b.files.docx }, "DOCX"), " · ",
    h("a", { href: b.files.xlsx }, "XLSX"), " · ",
    h("a", { href: pdf }, "PDF")));
}

function rankingTable(children) {
  if (!children.length) return h("p", { class: "muted" }, "Không có đơn vị trực thuộc.");
  // Ranked by the rate; a unit with tasks but none come due or done yet has no rate ("—",
  // never 0%) and follows the ranked ones; units with no task at all are folded away below.
  const byName = (a, b) => a.name.localeCompare(b.name, "vi");
  const rateOf = (u) => u.countsWithDescendants.onTimeRate;
  const ranked = children.filter((u) => rateOf(u) !== null).sort((a, b) => rateOf(b) - rateOf(a)
    || b.countsWithDescendants.total - a.countsWithDescendants.total || byName(a, b));
  const unrated = children.filter((u) => rateOf(u) === null && u.countsWithDescendants.total > 0)
    .sort(byName);
  const rated = [...ranked, ...unrated];
  const empty = children.filter((u) => u.countsWithDescendants.total === 0);
  const rows = (units) => units.map((u) => h("tr", { "data-unit": u.id },
    h("th", { scope: "row" }, h("a", { href: `#/don-vi/${u.id}` }, u.name)),
    countsCells(u.countsWithDescendants)));
  return [
    tableWrap("Xếp hạng đơn vị", h("table", { class: "counts" },
      h("caption", { class: "visually-hidden" }, "Đơn vị trực thuộc xếp theo tỷ lệ đúng hạn"),
      countsHead("Đơn vị"), h("tbody", {}, rows(rated)))),
    empty.length ? h("details", { class: "empty-units" },
      h("summary", {}, `${empty.length} đơn vị chưa có nhiệm vụ (tỷ lệ: —)`),
      tableWrap("Đơn vị chưa có nhiệm vụ", h("table", { class: "counts" },
        countsHead("Đơn vị"), h("tbody", {}, rows(empty))))) : null,
  ];
}

function decisionsList(tasks) {
  if (!tasks.length) return h("p", { class: "muted" }, "Không có việc chờ quyết định.");
  return h("ul", { class: "decisions" }, tasks.map((t) => {
    const ext = t.pendingExtension;
    const submitted = t.state === "SUBMITTED";
    return h("li", { "data-task": t.id },
      h("a", { href: `#/nhiem-vu/${t.id}` }, t.title), " ", timelinessBadge(t.timeliness),
      h("div", { class: "meta" }, `${t.leadUnit.name} · ${t.owner.fullName} · hạn ${date(t.deadline)}`),
      submitted ? h("div", { class: "ask" },
        `Sản phẩm đã nộp: ${t.output?.description || "—"}`,
        t.output?.reference ? ` (${t.output.reference})` : "") : null,
      submitted ? actionForm("approve", t, { noNote: true }) : null,
      submitted ? actionForm("return", t) : null,
      ext ? h("div", { class: "ask" },
        `Đề nghị gia hạn đến ${date(ext.newDeadline)}: ${ext.reason}`) : null,
      ext ? actionForm("decide_extension", t, { noNote: true }) : null);
  }));
}

function drawTrend(view, points) {
  const table = view.querySelector("#trend-table");
  const chart = view.querySelector("#trend-chart");
  if (!table || !chart) return;
  table.replaceChildren(h("details", {},
    h("summary", {}, "Bảng số liệu 12 tuần"),
    tableWrap("Diễn biến theo tuần", h("table", { class: "counts" },
      countsHead("Tuần"),
      h("tbody", {}, points.map((p) => h("tr", {},
        h("th", { scope: "row" }, p.period, p.stored ? "" : " (tạm tính)"),
        countsCells(p.counts))))))));
  if (!window.uPlot) {
    chart.textContent = "Chưa cài thư viện biểu đồ (make install); xem bảng số liệu.";
    return;
  }
  const xs = points.map((p, i) => i);
  const data = [xs, points.map((p) => p.counts.openOverdue),
    points.map((p) => p.counts.dueSoon), points.map((p) => p.counts.openInTime),
    points.map((p) => p.counts.completedOnTime)];
  const width = Math.max(280, chart.clientWidth || 600);
  chart.replaceChildren();
  chart.setAttribute("role", "img");
  const last = points[points.length - 1].counts;
  chart.setAttribute("aria-label", `Biểu đồ 12 tuần; tuần này: quá hạn ${last.openOverdue}, `
    + `sắp đến hạn ${last.dueSoon}, trong hạn ${last.openInTime}.`);
  // eslint-disable-next-line no-new, new-cap
  new window.uPlot({
    width, height: 220,
    scales: { x: { time: false } },
    axes: [{ values: (u, ticks) => ticks.map((i) => points[i]?.period.slice(5) ?? "") }, {}],
    series: [{ label: "Tuần", value: (u, i) => points[i]?.period ?? "" },
      { label: "Quá hạn", stroke: "#c62828", width: 2 },
      { label: "Sắp đến hạn", stroke: "#ef6c00", width: 2 },
      { label: "Trong hạn", stroke: "#2e7d32", width: 2 },
      { label: "Hoàn thành đúng hạn", stroke: "#1565c0", width: 1, dash: [4, 4] }],
  }, data, chart);
}

// ---------------------------------------------------------------------------------------
// Drill-down: a unit, its children and its people; an official and his tasks

const UNIT = `query($u: ID!) {
  unit(id: $u) { id name kind parent { id name parent { id name parent { id name } } }
    counts { ${COUNTS} } countsWithDescendants { ${COUNTS} }
    children { id name kind countsWithDescendants { ${COUNTS} } }
    officials { id fullName title counts { ${COUNTS} } } }
  tasks(first: 50, filter: { unitId: $u, includeDescendants: false }) {
    totalCount edges { node { ${TASK_LINE} } } }
}`;

function breadcrumbs(unit, extra) {
  const chain = [];
  for (let p = unit.parent; p; p = p.parent) chain.unshift(p);
  const stop = chain.findIndex((p) => p.id === me.jurisdiction.id);
  const shown = stop >= 0 ? chain.slice(stop) : [];
  const items = [h("li", {}, h("a", { href: "#/" }, "Tổng quan"))];
  for (const p of shown) items.push(h("li", {}, h("a", { href: `#/don-vi/${p.id}` }, p.name)));
  items.push(h("li", {}, extra ? h("a", { href: `#/don-vi/${unit.id}` }, unit.name)
    : h("span", { "aria-current": "page" }, unit.name)));
  if (extra) items.push(h("li", {}, h("span", { "aria-current": "page" }, extra)));
  return h("nav", { "aria-label": "Đường dẫn", class: "crumbs" }, h("ol", {}, items));
}

async function renderUnit(id) {
  const data = await gql(UNIT, { u: id });
  const unit = data.unit;
  if (!unit) return show(h("p", { class: "error" }, "Không tìm thấy đơn vị."));
  const rows = unit.children.map((c) => h("tr", { "data-unit": c.id },
    h("th", { scope: "row" }, h("a", { href: `#/don-vi/${c.id}` }, c.name)),
    countsCells(c.countsWithDescendants)));
  show(h("div", { class: "unit" },
    breadcrumbs(unit),
    h("h1", {}, unit.name),
    figureCards(unit.countsWithDescendants, null),
    h("section", { "aria-labelledby": "children-h" },
      h("h2", { id: "children-h" }, "Theo đơn vị"),
      tableWrap("Số liệu theo đơn vị", h("table", { class: "counts", id: "children" },
        countsHead("Đơn vị"),
        h("tbody", {},
          h("tr", { "data-unit": "own" }, h("th", { scope: "row" }, "Đơn vị trực tiếp chủ trì"),
            countsCells(unit.counts)),
          rows),
        h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, "Cộng"),
          countsCells(unit.countsWithDescendants)))))),
    h("section", { "aria-labelledby": "people-h" },
      h("h2", { id: "people-h" }, "Theo cán bộ (người chịu trách nhiệm chính)"),
      tableWrap("Số liệu theo cán bộ", h("table", { class: "counts", id: "officials" },
        countsHead("Cán bộ"),
        h("tbody", {}, unit.officials.map((o) => h("tr", { "data-official": o.id },
          h("th", { scope: "row" }, h("a", { href: `#/can-bo/${o.id}` }, o.fullName),
            o.title ? h("span", { class: "meta" }, ` ${o.title}`) : null),
          countsCells(o.counts))))))),
    h("section", { "aria-labelledby": "unit-tasks-h" },
      h("h2", { id: "unit-tasks-h" }, `Nhiệm vụ đơn vị chủ trì (${data.tasks.totalCount})`),
      taskList(data.tasks.edges.map((e) => e.node), "Chưa có nhiệm vụ."))));
}

const OFFICIAL = `query($id: ID!) {
  official(id: $id) { id fullName title counts { ${COUNTS} }
    unit { id name parent { id name parent { id name parent { id name } } } } }
  tasks(first: 100, filter: { ownerId: $id }) { totalCount edges { node { ${TASK_LINE} } } }
}`;

async function renderOfficial(id) {
  const data = await gql(OFFICIAL, { id });
  const o = data.official;
  if (!o) return show(h("p", { class: "error" }, "Không tìm thấy cán bộ."));
  show(h("div", { class: "official" },
    breadcrumbs(o.unit, o.fullName),
    h("h1", {}, o.fullName), o.title ? h("p", { class: "muted" }, `${o.title}, ${o.unit.name}`) : null,
    figureCards(o.counts, null),
    h("section", { "aria-labelledby": "own-h" },
      h("h2", { id: "own-h" }, `Nhiệm vụ chịu trách nhiệm chính (${data.tasks.totalCount})`),
      taskList(data.tasks.edges.map((e) => e.node), "Chưa có nhiệm vụ."))));
}

// ---------------------------------------------------------------------------------------
// A task: its six "rõ", its timeline, and what the viewer may do

const TASK = `query($id: ID!) {
  task(id: $id) { id title description state timeliness deadline originalDeadline progress
    basis createdAt submittedAt completedAt flagged overdueReminders availableActions
    leadUnit { id name parent { id name parent { id name parent { id name } } } }
    owner { id fullName title } assignedBy { id fullName title }
    coordinators { duty unit { id name } } product { kind description measure }
    output { description reference url } pendingExtension { newDeadline reason } }
  taskHistory(id: $id) { seq at action note detail fromState toState actor { fullName } }
}`;

function dl(pairs) {
  return h("dl", {}, pairs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]));
}

async function renderTask(id) {
  let data;
  try {
    data = await gql(TASK, { id });
  } catch (err) {
    if (err.code === "NOT_FOUND") return show(h("p", { class: "error" }, "Không tìm thấy nhiệm vụ."));
    throw err;
  }
  const t = data.task;
  if (!t) return show(h("p", { class: "error" }, "Không tìm thấy nhiệm vụ."));
  const ro = (title, body) => h("section", { class: "ro" }, h("h3", {}, title), body);
  const actions = t.availableActions.map((a) => a.toLowerCase());
  show(h("article", { class: "task", "data-task": t.id },
    breadcrumbs(t.leadUnit, "Nhiệm vụ"),
    h("h1", { id: "task-title" }, t.title),
    h("p", {}, h("span", { id: "task-state", class: "state" }, STATE[t.state]), " ",
      timelinessBadge(t.timeliness), ` Tiến độ ${t.progress}%`,
      t.flagged ? h("span", { class: "badge t-overdue" }, "Nêu tên tại giao ban") : null),
    t.pendingExtension ? h("p", { class: "ask" },
      `Đề nghị gia hạn đến ${date(t.pendingExtension.newDeadline)}: ${t.pendingExtension.reason}`)
      : null,
    h("div", { class: "six" },
      ro("Rõ việc", dl([["Tên", t.title], ["Nội dung", t.description]])),
      ro("Rõ người", dl([["Đơn vị chủ trì", t.leadUnit.name],
        ["Người chịu trách nhiệm chính", t.owner.fullName]])),
      ro("Rõ thẩm quyền", dl([["Người giao", t.assignedBy.fullName], ["Căn cứ", t.basis]])),
      ro("Rõ trách nhiệm", t.coordinators.length
        ? h("ul", { id: "coordinators" }, t.coordinators.map((c) => h("li", {},
          h("strong", {}, c.unit.name), `: ${c.duty}`)))
        : h("p", { class: "muted" }, "Đơn vị chủ trì chịu trách nhiệm; không có đơn vị phối hợp.")),
      ro("Rõ thời gian", dl([["Hạn xử lý", dateTime(t.deadline)],
        ["Hạn ban đầu", dateTime(t.originalDeadline)], ["Ngày giao", dateTime(t.createdAt)]])),
      ro("Rõ sản phẩm", dl([["Loại", t.product?.kind], ["Mô tả", t.product?.description],
        ["Tiêu chí", t.product?.measure],
        ["Đã nộp", t.output ? `${t.output.description}${t.output.reference ? ` (${t.output.reference})` : ""}` : null]]))),
    actions.length ? h("section", { "aria-labelledby": "actions-h", id: "actions" },
      h("h2", { id: "actions-h" }, "Thao tác"),
      actions.filter((a) => MUTATIONS[a]).map((a) => actionForm(a, t))) : null,
    h("section", { "aria-labelledby": "timeline-h" },
      h("h2", { id: "timeline-h" }, "Quá trình xử lý"),
      h("ol", { id: "timeline", class: "timeline" }, data.taskHistory.map((e) => h("li", {
        "data-action": e.action,
      }, h("time", { datetime: e.at }, dateTime(e.at)), " ",
      h("strong", {}, ACTION[e.action] || e.action), " — ",
      e.actor ? e.actor.fullName : "hệ thống",
      e.toState && e.fromState !== e.toState ? ` → ${STATE[e.toState]}` : "",
      e.note ? h("div", { class: "note" }, e.note) : null,
      eventDetail(e)))))));
}

function eventDetail(e) {
  // The API words the details (domain.trail): no engine keys reach the page.
  return e.detail ? h("div", { class: "meta" }, e.detail) : null;
}

// ---------------------------------------------------------------------------------------
// Assigning: the six "rõ" checked as the assigner types (checkAssignment), the server's
// refusal shown field by field.

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

async function renderAssign() {
  const data = await gql(ASSIGN_UNITS, { u: me.jurisdiction.id });
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
  show(h("div", { class: "assign-page" },
    h("nav", { "aria-label": "Đường dẫn", class: "crumbs" }, h("ol", {},
      h("li", {}, h("a", { href: "#/" }, "Tổng quan")),
      h("li", {}, h("span", { "aria-current": "page" }, "Giao việc")))),
    h("h1", {}, "Giao việc"),
    h("p", { class: "muted" }, "Mỗi việc một đầu mối chủ trì; đủ sáu rõ mới giao được."),
    checklist, form));

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

// ---------------------------------------------------------------------------------------
// Routing, refreshing, live updates

let current = null;

function show(node) {
  app.replaceChildren(node);
}

function route() {
  const hash = window.location.hash || "#/";
  const parts = hash.slice(2).split("/").map(decodeURIComponent);
  switch (parts[0]) {
    case "don-vi": return { name: "unit", id: parts[1], render: () => renderUnit(parts[1]) };
    case "can-bo": return { name: "official", id: parts[1], render: () => renderOfficial(parts[1]) };
    case "nhiem-vu": return { name: "task", id: parts[1], render: () => renderTask(parts[1]) };
    case "giao-viec": return { name: "assign", render: renderAssign };
    default: return { name: "home", render: renderHome };
  }
}

async function navigate(focus = true) {
  current = route();
  try {
    await current.render();
    if (focus) {
      const h1 = app.querySelector("h1");
      if (h1) { h1.setAttribute("tabindex", "-1"); h1.focus({ preventScroll: false }); }
    }
  } catch (err) {
    show(h("p", { class: "error", role: "alert" }, `Không tải được: ${err.message}`));
  }
}

// Re-ask what is in view, unless the viewer is typing into it.
let pending = null;
let refreshing = false;
function refresh() {
  clearTimeout(pending);
  pending = setTimeout(async () => {
    if (current?.name === "assign") return;
    const active = document.activeElement;
    if (active && app.contains(active) && ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName)
      && active.value) {
      return;
    }
    const y = window.scrollY;
    refreshing = true;
    try {
      await navigate(false);
    } finally {
      refreshing = false;
    }
    window.scrollTo(0, y);
  }, 150);
}

const CHANGES = `subscription { taskChanges { event { action seq at actor { fullName } }
  task { id title } } }`;

function connectLive() {
  if (!window.graphqlWs) {
    liveBadge.textContent = "Tự cập nhật mỗi phút";
    return;
  }
  const url = `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/graphql`;
  const client = window.graphqlWs.createClient({
    url, lazy: false, retryAttempts: Infinity,
    on: {
      connected: () => { liveBadge.textContent = "Trực tiếp"; liveBadge.dataset.state = "on"; },
      closed: () => { liveBadge.textContent = "Mất kết nối, đang thử lại…"; liveBadge.dataset.state = "off"; },
    },
  });
  client.subscribe({ query: CHANGES }, {
    next: ({ data }) => {
      const c = data?.taskChanges;
      if (!c) return;
      const who = c.event.actor ? c.event.actor.fullName : "Hệ thống";
      say(`${who}: ${ACTION[c.event.action] || c.event.action} — ${c.task.title}`);
      if (current?.name !== "task" || current.id === c.task.id) refresh();
    },
    error: () => { liveBadge.textContent = "Mất kết nối trực tiếp"; },
    complete: () => {},
  });
}

async function start() {
  try {
    me = (await gql(ME)).me;
  } catch {
    return; // UNAUTHENTICATED already sent the browser to the sign-in page
  }
  document.getElementById("viewer").textContent = `${me.fullName} · ${me.jurisdiction.name}`;
  if (isLeader()) document.getElementById("nav-assign").hidden = false;
  window.addEventListener("hashchange", () => navigate(true));
  await navigate(false);
  connectLive();
  setInterval(refresh, REFRESH_SECONDS * 1000);
}

start();

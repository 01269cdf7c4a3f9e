// Home: the viewer's jurisdiction at a glance.

import { actionForm } from "./actions.js";
import { gql } from "./api.js";
import { BRIEFING, briefingLinks } from "./briefing.js";
import { date, h, section, tableWrap, time } from "./dom.js";
import {
  COUNTS, TASK_LINE, countsCells, countsHead, figureCards, taskList, timelinessBadge,
} from "./parts.js";
import { drawTrend } from "./trend.js";

// The viewer's own jurisdiction's figures: app.js asks them with `me` when the page opens
// here (`early` below: `painted` when the server already drew them with the page, from the
// answer it read at `asOf`), the page itself on coming back or refreshing.
export const JURISDICTION_FIGURES = `countsWithDescendants { ${COUNTS} }`;
const FIGURES = `query Figures { me { jurisdiction { id name ${JURISDICTION_FIGURES} } } }`;
const LISTS = `query Lists($u: ID!) {
  flagged: tasks(first: 20, filter: { unitId: $u, flagged: true, role: ANY }) {
    totalCount edges { node { ${TASK_LINE} } } }
  decisions: tasks(first: 50, filter: { awaitingMyDecision: true }) {
    totalCount edges { node { ${TASK_LINE} progress submittedAt
      output { description reference } pendingExtension { newDeadline reason } } } }
}`;
const RANKING = `query Ranking($u: ID!) { unit(id: $u) {
  children { id name kind countsWithDescendants { ${COUNTS} } } } }`;
const TREND = `query Trend($u: ID!) { tallyTrend(unitId: $u, weeks: 12) {
  period title asOf stored counts { ${COUNTS} } } }`;

const RANKING_TITLE = "Xếp hạng đơn vị theo tỷ lệ hoàn thành đúng hạn";

export async function renderHome(nav, _id, early = null) {
  const ask = (query, variables) => gql(query, variables, nav.signal);
  // The figures alone first: the viewer's requests share two database threads
  // (api/db_share.py), so the heavier lists and ranking asked alongside would hold them up.
  // The other questions do not depend on each other: they go out together once the figures
  // are in, and each section is filled as its answer comes.
  const figures = await (early || ask(FIGURES));
  const unit = figures.me.jurisdiction;
  if (!nav.current) return;
  const unitId = unit.id;
  const lists = ask(LISTS, { u: unitId });
  const ranking = ask(RANKING, { u: unitId });
  const trend = ask(TREND, { u: unitId });
  const briefing = ask(BRIEFING).catch(() => ({ briefing: null }));
  for (const p of [lists, ranking, trend]) p.catch(() => {}); // handled below, section by section

  const placeholder = (text) => h("p", { class: "muted" }, text);
  const overdue = `#/qua-han/${unitId}`;
  // The page the server painted with the figures (api/dashboard/templates/home_figures.html,
  // the same as the one drawn here) is taken over as it is, on screen: drawn again, its
  // cards would be new elements, and the browser's element timing of the painted ones lost.
  const served = figures.painted ? document.querySelector("#app > .home[data-painted='server']")
    : null;
  served?.removeAttribute("data-painted");
  const view = served || h("div", { class: "home" },
    h("h1", {}, unit.name),
    h("p", { class: "muted", id: "as-of" },
      `Số liệu lúc ${time(figures.asOf ? new Date(figures.asOf) : new Date())}`),
    figureCards(unit.countsWithDescendants, null, overdue),
    h("section", { id: "briefing", class: "briefing", "aria-label": "Báo cáo giao ban" }),
    section("decisions", "Chờ đồng chí quyết định", placeholder("Đang tải…")),
    section("flagged", "Nêu tên tại giao ban", placeholder("Đang tải…")),
    h("section", { class: "trend", "aria-labelledby": "trend-h" },
      h("h2", { id: "trend-h" }, "Diễn biến 12 tuần"),
      h("div", { id: "trend-chart", class: "chart" }),
      h("div", { id: "trend-table" }, placeholder("Đang tải…"))),
    section("ranking", RANKING_TITLE, placeholder("Đang tải…")));
  // A quiet refresh builds the page aside and swaps it in whole: no flicker on live updates.
  // Cards the server painted are already on screen: the mark says when the script found
  // them (the browser's element timing `figures` says when they were painted).
  if (!nav.quiet && (served ? nav.current : nav.show(view))) {
    document.body.dataset.figuresReady = served ? "server" : "script";
    performance.mark("figures-painted");
  }
  const fill = (id, title, body) => view.querySelector(`#${id}`)?.replaceWith(section(id, title, body));
  const failed = (id, title) => (err) => fill(id, title,
    h("p", { class: "error" }, `Không tải được: ${err.message}`));
  let points = null;
  await Promise.allSettled([
    lists.then((l) => {
      fill("decisions", `Chờ đồng chí quyết định (${l.decisions.totalCount})`,
        decisionsList(l.decisions.edges.map((e) => e.node)));
      fill("flagged", `Nêu tên tại giao ban (${l.flagged.totalCount})`,
        taskList(l.flagged.edges.map((e) => e.node), "Không có nhiệm vụ quá hạn sau hơn 3 lần nhắc."));
    }, failed("decisions", "Chờ đồng chí quyết định")),
    ranking.then((r) => fill("ranking", RANKING_TITLE, rankingTable(r.unit.children)),
      failed("ranking", RANKING_TITLE)),
    trend.then((t) => {
      points = t.tallyTrend;
      const prev = points[points.length - 2];
      // This week so far against the end of last week.
      if (prev) {
        view.querySelector("#figures")?.replaceWith(
          figureCards(unit.countsWithDescendants, prev.counts, overdue));
      }
      if (!nav.quiet) drawTrend(view, points);
    }, (err) => {
      const box = view.querySelector("#trend-table");
      if (box) box.textContent = `Không tải được diễn biến: ${err.message}`;
    }),
    briefing.then((b) => view.querySelector("#briefing")?.append(briefingLinks(b.briefing))),
  ]);
  if (!nav.current) return;
  if (nav.quiet) {
    nav.show(view);
    if (points) drawTrend(view, points); // uPlot measures its box: draw once shown
  }
  document.body.dataset.homeReady = "true";
  performance.mark("home-complete");
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
  const empty = children.filter((u) => u.countsWithDescendants.total === 0);
  const rows = (units) => units.map((u) => h("tr", { "data-unit": u.id },
    h("th", { scope: "row" }, h("a", { href: `#/don-vi/${u.id}` }, u.name)),
    countsCells(u.countsWithDescendants)));
  return [
    tableWrap("Xếp hạng đơn vị", h("table", { class: "counts ranking" },
      h("caption", { class: "visually-hidden" }, "Đơn vị trực thuộc xếp theo tỷ lệ đúng hạn"),
      countsHead("Đơn vị"), h("tbody", {}, rows([...ranked, ...unrated])))),
    empty.length ? h("details", { class: "empty-units" },
      h("summary", {}, `${empty.length} đơn vị chưa có nhiệm vụ (tỷ lệ: —)`),
      tableWrap("Đơn vị chưa có nhiệm vụ", h("table", { class: "counts ranking" },
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

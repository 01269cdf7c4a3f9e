// The 12-week trend: a table always, a chart where uPlot is installed.

import { h, tableWrap } from "./dom.js";
import { timelinessLabel } from "./labels.js";
import { countsCells, countsHead } from "./parts.js";

// "Tuần 49 (30/11–06/12/2026)" → "Tuần 49" where space is short (the chart's axis).
const shortWeek = (title) => title.replace(/\s*\(.*$/, "");

export function drawTrend(view, points) {
  const table = view.querySelector("#trend-table");
  const chart = view.querySelector("#trend-chart");
  if (!table || !chart) return;
  table.replaceChildren(h("details", {},
    h("summary", {}, "Bảng số liệu 12 tuần"),
    tableWrap("Diễn biến theo tuần", h("table", { class: "counts" },
      countsHead("Tuần"),
      h("tbody", {}, points.map((p) => h("tr", { "data-period": p.period },
        h("th", { scope: "row" }, p.title, p.stored ? "" : " (tạm tính)"),
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
    axes: [{ values: (u, ticks) => ticks.map((i) => (points[i] ? shortWeek(points[i].title) : "")) }, {}],
    series: [{ label: "Tuần", value: (u, i) => points[i]?.title ?? "" },
      { label: timelinessLabel("OVERDUE"), stroke: "#c62828", width: 2 },
      { label: timelinessLabel("DUE_SOON"), stroke: "#ef6c00", width: 2 },
      { label: timelinessLabel("IN_TIME"), stroke: "#2e7d32", width: 2 },
      { label: timelinessLabel("COMPLETED_ON_TIME"), stroke: "#1565c0", width: 1, dash: [4, 4] }],
  }, data, chart);
}

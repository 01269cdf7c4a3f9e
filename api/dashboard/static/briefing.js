// The week's giao ban report, linked from the home page.

import { h } from "./dom.js";

export const BRIEFING = "query Briefing { briefing { period periodTitle number files { html docx xlsx pdf } } }";

export function briefingLinks(b) {
  if (!b) return h("p", { class: "muted" }, "Chưa có báo cáo giao ban của tuần vừa qua.");
  return h("p", {}, h("strong", {}, `Báo cáo giao ban ${b.periodTitle} (số ${b.number}): `),
    h("a", { href: b.files.html, target: "_blank", rel: "noopener" }, "HTML"), " · ",
    h("a", { href: b.files.docx }, "DOCX"), " · ",
    h("a", { href: b.files.xlsx }, "XLSX"), " · ",
    h("a", { href: b.files.pdf }, "PDF"));
}

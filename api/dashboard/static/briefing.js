// The week's giao ban report, linked from the home page.

import { h } from "./dom.js";

export const BRIEFING = "query Briefing { briefing { period periodTitle number draft files { html docx xlsx pdf } } }";

export function briefingLinks(b) {
  if (!b) return h("p", { class: "muted" }, "Chưa có báo cáo giao ban của tuần vừa qua.");
  // The week's issued report, or its draft while none is issued.
  const status = b.draft ? "dự thảo, chưa ban hành" : `số ${b.number}`;
  return h("p", {}, h("strong", {}, `Báo cáo giao ban ${b.periodTitle} (${status}): `),
    h("a", { href: b.files.html, target: "_blank", rel: "noopener" }, "HTML"), " · ",
    h("a", { href: b.files.docx }, "DOCX"), " · ",
    h("a", { href: b.files.xlsx }, "XLSX"), " · ",
    h("a", { href: b.files.pdf }, "PDF"));
}

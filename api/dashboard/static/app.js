// Bảng điều hành: a client of the public GraphQL API, as ES modules (no build step). Every
// figure and list is asked of /graphql; every page is drawn under a navigation token
// (navigation.js) so an answer for a page the user has left never paints over the one in view.

import { onActed } from "./actions.js";
import { gql } from "./api.js";
import { renderAssign } from "./assign.js";
import { h } from "./dom.js";
import { renderOfficial, renderOverdue, renderUnit } from "./drill.js";
import { JURISDICTION_FIGURES, renderHome } from "./home.js";
import { LABELS_QUERY, useLabels } from "./labels.js";
import { connectLive } from "./live.js";
import { renderMine } from "./mine.js";
import { begin, currentRoute, inFlight } from "./navigation.js";
import { isLeader, session } from "./session.js";
import { renderTask } from "./task.js";

const REFRESH_SECONDS = 60; // deadlines pass without events: re-ask the figures on a timer
const LIVE_GAP_SECONDS = 3; // live events re-ask the page at most this often
const app = document.getElementById("app");

// Who is looking and the names of things, in one request; opening on the home page, its
// figures too (`more`: asked of the viewer's jurisdiction).
const startQuery = (more = "") => `query Start { me { id fullName title roles unit { id name kind }
  jurisdiction { id name kind ${more} } } ${LABELS_QUERY} }`;

// The server may have asked `Start` already, as the viewer, and painted the home's figures
// with the page (api/dashboard/first_paint.py): its answer is in the page, as data. Taken only
// when it answers this very question (the home's); else `Start` is asked as before.
function answeredWithThePage() {
  const island = document.getElementById("start-data");
  if (!island) return null;
  const oneLine = (q) => q.replace(/\s+/g, " ").trim();
  try {
    const given = JSON.parse(island.textContent);
    return oneLine(given.query) === oneLine(startQuery(JURISDICTION_FIGURES)) ? given : null;
  } catch {
    return null;
  }
}

const PAGES = {
  "don-vi": ["unit", renderUnit],
  "can-bo": ["official", renderOfficial],
  "nhiem-vu": ["task", renderTask],
  "qua-han": ["overdue", renderOverdue],
  "giao-viec": ["assign", renderAssign],
  "cua-toi": ["mine", renderMine],
};

function route() {
  const parts = (window.location.hash || "#/").slice(2).split("/").map(decodeURIComponent);
  const [name, render] = PAGES[parts[0]] || ["home", renderHome];
  return { name, id: parts[1], render: (nav, early) => render(nav, parts[1], early) };
}

// `early`: the home's figures, already asked (start); used only if home is still the page.
async function navigate({ quiet = false, focus = !quiet, early = null } = {}) {
  const nav = begin(route(), quiet);
  try {
    await nav.route.render(nav, nav.route.name === "home" ? early : null);
    if (focus && nav.current) {
      const h1 = app.querySelector("h1");
      if (h1) { h1.setAttribute("tabindex", "-1"); h1.focus({ preventScroll: false }); }
    }
  } catch (err) {
    // A navigation the user has left fails quietly (its requests were aborted).
    nav.show(h("p", { class: "error", role: "alert" }, `Không tải được: ${err.message}`));
  } finally {
    nav.done = true;
  }
}

// Re-ask what is in view, unless the viewer is typing into it or a page is still loading.
// `gap`: at least that long after the last re-ask (live events come in bursts, and every
// query is charged to the viewer's cost budget per minute). A tab nobody looks at asks
// nothing: it re-asks once when it is shown again (a leader's other tabs would otherwise
// spend his budget).
let pending = null;
let lastAsked = 0;
let staleWhileHidden = false;
function refresh(gap = 0) {
  clearTimeout(pending);
  const wait = Math.max(150, lastAsked + gap - Date.now());
  pending = setTimeout(async () => {
    if (document.hidden) { staleWhileHidden = true; return; }
    if (currentRoute()?.name === "assign") return;
    if (inFlight()) { refresh(); return; }
    const active = document.activeElement;
    if (active && app.contains(active) && ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName)
      && active.value) {
      return;
    }
    const y = window.scrollY;
    lastAsked = Date.now();
    await navigate({ quiet: true });
    window.scrollTo(0, y);
  }, wait);
}

async function start() {
  // Opening on the home page: its figures need only the signed-in viewer (the session), so
  // they are asked with `me`, not after it.
  // With the page's answer, `early` says when it was read and that its cards are painted.
  const home = route().name === "home";
  const given = answeredWithThePage();
  const asking = given ? Promise.resolve(given.data) : gql(startQuery(home ? JURISDICTION_FIGURES : ""));
  const early = home ? asking.then((d) => ({ me: { jurisdiction: d.me.jurisdiction },
    asOf: given?.asOf ?? null, painted: Boolean(given) })) : null;
  early?.catch(() => {}); // the same failure as `asking`'s, handled below
  let data;
  try {
    data = await asking;
  } catch {
    return; // UNAUTHENTICATED already sent the browser to the sign-in page
  }
  session.me = data.me;
  useLabels(data.taskLabels);
  document.getElementById("viewer").textContent = `${session.me.fullName} · ${session.me.jurisdiction.name}`;
  if (isLeader()) document.getElementById("nav-assign").hidden = false;
  onActed(() => refresh());
  window.addEventListener("hashchange", () => navigate());
  await navigate({ focus: false, early });
  connectLive(document.getElementById("live"), (taskId) => {
    const r = currentRoute();
    if (r?.name !== "task" || r.id === taskId) refresh(LIVE_GAP_SECONDS * 1000);
  });
  setInterval(refresh, REFRESH_SECONDS * 1000);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && staleWhileHidden) { staleWhileHidden = false; refresh(); }
  });
}

start();

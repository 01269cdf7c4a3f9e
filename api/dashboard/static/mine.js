// An official's own page: my tasks (as owner, in my unit's coordinating part, standing in for
// someone), my notifications with how many are unread in each category (nhắc việc, đôn đốc,
// cảnh báo, khác: `notificationCounts`, named by the API) and the list of one category
// (#/cua-toi/<category>), and whom I stand in for today.

import { gql } from "./api.js";
import { dateTime, h, section } from "./dom.js";
import { TASK_LINE, taskList } from "./parts.js";
import { session } from "./session.js";

const OPEN = "states: [ASSIGNED, IN_PROGRESS, SUBMITTED, RETURNED, PAUSED]";
const MINE = `query Mine($me: ID!, $unit: ID!, $category: NotificationCategory) {
  owned: tasks(first: 100, filter: { ownerId: $me, ${OPEN} }) {
    totalCount edges { node { ${TASK_LINE} } } }
  coordinating: tasks(first: 100, filter: { unitId: $unit, includeDescendants: false,
    role: COORDINATING, ${OPEN} }) { totalCount edges { node { ${TASK_LINE} } } }
  standingInFor { id fullName title unit { name } }
  notificationCounts { unread byCategory { category label unread } }
  notifications(first: 200, category: $category) { id kind category title body createdAt
    readAt taskId }
}`;
const THEIRS = `query Theirs($id: ID!) { tasks(first: 100, filter: { ownerId: $id, ${OPEN} }) {
  totalCount edges { node { ${TASK_LINE} } } } }`;
const READ = "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }";

const nodes = (page) => page.edges.map((e) => e.node);

// `category`: the route's filter ("urge"…), the API's enum name in lower case; none: all.
export async function renderMine(nav, category) {
  const me = session.me;
  const wanted = category ? category.toUpperCase() : null;
  const data = await gql(MINE, { me: me.id, unit: me.unit.id, category: wanted }, nav.signal);
  // Each absent colleague's open tasks, asked together.
  const theirs = await Promise.all(data.standingInFor.map((o) => gql(THEIRS, { id: o.id },
    nav.signal).then((r) => ({ official: o, tasks: nodes(r.tasks) }))));
  const unread = data.notifications.filter((n) => !n.readAt);
  const counts = data.notificationCounts;
  return nav.show(h("div", { class: "mine" },
    h("h1", {}, "Việc của tôi"),
    h("p", { class: "muted" }, `${me.fullName}${me.title ? `, ${me.title}` : ""} · ${me.unit.name}`),
    section("owned", `Chịu trách nhiệm chính (${data.owned.totalCount})`,
      taskList(nodes(data.owned), "Không có nhiệm vụ đang mở.")),
    section("coordinating", `Đơn vị tôi phối hợp (${data.coordinating.totalCount})`,
      taskList(nodes(data.coordinating), "Không có nhiệm vụ phối hợp đang mở.")),
    section("standing-in", `Đang làm thay (${data.standingInFor.length})`,
      theirs.length ? theirs.map(({ official: o, tasks }) => h("div", { "data-official": o.id },
        h("h3", {}, `${o.fullName}${o.title ? `, ${o.title}` : ""} — ${o.unit.name}`),
        taskList(tasks, "Không có nhiệm vụ đang mở.")))
        : h("p", { class: "muted" }, "Hôm nay không làm thay ai.")),
    section("notifications", `Thông báo (${counts.unread} chưa đọc)`, [
      categoryFilter(counts, wanted),
      notificationList(data.notifications, unread, () => renderMine(nav, category),
        wanted ? "Đánh dấu đã đọc các thông báo đang xem" : "Đánh dấu đã đọc tất cả")])));
}

// All, then each category with its unread count: a link to the list of that category.
function categoryFilter(counts, wanted) {
  const link = (href, text, current, key) => h("li", {}, h("a", { href, "data-category": key,
    "aria-current": current ? "true" : null, class: current ? "current" : null }, text));
  return h("nav", { id: "notification-categories", "aria-label": "Lọc thông báo theo loại" },
    h("ul", { class: "chips" },
      link("#/cua-toi", `Tất cả (${counts.unread} chưa đọc)`, !wanted, "ALL"),
      counts.byCategory.map((c) => link(`#/cua-toi/${c.category.toLowerCase()}`,
        `${c.label} (${c.unread} chưa đọc)`, wanted === c.category, c.category))));
}

// `redraw`: the page again, if it is still the one in view (its navigation token).
function notificationList(all, unread, redraw, markLabel) {
  if (!all.length) return h("p", { class: "muted" }, "Không có thông báo.");
  const status = h("span", { class: "status", "aria-live": "polite" });
  const markAll = unread.length ? h("button", { type: "button", id: "mark-read",
    onclick: async () => {
      try {
        await gql(READ, { ids: unread.map((n) => n.id) });
        await redraw();
      } catch (err) { status.textContent = err.message; }
    } }, markLabel) : null;
  return [h("p", {}, markAll, status),
    h("ul", { class: "tasks notes" }, all.map((n) => h("li", {
      "data-notification": n.id, "data-kind": n.kind, "data-category": n.category,
      class: n.readAt ? "read" : "unread" },
    h("strong", {}, n.title), " ", h("span", { class: "meta" }, dateTime(n.createdAt)),
    n.readAt ? null : h("span", { class: "badge t-due_soon" }, "Chưa đọc"),
    h("div", {}, n.body),
    n.taskId ? h("a", { href: `#/nhiem-vu/${n.taskId}` }, "Xem nhiệm vụ") : null)))];
}

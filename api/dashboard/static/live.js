// Live updates: other users' actions arrive over the subscription (graphql-ws) and re-ask
// what is in view; without the library, a timer does (app.js).

import { say } from "./dom.js";
import { actionLabel } from "./labels.js";

const CHANGES = `subscription { taskChanges { event { action seq at actor { fullName } }
  task { id title } } }`;

// `changed(taskId)` is told of each change once it is announced.
export function connectLive(badge, changed) {
  if (!window.graphqlWs) {
    badge.textContent = "Tự cập nhật mỗi phút";
    return;
  }
  const url = `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/graphql`;
  const client = window.graphqlWs.createClient({
    url, lazy: false, retryAttempts: Infinity,
    on: {
      connected: () => { badge.textContent = "Trực tiếp"; badge.dataset.state = "on"; },
      closed: () => { badge.textContent = "Mất kết nối, đang thử lại…"; badge.dataset.state = "off"; },
    },
  });
  client.subscribe({ query: CHANGES }, {
    next: ({ data }) => {
      const c = data?.taskChanges;
      if (!c) return;
      const who = c.event.actor ? c.event.actor.fullName : "Hệ thống";
      say(`${who}: ${actionLabel(c.event.action)} — ${c.task.title}`);
      changed(c.task.id);
    },
    error: () => { badge.textContent = "Mất kết nối trực tiếp"; },
    complete: () => {},
  });
}

// Each navigation — a page the user opens, or a quiet refresh of the page in view — holds a
// token: only the latest may touch the page. A response that arrives for a navigation the user
// has left is dropped (its requests are aborted too), so a slow refresh of the home page can
// never paint over the task the user just opened.

const app = document.getElementById("app");
let latest = null;

export class Navigation {
  constructor(route, quiet) {
    this.route = route;
    this.quiet = quiet;
    this.done = false;
    this.controller = new AbortController();
  }

  get current() { return latest === this; }

  get signal() { return this.controller.signal; }

  // Puts the page in place if this navigation is still the one in view; says whether it did.
  show(node) {
    if (!this.current) return false;
    app.replaceChildren(node);
    return true;
  }
}

export function begin(route, quiet) {
  if (latest && !latest.done) latest.controller.abort();
  latest = new Navigation(route, quiet);
  return latest;
}

export const inFlight = () => latest !== null && !latest.done;
export const currentRoute = () => latest?.route ?? null;

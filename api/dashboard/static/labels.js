// The names of states, timeliness and actions: asked of the API (`taskLabels`, the domain's
// own lists, the same that describe the GraphQL enums) once at start. No copy lives here.

import { capital } from "./dom.js";

export const LABELS_QUERY = `taskLabels { states { name label } timeliness { name label }
  actions { name label } }`;

const names = { state: new Map(), timeliness: new Map(), action: new Map() };

export function useLabels(taskLabels) {
  const fill = (map, list) => { for (const l of list) map.set(l.name, l.label); };
  fill(names.state, taskLabels.states);
  fill(names.timeliness, taskLabels.timeliness);
  // Actions are keyed as the history writes them ("report_progress"); the enum is upper case.
  for (const l of taskLabels.actions) names.action.set(l.name.toLowerCase(), l.label);
}

export const stateLabel = (s) => names.state.get(s) ?? s;
export const timelinessLabel = (t) => names.timeliness.get(t) ?? t;
// As a button or a heading reads it: with a capital.
export const actionLabel = (a) => capital(names.action.get(a.toLowerCase()) ?? a);

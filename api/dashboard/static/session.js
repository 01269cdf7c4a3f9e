// Who is looking: asked once at start (app.js), read by every page.

export const LEADER_ROLES = ["chairman", "vice_chairman", "unit_head"];

export const session = { me: null };

export const isLeader = () => session.me.roles.some((r) => LEADER_ROLES.includes(r));

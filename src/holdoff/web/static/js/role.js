// The role the page was rendered for (<body data-role>, set by templates/base.html.j2): scripts draw
// only the actions this role may take. The server refuses the others anyway; this is about not
// offering them.

const RANKS = { viewer: 0, operator: 1, admin: 2 };

/** The page's role: "viewer", "operator" or "admin" ("" when the page does not say). */
export function role() {
  return (document.body && document.body.dataset.role) || "";
}

/** Whether the page's role may do what `needed` may (roles are ordered viewer < operator < admin). */
export function allows(needed) {
  const have = RANKS[role()];
  return have !== undefined && have >= RANKS[needed];
}

/** Acknowledge, suppress, resolve, silence: the operator's actions. */
export const mayAct = () => allows("operator");

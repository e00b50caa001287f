// One row of the alert table, built with DOM calls (text is never parsed as HTML).
// The server renders the same row in templates/_macros.html.j2 (alert_row); keep the two in step.
import { duration, openSeconds, when } from "./format.js";
import { mayAct } from "./role.js";

export const ACKABLE = new Set(["pending", "escalated"]);
export const SUPPRESSIBLE = new Set(["pending", "escalated", "acknowledged"]);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

export function badge(kind, value) {
  if (!value) return el("span", { class: "muted" }, "—");
  return el("span", { class: `${kind} ${kind}-${value}` }, value);
}

function button(label, action, alertId, quiet) {
  return el(
    "button",
    {
      type: "button",
      class: quiet ? "btn btn-quiet" : "btn",
      "data-action": action,
      "data-url": `/alerts/${alertId}/${action}`,
    },
    label,
  );
}

function appendButtons(actions, alert) {
  if (ACKABLE.has(alert.state)) actions.append(button("Ack", "acknowledge", alert.id, false));
  if (SUPPRESSIBLE.has(alert.state)) actions.append(button("Suppress", "suppress", alert.id, true));
}

export function buildRow(alert) {
  const actions = el("span", { class: "actions" });
  if (mayAct()) appendButtons(actions, alert); // a viewer's row has no action buttons
  return el(
    "tr",
    { "data-id": String(alert.id), "data-state": alert.state },
    el(
      "td",
      { class: "c-name" },
      el("a", { href: `/ui/alerts/${alert.id}` }, alert.name),
      el("span", { class: "fp" }, alert.fingerprint),
    ),
    el("td", { class: "c-source" }, alert.source),
    el("td", { class: "c-sev" }, badge("sev", alert.severity)),
    el("td", { class: "c-state" }, badge("state", alert.state)),
    el("td", { class: "c-open" }, duration(openSeconds(alert, Date.now()))),
    el("td", { class: "c-occ" }, String(alert.occurrence)),
    el("td", { class: "c-change" }, el("time", { datetime: alert.updated_at }, when(alert.updated_at))),
    el("td", { class: "c-act" }, actions),
  );
}

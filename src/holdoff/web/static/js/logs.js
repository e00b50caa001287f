// The Logs page: critical lines as they arrive (GET /logs/critical?after_id=, polled), the busiest
// templates with per-minute sparklines (GET /logs/templates) and new templates (GET /logs/templates/new).
// The first paint is the server's answers embedded in the page; every row is drawn here with DOM calls
// (text is never parsed as HTML). An operator's "Critical" / "Not critical" marks the line's template
// (PUT /logs/templates/{id}/mark): every row of that template shows the new mark at once.
import { request, say } from "./api.js";
import { when } from "./format.js";
import { mayAct } from "./role.js";

const POLL_MS = 3000;
const TEMPLATES_EVERY = 5; // polls between two refreshes of the template tables
const MAX_ROWS = 200;
const REASONS_SHOWN = 4;
const SVG = "http://www.w3.org/2000/svg";
const SPARK = { width: 120, height: 24, pad: 2 };

const root = document.getElementById("logs");
const status = document.getElementById("live-status");
const service = root.dataset.service || "";
const windowText = root.dataset.window || "1h";
const marks = new Map(); // template id -> true (critical), false (noise), null (no mark)
const texts = new Map(); // template id -> its text, for messages
let lastId = null;
let polls = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child);
  return node;
}

function svgNode(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

function initial(id) {
  const script = document.getElementById(id);
  try {
    return JSON.parse(script ? script.textContent : "null");
  } catch {
    return null;
  }
}

function query(extra = {}) {
  const params = new URLSearchParams(extra);
  if (service) params.set("service", service);
  return params.toString();
}

// ------------------------------------------------------------------ cells

function markText(mark) {
  if (mark === true) return "marked critical";
  if (mark === false) return "marked not critical";
  return "not marked";
}

/** The mark of a template and, for operators, the two buttons that change it. */
function feedback(templateId) {
  const cell = el("td", { class: "c-mark", "data-template": templateId || "" });
  if (!templateId) {
    cell.append(el("span", { class: "muted" }, "no template"));
    return cell;
  }
  fillFeedback(cell, templateId);
  return cell;
}

function fillFeedback(cell, templateId) {
  const mark = marks.has(templateId) ? marks.get(templateId) : null;
  const state = mark === null ? "none" : mark ? "critical" : "noise";
  cell.replaceChildren(el("span", { class: `mark mark-${state}` }, markText(mark)));
  if (!mayAct()) return;
  const text = texts.get(templateId) || templateId;
  const actions = el("span", { class: "actions" });
  for (const [critical, label] of [
    [false, "Not critical"],
    [true, "Critical"],
  ]) {
    actions.append(
      el(
        "button",
        {
          type: "button",
          class: "btn btn-quiet",
          "data-template": templateId,
          "data-mark": String(critical),
          "aria-pressed": String(mark === critical),
          title: `Mark every line of the template “${text}” as ${critical ? "critical" : "not critical"}`,
        },
        label,
      ),
    );
  }
  cell.append(" ", actions);
}

function showMark(templateId) {
  for (const cell of root.querySelectorAll("td.c-mark")) {
    if (cell.dataset.template === templateId) fillFeedback(cell, templateId);
  }
}

function verdict(line) {
  const cell = el("td", { class: "c-verdict" });
  cell.append(line.severity ? el("span", { class: `sev sev-${line.severity}` }, line.severity) : el("span", { class: "muted" }, "—"));
  if (typeof line.score === "number") {
    const sure = Math.round(line.score * 100);
    cell.append(el("span", { class: "score", title: "How sure the model is that this line is critical" }, `${sure}% sure`));
  }
  if (line.level) cell.append(el("span", { class: "sent" }, `sent as ${line.level}`));
  return cell;
}

function reasons(line) {
  const cell = el("td", { class: "c-reason" });
  const shown = (line.reason || []).slice(0, REASONS_SHOWN);
  if (!shown.length) {
    cell.append(el("span", { class: "muted" }, "—"));
    return cell;
  }
  const list = el("ul", { class: "reason" });
  for (const feature of shown) {
    const sign = feature.weight >= 0 ? "+" : "−";
    const weight = el("span", { class: feature.weight >= 0 ? "w w-up" : "w w-down" }, `${sign}${Math.abs(feature.weight).toFixed(2)}`);
    list.append(el("li", {}, el("code", {}, feature.name), " ", weight));
  }
  cell.append(list);
  return cell;
}

function templateCell(templateId, text) {
  const cell = el("td", { class: "c-template" }, el("code", {}, text || "—"));
  if (templateId) cell.append(el("span", { class: "fp" }, templateId));
  return cell;
}

/** An inline SVG sparkline of `series` (lines per minute, oldest first). */
export function sparkline(series, label) {
  const { width, height, pad } = SPARK;
  const max = Math.max(1, ...series);
  const step = series.length > 1 ? (width - 2 * pad) / (series.length - 1) : 0;
  const y = (value) => height - pad - (value / max) * (height - 2 * pad);
  const points = series.map((value, i) => `${(pad + i * step).toFixed(1)},${y(value).toFixed(1)}`);
  if (points.length === 1) points.push(`${width - pad},${y(series[0]).toFixed(1)}`);
  const svg = svgNode("svg", { viewBox: `0 0 ${width} ${height}`, class: "spark", role: "img", "aria-label": label });
  const title = svgNode("title", {});
  title.textContent = label;
  svg.append(title);
  svg.append(svgNode("polyline", { points: points.join(" "), class: "spark-line" }));
  return svg;
}

// ------------------------------------------------------------------ rows

function criticalRow(line) {
  const row = el("tr", { "data-id": line.id, "data-template": line.template_id || "" });
  const message = el("td", { class: "c-line" }, el("code", { class: "message" }, line.message));
  if (line.template) message.append(el("span", { class: "tpl" }, `template: ${line.template}`));
  row.append(
    el("td", { class: "c-time" }, el("time", { datetime: line.timestamp }, when(line.timestamp))),
    el("td", { class: "c-service" }, line.service, line.host ? el("span", { class: "fp" }, line.host) : ""),
    message,
    verdict(line),
    reasons(line),
    feedback(line.template_id),
  );
  return row;
}

function topRow(item) {
  const total = item.series.reduce((n, v) => n + v, 0);
  const peak = Math.max(0, ...item.series);
  const label = `${total} lines in the last ${windowText}, at most ${peak} a minute`;
  return el(
    "tr",
    { "data-template": item.template_id },
    templateCell(item.template_id, item.template),
    el("td", { class: "num" }, String(item.count)),
    el("td", { class: item.critical ? "num error-text" : "num" }, String(item.critical)),
    el("td", { class: "c-spark" }, sparkline(item.series, label)),
    feedback(item.template_id),
  );
}

function newRow(item) {
  return el(
    "tr",
    { "data-template": item.template_id },
    templateCell(item.template_id, item.template),
    el("td", {}, el("time", { datetime: item.first_seen || "" }, when(item.first_seen))),
    el("td", { class: "num" }, String(item.count)),
    feedback(item.template_id),
  );
}

function remember(templateId, text, mark) {
  if (!templateId) return;
  if (text) texts.set(templateId, text);
  marks.set(templateId, mark === undefined ? null : mark);
}

function showTable(name, hasRows) {
  document.getElementById(`${name}-table`).hidden = !hasRows;
  document.getElementById(`${name}-empty`).hidden = hasRows;
  if (hasRows) {
    const empty = document.getElementById("empty-state");
    if (empty) empty.hidden = true;
  }
}

function addCritical(page, { prepend }) {
  const items = page.items || [];
  for (const line of items) remember(line.template_id, line.template, line.mark);
  const tbody = document.querySelector("#critical-table tbody");
  const rows = items.filter((line) => !tbody.querySelector(`tr[data-id="${line.id}"]`)).map(criticalRow);
  if (prepend) tbody.prepend(...rows);
  else tbody.append(...rows);
  while (tbody.rows.length > MAX_ROWS) tbody.rows[tbody.rows.length - 1].remove();
  if (typeof page.last_id === "number" && (lastId === null || page.last_id > lastId)) lastId = page.last_id;
  showTable("critical", tbody.rows.length > 0);
  for (const line of items) if (line.template_id) showMark(line.template_id);
  return rows.length;
}

function drawTemplates(name, page, build) {
  const items = (page && page.items) || [];
  for (const item of items) remember(item.template_id, item.template, item.mark);
  document.querySelector(`#${name}-table tbody`).replaceChildren(...items.map(build));
  showTable(name, items.length > 0);
}

// ------------------------------------------------------------------ live

async function refreshTemplates() {
  const [top, fresh] = await Promise.all([
    request("GET", `/logs/templates?${query({ window: windowText })}`),
    request("GET", `/logs/templates/new?${query({ window: windowText })}`),
  ]);
  drawTemplates("top", top, topRow);
  drawTemplates("new", fresh, newRow);
}

async function poll() {
  polls += 1;
  try {
    const extra = lastId === null ? {} : { after_id: lastId };
    const added = addCritical(await request("GET", `/logs/critical?${query(extra)}`), { prepend: true });
    // new critical lines changed the counts: the template tables follow at once, else now and then
    if (added || polls % TEMPLATES_EVERY === 0) await refreshTemplates();
    status.textContent = `live: checks every ${POLL_MS / 1000} s`;
  } catch {
    status.textContent = "offline: retrying";
  }
}

root.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-mark]") : null;
  if (!button || button.disabled) return;
  event.preventDefault();
  const templateId = button.dataset.template;
  const critical = button.dataset.mark === "true";
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    const stored = await request("PUT", `/logs/templates/${encodeURIComponent(templateId)}/mark`, { critical });
    marks.set(templateId, stored.critical);
    if (stored.template_id !== templateId) marks.set(stored.template_id, stored.critical);
    showMark(templateId);
    say(`Marked “${stored.template}” ${stored.critical ? "critical" : "not critical"}: its lines are judged so from now on.`, "ok");
  } catch (error) {
    say(`The mark was not saved: ${error.message}`);
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
});

addCritical(initial("initial-critical") || { items: [] }, { prepend: false });
drawTemplates("top", initial("initial-top"), topRow);
drawTemplates("new", initial("initial-new"), newRow);
status.textContent = `live: checks every ${POLL_MS / 1000} s`;
setInterval(poll, POLL_MS);

// The live alert list: first paint comes from the server; then a WebSocket (/ws/alerts) sends a
// snapshot and deltas. While the socket is down the page polls GET /alerts, so it stays live.
import { optional, request, say } from "./api.js";
import { bindActions } from "./actions.js";
import { buildRow } from "./alert-row.js";
import { drawNoiseChart } from "./chart.js";
import { asQuery, filtersFrom, matches } from "./filters.js";
import { duration, openSeconds } from "./format.js";
import { hourlySeries, showCounts, showToday, stateCounts } from "./summary.js";
import { bindListKeys } from "./list-keys.js";

const MAX_ROWS = 200;
const POLL_MS = 3000;
const SUMMARY_DELAY_MS = 250;
const SUMMARY_MS = 30000;

const root = document.getElementById("dashboard");
const tbody = document.querySelector("#alert-table tbody");
const status = document.getElementById("live-status");
const filters = filtersFrom(root);
const alerts = new Map(); // id -> the alert as last seen (every alert seen, shown or not)
const counts = {};
let summaryMissing = false;

for (const cell of document.querySelectorAll("[data-count]")) {
  counts[cell.dataset.count] = Number(cell.textContent) || 0;
}

function setLive(text) {
  status.textContent = text;
}

function bump(state, by) {
  if (!state) return;
  counts[state] = Math.max((counts[state] || 0) + by, 0);
}

/** Keep the counts right from what we know: the alert's previous state, if we saw it. */
function countChange(previous, alert) {
  if (previous) {
    if (previous.state === alert.state) return;
    bump(previous.state, -1);
  } else if (alert.occurrence > 1 && alert.state !== "resolved") {
    bump("resolved", -1); // an alert we never saw that fires again was resolved before
  }
  bump(alert.state, 1);
}

function place(row, alert) {
  const stamp = Date.parse(alert.updated_at);
  for (const other of tbody.rows) {
    const known = alerts.get(Number(other.dataset.id));
    if (other !== row && known && Date.parse(known.updated_at) <= stamp) {
      tbody.insertBefore(row, other);
      return;
    }
  }
  tbody.append(row);
}

function show(alert) {
  const old = tbody.querySelector(`tr[data-id="${alert.id}"]`);
  if (!matches(filters, alert)) {
    if (old) old.remove();
    return;
  }
  const row = buildRow(alert);
  const hadFocus = old && old.contains(document.activeElement);
  const wasCurrent = old && old.classList.contains("current");
  if (old) old.remove();
  place(row, alert);
  if (wasCurrent) row.classList.add("current"); // the keyboard selection (j/k) stays on its alert
  if (hadFocus) row.querySelector("a").focus();
  while (tbody.rows.length > MAX_ROWS) tbody.rows[tbody.rows.length - 1].remove();
  const empty = document.getElementById("empty-state");
  if (empty) empty.hidden = true;
}

function apply(list, adjustCounts) {
  for (const alert of list) {
    const previous = alerts.get(alert.id);
    if (previous && previous.updated_at === alert.updated_at && previous.state === alert.state) continue;
    if (adjustCounts) countChange(previous, alert);
    alerts.set(alert.id, alert);
    show(alert);
  }
  if (adjustCounts) showCounts(counts);
}

function applySummary(summary) {
  const fresh = stateCounts(summary);
  if (fresh) {
    Object.assign(counts, fresh);
    showCounts(counts);
  }
  showToday(summary);
  const series = hourlySeries(summary);
  if (series.length) {
    drawNoiseChart(document.getElementById("noise-chart"), series);
    document.getElementById("noise").hidden = false;
  }
}

// The figures of today and the chart come from GET /metrics/summary, the server's one definition of
// alerts in and pages out: asked again shortly after each change (a burst of changes asks once), and
// every SUMMARY_MS for what changes no alert row (an incident's page, a new day).
let summaryTimer = null;
let summaryAsked = 0;
let summaryShown = 0;
function refreshSummary() {
  if (summaryMissing || summaryTimer) return;
  summaryTimer = setTimeout(async () => {
    summaryTimer = null;
    const asked = ++summaryAsked;
    try {
      const summary = await optional("/metrics/summary");
      if (summary === null) summaryMissing = true;
      else if (asked > summaryShown) {
        summaryShown = asked; // an answer that arrives after a later one's is older: dropped
        applySummary(summary);
      }
    } catch {
      // the cards keep their last figures; the next change tries again
    }
  }, SUMMARY_DELAY_MS);
}

// ------------------------------------------------------------------ the live feed
let socket = null;
let cursor = null;
let retries = 0;
let pollTimer = null;

function frame(message) {
  let data;
  try {
    data = JSON.parse(message.data);
  } catch {
    return;
  }
  if (data.cursor) cursor = data.cursor;
  if (data.type === "snapshot") {
    // A snapshot redraws the list: keep the keyboard selection (and focus) on the alert it was on.
    const selected = tbody.querySelector("tr.current");
    const focused = selected !== null && selected.contains(document.activeElement);
    alerts.clear();
    tbody.replaceChildren();
    apply(data.alerts || [], false);
    const again = selected ? tbody.querySelector(`tr[data-id="${selected.dataset.id}"]`) : null;
    if (again) {
      again.classList.add("current");
      if (focused) again.querySelector("a").focus();
    }
    if (data.summary) applySummary(data.summary);
    refreshSummary();
  } else if (data.type === "delta") {
    apply(data.alerts || [], true);
    refreshSummary();
  }
}

async function poll() {
  try {
    const params = asQuery(filters);
    params.set("limit", "100");
    const page = await request("GET", `/alerts?${params}`);
    apply(page.items || [], true);
    refreshSummary();
  } catch {
    setLive("offline: retrying");
  }
}

function startPolling() {
  if (pollTimer) return;
  pollTimer = setInterval(poll, POLL_MS);
}

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = null;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
  socket = new WebSocket(`${scheme}//${location.host}/ws/alerts${query}`);
  socket.addEventListener("open", () => {
    retries = 0;
    stopPolling();
    setLive("live");
  });
  socket.addEventListener("message", frame);
  socket.addEventListener("close", () => {
    setLive("live (polling)");
    startPolling();
    retries += 1;
    setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(retries, 5)));
  });
}

// ------------------------------------------------------------------ start
const initial = JSON.parse(document.getElementById("initial-alerts").textContent || "[]");
for (const alert of initial) alerts.set(alert.id, alert);
applySummary(JSON.parse(document.getElementById("initial-summary").textContent || "null"));

bindActions(tbody, async (button) => {
  const id = Number(button.closest("tr").dataset.id);
  apply([await request("GET", `/alerts/${id}`)], true);
  refreshSummary();
});
bindListKeys(tbody);

for (const select of document.querySelectorAll(".filters select")) {
  select.addEventListener("change", () => select.form.requestSubmit());
}

setInterval(() => {
  const now = Date.now();
  for (const row of tbody.rows) {
    const alert = alerts.get(Number(row.dataset.id));
    if (alert && !alert.resolved_at) row.querySelector(".c-open").textContent = duration(openSeconds(alert, now));
  }
}, 15000);

say("");
setLive("connecting…");
startPolling();
connect();
setInterval(refreshSummary, SUMMARY_MS);

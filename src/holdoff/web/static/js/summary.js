// Reading GET /metrics/summary (and a snapshot's summary) into the cards and the noise chart.
import { duration } from "./format.js";

const STATES = ["pending", "escalated", "acknowledged", "suppressed", "resolved"];

const first = (...values) => values.find((v) => v !== undefined && v !== null);

/** Counts per state from a summary, whichever of the documented shapes it has; null when none. */
export function stateCounts(summary) {
  if (!summary || typeof summary !== "object") return null;
  const source = first(summary.counts, summary.states, summary.by_state, summary);
  const counts = {};
  let found = false;
  for (const state of STATES) {
    const n = source[state];
    if (typeof n === "number") {
      counts[state] = n;
      found = true;
    }
  }
  return found ? counts : null;
}

/** `{received, pages, mtta, mttr}` of a summary's period (today), each undefined when absent. */
export function todayFigures(summary) {
  const period = (summary && (summary.period || summary.today)) || summary || {};
  return {
    received: first(period.alerts_received, period.received),
    pages: first(period.pages_sent, period.pages),
    mtta: first(period.mtta_seconds, period.mtta),
    mttr: first(period.mttr_seconds, period.mttr),
  };
}

/** The hourly series as `[{hour, alerts, pages}]`, or [] when the summary has none. */
export function hourlySeries(summary) {
  const rows = summary && Array.isArray(summary.hourly) ? summary.hourly : [];
  return rows.map((row) => ({
    hour: first(row.hour, row.start, row.at, ""),
    alerts: Number(first(row.alerts, row.alerts_in, row.received, 0)) || 0,
    pages: Number(first(row.pages, row.pages_out, row.pages_sent, 0)) || 0,
  }));
}

export function showCounts(counts) {
  for (const [state, n] of Object.entries(counts)) {
    const cell = document.querySelector(`[data-count="${state}"]`);
    if (cell) cell.textContent = String(n);
  }
}

export function showToday(summary) {
  const figures = todayFigures(summary);
  const today = document.getElementById("today-card");
  if (today && typeof figures.received === "number" && typeof figures.pages === "number") {
    document.getElementById("today-in").textContent = String(figures.received);
    document.getElementById("today-out").textContent = String(figures.pages);
    today.hidden = false;
  }
  const times = document.getElementById("times-card");
  if (times && (typeof figures.mtta === "number" || typeof figures.mttr === "number")) {
    const text = (s) => (typeof s === "number" ? duration(s) : "—");
    document.getElementById("mtta").textContent = text(figures.mtta);
    document.getElementById("mttr").textContent = text(figures.mttr);
    times.hidden = false;
  }
}

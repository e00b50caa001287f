// Reading GET /metrics/summary (and a WebSocket frame's state counts) into the cards and the noise chart.
import { duration } from "./format.js";

const STATES = ["pending", "escalated", "acknowledged", "suppressed", "resolved"];

/**
 * Counts per state from GET /metrics/summary (`states`) or a WebSocket frame's summary (the counts
 * themselves); null when none.
 */
export function stateCounts(summary) {
  if (!summary || typeof summary !== "object") return null;
  const source = summary.states && typeof summary.states === "object" ? summary.states : summary;
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

/**
 * `{received, pages, mtta, mttr}` of a GET /metrics/summary answer's period (today, UTC), each
 * undefined when absent (a WebSocket frame's summary has state counts only). The server decides what
 * counts (service/summary.py); the page only shows it.
 */
export function todayFigures(summary) {
  const period = (summary && summary.period) || {};
  return {
    received: period.alerts_received,
    pages: period.pages_sent,
    mtta: period.mtta_seconds,
    mttr: period.mttr_seconds,
  };
}

/** The hourly series of a GET /metrics/summary answer as `[{hour, alerts, pages}]`, or [] when none. */
export function hourlySeries(summary) {
  const rows = summary && Array.isArray(summary.hourly) ? summary.hourly : [];
  return rows.map((row) => ({
    hour: row.hour || "",
    alerts: Number(row.alerts_in) || 0,
    pages: Number(row.pages_out) || 0,
  }));
}

export function showCounts(counts) {
  for (const [state, n] of Object.entries(counts)) {
    const cell = document.querySelector(`[data-count="${state}"]`);
    if (cell) cell.textContent = String(n);
  }
}

/** Today's alerts in → pages out, and MTTA / MTTR, from a GET /metrics/summary answer (else unchanged). */
export function showToday(summary) {
  const figures = todayFigures(summary);
  if (typeof figures.received === "number" && typeof figures.pages === "number") {
    document.getElementById("today-in").textContent = String(figures.received);
    document.getElementById("today-out").textContent = String(figures.pages);
    document.getElementById("today-card").hidden = false;
    const times = document.getElementById("times-card");
    const known = typeof figures.mtta === "number" || typeof figures.mttr === "number";
    const text = (s) => (typeof s === "number" ? duration(s) : "—");
    document.getElementById("mtta").textContent = text(figures.mtta);
    document.getElementById("mttr").textContent = text(figures.mttr);
    times.hidden = !known; // a new day starts with none
  }
}

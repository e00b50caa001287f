// Text forms shared by every page; they match the server's (web/views.py) so a live update looks the same.

const pad = (n) => String(n).padStart(2, "0");

/** `2026-01-14 03:00:00 UTC` from an ISO time; an em dash for none. */
export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
  );
}

/** `1h 02m`: the two largest units. */
export function duration(seconds) {
  let rest = Math.max(Math.floor(Number(seconds) || 0), 0);
  const days = Math.floor(rest / 86400);
  rest %= 86400;
  const hours = Math.floor(rest / 3600);
  rest %= 3600;
  const minutes = Math.floor(rest / 60);
  const secs = rest % 60;
  if (days) return `${days}d ${hours}h`;
  if (hours) return `${hours}h ${pad(minutes)}m`;
  if (minutes) return `${minutes}m ${pad(secs)}s`;
  return `${secs}s`;
}

/** How long the alert's current occurrence has been (or was) open, as of `nowMs`. */
export function openSeconds(alert, nowMs) {
  if (!alert.opened_at) return 0;
  const end = alert.resolved_at ? Date.parse(alert.resolved_at) : nowMs;
  return Math.max((end - Date.parse(alert.opened_at)) / 1000, 0);
}

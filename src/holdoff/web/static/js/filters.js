// The list's filters, read from the page; the same test as AlertFilters.matches in web/views.py.

const split = (text) =>
  (text || "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

export function filtersFrom(element) {
  return {
    status: split(element.dataset.status),
    source: (element.dataset.source || "").trim().toLowerCase(),
    severity: split(element.dataset.severity),
    q: (element.dataset.q || "").trim().toLowerCase(),
  };
}

export function matches(filters, alert) {
  if (filters.status.length && !filters.status.includes(alert.state)) return false;
  if (filters.source && String(alert.source).toLowerCase() !== filters.source) return false;
  if (filters.severity.length && !filters.severity.includes(alert.severity)) return false;
  if (filters.q) {
    const texts = [alert.name, alert.fingerprint, ...Object.values(alert.labels || {})];
    return texts.some((t) => String(t).toLowerCase().includes(filters.q));
  }
  return true;
}

/** The filters as GET /alerts query parameters. */
export function asQuery(filters) {
  const params = new URLSearchParams();
  if (filters.status.length) params.set("status", filters.status.join(","));
  if (filters.source) params.set("source", filters.source);
  if (filters.severity.length) params.set("severity", filters.severity.join(","));
  if (filters.q) params.set("q", filters.q);
  return params;
}

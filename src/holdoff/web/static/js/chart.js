// The noise-reduction chart: alerts in vs pages out per hour (UTC), as inline SVG (no library). The
// figures are the server's (GET /metrics/summary, service/summary.py): the same count as the card's.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 36 };

function node(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

function hourLabel(hour) {
  const d = new Date(hour);
  return Number.isNaN(d.getTime()) ? String(hour) : `${String(d.getUTCHours()).padStart(2, "0")}h`;
}

/** Draw `series` ([{hour, alerts, pages}]) into `container`, replacing what was there. */
export function drawNoiseChart(container, series) {
  container.replaceChildren();
  const totalIn = series.reduce((n, row) => n + row.alerts, 0);
  const totalOut = series.reduce((n, row) => n + row.pages, 0);
  const svg = node("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-label": `Last 24 hours (UTC): ${totalIn} alerts in, ${totalOut} pages out`,
    class: "noise-svg",
  });
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const max = Math.max(1, ...series.map((row) => Math.max(row.alerts, row.pages)));
  const slot = plotW / Math.max(series.length, 1);
  const bar = Math.max(slot / 2 - 2, 1);
  const y = (value) => PAD.top + plotH - (value / max) * plotH;

  for (const tick of [0, Math.ceil(max / 2), max]) {
    svg.append(node("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(tick), y2: y(tick), class: "grid" }));
    svg.append(node("text", { x: PAD.left - 6, y: y(tick) + 4, class: "axis", "text-anchor": "end" }, String(tick)));
  }
  series.forEach((row, i) => {
    const x = PAD.left + i * slot + 1;
    const label = `${hourLabel(row.hour)}: ${row.alerts} alerts in, ${row.pages} pages out`;
    const inBar = node("rect", { x, y: y(row.alerts), width: bar, height: y(0) - y(row.alerts), class: "bar-in" });
    inBar.append(node("title", {}, label));
    const outBar = node("rect", { x: x + bar, y: y(row.pages), width: bar, height: y(0) - y(row.pages), class: "bar-out" });
    outBar.append(node("title", {}, label));
    svg.append(inBar, outBar);
    if (i % 3 === 0) {
      svg.append(node("text", { x: x + bar, y: HEIGHT - 10, class: "axis", "text-anchor": "middle" }, hourLabel(row.hour)));
    }
  });
  const legend = document.createElement("p");
  legend.className = "legend";
  const key = (cls, text) => {
    const swatch = document.createElement("span");
    swatch.className = `swatch ${cls}`;
    const item = document.createElement("span");
    item.append(swatch, text);
    return item;
  };
  const saved = totalIn ? Math.round((1 - totalOut / totalIn) * 100) : 0;
  const ratio = saved > 0 ? ` — ${saved}% fewer pages than alerts` : "";
  legend.append(key("bar-in", ` alerts in (${totalIn})`), " ", key("bar-out", ` pages out (${totalOut})`), ratio);
  container.append(svg, legend);
}

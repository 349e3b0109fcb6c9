// The transparency report: requests per month as stacked bars, one colour per purpose, denied requests as a
// dark cap on each bar; a table of every count below. One region or all of them.

import { api } from "./api.js";
import { el } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 260;
const PAD = { top: 14, right: 12, bottom: 30, left: 48 };
const COLOURS = ["#fe2c55", "#25f4ee", "#ffb020", "#7c5cff", "#2ecc71", "#ff7a45", "#3fa9f5", "#c0c0c0", "#e056fd"];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function monthsSince(since) {
  const start = new Date(since);
  const now = new Date();
  const months = [];
  for (let y = start.getUTCFullYear(), m = start.getUTCMonth(); y < now.getUTCFullYear() || (y === now.getUTCFullYear() && m <= now.getUTCMonth()); m === 11 ? (y++, m = 0) : m++) {
    months.push(`${y}-${String(m + 1).padStart(2, "0")}`);
  }
  return months;
}

function chart(rows, months, purposes, width) {
  const w = Math.max(320, Math.round(width));
  const plotW = w - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const totals = months.map((month) => rows.filter((r) => r.month === month).reduce((sum, r) => sum + r.count, 0));
  const top = Math.max(1, ...totals);
  const y = (v) => PAD.top + plotH - (v / top) * plotH;
  const slot = plotW / months.length;
  const barW = Math.max(4, slot * 0.6);
  const total = totals.reduce((a, b) => a + b, 0);
  const denied = rows.filter((r) => r.result === "denied").reduce((sum, r) => sum + r.count, 0);
  const summary = `${total} requests over ${months.length} months, ${denied} denied.`;
  const figure = svg("svg", { class: "chart", viewBox: `0 0 ${w} ${HEIGHT}`, role: "img", "aria-label": summary });
  for (const v of [0, Math.ceil(top / 2), top]) {
    figure.append(svg("line", { class: "axis", x1: PAD.left, x2: w - PAD.right, y1: y(v), y2: y(v) }),
      svg("text", { x: PAD.left - 6, y: y(v) + 3, "text-anchor": "end" }, String(v)));
  }
  months.forEach((month, i) => {
    let base = 0;
    const x = PAD.left + i * slot + (slot - barW) / 2;
    const stack = [...purposes.map((p) => ["allowed", p]), ...purposes.map((p) => ["denied", p])];
    for (const [result, purpose] of stack) {
      const count = rows.filter((r) => r.month === month && r.purpose === purpose && r.result === result).reduce((s, r) => s + r.count, 0);
      if (!count) continue;
      const colour = result === "denied" ? "#222" : COLOURS[purposes.indexOf(purpose) % COLOURS.length];
      figure.append(svg("rect", { x, y: y(base + count), width: barW, height: y(base) - y(base + count), fill: colour, "data-month": month, "data-purpose": purpose, "data-result": result },
        svg("title", {}, `${month}: ${count} ${purpose} ${result}`)));
      base += count;
    }
    figure.append(svg("text", { x: x + barW / 2, y: HEIGHT - 10, "text-anchor": "middle" }, month.slice(2)));
  });
  const legend = el("ul.chart-legend", {}, [
    ...purposes.map((p, i) => el("li", {}, el("span.swatch", { style: `background:${COLOURS[i % COLOURS.length]}` }), p)),
    el("li", {}, el("span.swatch", { style: "background:#222" }), "denied"),
  ]);
  return el("figure", {}, figure, legend, el("figcaption.muted", {}, summary));
}

function table(rows) {
  if (rows.length === 0) return el("p.muted", {}, "No requests in this period.");
  return el("table.table", {},
    el("thead", {}, el("tr", {}, ["Region", "Month", "Purpose", "Outcome", "Requests"].map((h) => el("th", {}, h)))),
    el("tbody", {}, rows.map((r) => el("tr", {}, el("td", {}, r.region), el("td", {}, r.month), el("td", {}, r.purpose), el("td", {}, r.result), el("td.num", {}, String(r.count))))));
}

const chartRoot = document.getElementById("tr-chart");
const tableRoot = document.getElementById("tr-table");
const regionPick = document.getElementById("tr-region");

api("/api/v1/operator/transparency?months=12").then((report) => {
  const months = monthsSince(report.since);
  const draw = () => {
    const rows = report.months.filter((r) => !regionPick.value || r.region === regionPick.value);
    const purposes = [...new Set(report.months.map((r) => r.purpose))].sort();
    chartRoot.replaceChildren(chart(rows, months, purposes, chartRoot.clientWidth || 640));
    tableRoot.replaceChildren(table(rows));
  };
  regionPick.addEventListener("change", draw);
  draw();
}).catch((error) => chartRoot.replaceChildren(el("p.error", { role: "alert" }, error.message || "Could not load the report.")));

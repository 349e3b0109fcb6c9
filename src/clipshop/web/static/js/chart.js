// A measure per calendar day as an inline SVG: one as bars (left axis), another as a line (right axis). Days
// without data are drawn as zero, so the time axis is even. The seller center's sales, the ads manager and
// creators' analytics draw theirs with it.

import { el } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 240;
const PAD = { top: 14, right: 40, bottom: 30, left: 64 };

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** The calendar days (UTC, as the API groups them) from `days - 1` days ago to today. */
export function dayRange(days, today = new Date()) {
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Array.from({ length: days }, (_, i) => new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/** "Jun 1" for "2026-06-01" (the day as the API names it, in UTC). */
export const dayLabel = (day, options = { month: "short", day: "numeric" }) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: "UTC", ...options });

/** A round step so that about `count` ticks cover 0..max. */
function niceStep(max, count) {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= raw) || raw;
}

/** An axis from 0 to past `max` in about four round steps; whole steps for counts. */
function axis(max, whole) {
  const top = Math.max(whole ? 1 : Number.EPSILON, max);
  const step = whole ? Math.max(1, Math.ceil(top / 4)) : niceStep(top, 4);
  return { step, top: step * Math.ceil(top / step) };
}

/**
 * rows: the API's [{day, …}]; returns a <figure> with the chart, a legend and a one-line summary that also
 * names the chart for screen readers.
 *   bars / line: { key, label, format(value), whole (counts), className; bars: data (the name of the data
 *     attribute that carries a bar's value, "value" unless given); line: dotClassName }
 *   describe(point): a bar's tooltip; summary(series): the caption; `width` is the room the chart has, in CSS
 *   pixels, so that its labels keep their size on a phone.
 */
export function dayChart(rows, { days, id, bars, line, summary, describe, width = 640, today = new Date(), className = "" }) {
  const chartWidth = Math.max(300, Math.round(width));
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const series = dayRange(days, today).map((day) => ({ day, bar: Number(byDay.get(day)?.[bars.key] || 0), line: Number(byDay.get(day)?.[line.key] || 0) }));

  const plotW = chartWidth - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const left = axis(Math.max(...series.map((d) => d.bar)), bars.whole);
  const right = axis(Math.max(...series.map((d) => d.line)), line.whole);
  const slot = plotW / series.length;
  const x = (i) => PAD.left + i * slot;
  const yBar = (v) => PAD.top + plotH - (v / left.top) * plotH;
  const yLine = (v) => PAD.top + plotH - (v / right.top) * plotH;

  const summaryId = `${id}-summary`;
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${chartWidth} ${HEIGHT}`, role: "img", "aria-labelledby": summaryId });
  // Ticks by index, not by adding up floats, so the last one is the top exactly.
  for (let n = 0; n * left.step <= left.top * (1 + 1e-9); n += 1) {
    const v = n * left.step;
    chart.append(svg("line", { class: "axis", x1: PAD.left, x2: chartWidth - PAD.right, y1: yBar(v), y2: yBar(v) }),
      svg("text", { x: PAD.left - 6, y: yBar(v) + 3, "text-anchor": "end" }, bars.format(v)));
  }
  for (let n = 0; n * right.step <= right.top * (1 + 1e-9); n += 1) {
    const v = n * right.step;
    chart.append(svg("text", { x: chartWidth - PAD.right + 6, y: yLine(v) + 3 }, line.format(v)));
  }
  const barW = Math.max(1, slot * 0.7);
  series.forEach((d, i) => {
    const top = yBar(d.bar);
    chart.append(svg("rect", {
      class: `chart-bar ${bars.className || ""}`.trim(), x: x(i) + (slot - barW) / 2, y: top, width: barW, height: Math.max(0, PAD.top + plotH - top),
      "data-day": d.day, [`data-${bars.data || "value"}`]: d.bar,
    }, svg("title", {}, describe ? describe(d) : `${dayLabel(d.day)}: ${bars.format(d.bar)}, ${line.format(d.line)}`)));
  });
  // Date labels: one per ~90 px along the axis, always the last day (today).
  const every = Math.max(1, Math.ceil(series.length / Math.max(2, Math.floor(plotW / 90))));
  series.forEach((d, i) => {
    if ((series.length - 1 - i) % every !== 0) return;
    chart.append(svg("text", { x: x(i) + slot / 2, y: HEIGHT - 10, "text-anchor": "middle" }, dayLabel(d.day)));
  });
  const points = series.map((d, i) => `${x(i) + slot / 2},${yLine(d.line)}`).join(" ");
  chart.append(svg("polyline", { class: `chart-line ${line.className || ""}`.trim(), points }));
  series.forEach((d, i) => d.line && chart.append(svg("circle", { class: `chart-dot ${line.dotClassName || ""}`.trim(), cx: x(i) + slot / 2, cy: yLine(d.line), r: 3 })));

  const caption = el("figcaption", { id: summaryId, dataset: { chartSummary: "" } }, summary(series));
  const legend = el("div.legend", { "aria-hidden": "true" }, el("span.lg-bar", {}, `${bars.label} (left)`), el("span.lg-line", {}, `${line.label} (right)`));
  return el(`figure.day-chart${className ? `.${className}` : ""}`, {}, caption, chart, legend);
}

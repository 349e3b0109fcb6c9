// A shop's sales over time as an inline SVG: revenue per day as bars (left axis), paid orders per day as a
// line (right axis). Days without sales are drawn as zero, so the time axis is even.

import { formatMoney } from "./money.js";
import { el } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 240;
const PAD = { top: 14, right: 30, bottom: 30, left: 64 };

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** The calendar days (UTC, as the API groups them) from `days - 1` days ago to today. */
function dayRange(days, today) {
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Array.from({ length: days }, (_, i) => new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/** A round step so that about `count` ticks cover 0..max. */
function niceStep(max, count) {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((step) => step >= raw) || raw;
}

const dayLabel = (day, options) => new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: "UTC", ...options });

/**
 * rows: the API's [{day, orders, revenue, currency}]; returns a <figure> with the chart, a legend and a
 * one-line summary that also names the chart for screen readers. `width` is the room it has, in CSS pixels,
 * so that its labels keep their size on a phone.
 */
export function salesChart(rows, { days, currency, width = 640, today = new Date() }) {
  const chartWidth = Math.max(300, Math.round(width));
  const byDay = new Map(rows.filter((r) => r.currency === currency).map((r) => [r.day, r]));
  const series = dayRange(days, today).map((day) => ({ day, orders: byDay.get(day)?.orders || 0, revenue: byDay.get(day)?.revenue || 0 }));
  const totalRevenue = series.reduce((sum, d) => sum + d.revenue, 0);
  const totalOrders = series.reduce((sum, d) => sum + d.orders, 0);

  const plotW = chartWidth - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const revenueStep = niceStep(Math.max(1, ...series.map((d) => d.revenue)), 4);
  const revenueMax = revenueStep * Math.ceil(Math.max(1, ...series.map((d) => d.revenue)) / revenueStep);
  const ordersMax = Math.max(1, ...series.map((d) => d.orders));
  const ordersStep = Math.max(1, Math.ceil(ordersMax / 4));
  const ordersTop = ordersStep * Math.ceil(ordersMax / ordersStep);
  const slot = plotW / series.length;
  const x = (i) => PAD.left + i * slot;
  const yRevenue = (v) => PAD.top + plotH - (v / revenueMax) * plotH;
  const yOrders = (v) => PAD.top + plotH - (v / ordersTop) * plotH;

  const summaryId = `sales-summary-${days}`;
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${chartWidth} ${HEIGHT}`, role: "img", "aria-labelledby": summaryId });
  for (let v = 0; v <= revenueMax; v += revenueStep) {
    chart.append(svg("line", { class: "axis", x1: PAD.left, x2: chartWidth - PAD.right, y1: yRevenue(v), y2: yRevenue(v) }),
      svg("text", { x: PAD.left - 6, y: yRevenue(v) + 3, "text-anchor": "end" }, formatMoney(v, currency)));
  }
  for (let v = 0; v <= ordersTop; v += ordersStep) {
    chart.append(svg("text", { x: chartWidth - PAD.right + 6, y: yOrders(v) + 3 }, String(v)));
  }
  const barW = Math.max(1, slot * 0.7);
  series.forEach((d, i) => {
    const top = yRevenue(d.revenue);
    const label = `${dayLabel(d.day, { month: "short", day: "numeric" })}: ${formatMoney(d.revenue, currency)} from ${d.orders} ${d.orders === 1 ? "order" : "orders"}`;
    chart.append(svg("rect", {
      class: "revenue-bar", x: x(i) + (slot - barW) / 2, y: top, width: barW, height: Math.max(0, PAD.top + plotH - top), "data-day": d.day, "data-revenue": d.revenue,
    }, svg("title", {}, label)));
  });
  // Date labels: one per ~90 px along the axis, always the last day (today).
  const every = Math.max(1, Math.ceil(series.length / Math.max(2, Math.floor(plotW / 90))));
  series.forEach((d, i) => {
    if ((series.length - 1 - i) % every !== 0) return;
    chart.append(svg("text", { x: x(i) + slot / 2, y: HEIGHT - 10, "text-anchor": "middle" }, dayLabel(d.day, { month: "short", day: "numeric" })));
  });
  const points = series.map((d, i) => `${x(i) + slot / 2},${yOrders(d.orders)}`).join(" ");
  chart.append(svg("polyline", { class: "orders-line", points }));
  series.forEach((d, i) => d.orders && chart.append(svg("circle", { class: "orders-dot", cx: x(i) + slot / 2, cy: yOrders(d.orders), r: 3 })));

  const summary = el("figcaption", { id: summaryId, "data-sales-summary": "" },
    `${formatMoney(totalRevenue, currency)} from ${totalOrders} paid ${totalOrders === 1 ? "order" : "orders"} in the last ${days} days`);
  const legend = el("div.legend", { "aria-hidden": "true" }, el("span.lg-revenue", {}, `Revenue (${currency}, left)`), el("span.lg-orders", {}, "Orders (right)"));
  return el("figure.sales", {}, summary, chart, legend);
}

// A shop's sales over time: revenue per day as bars (left axis), paid orders per day as a line (right axis).

import { dayChart, dayLabel } from "./chart.js";
import { formatMoney } from "./money.js";

/**
 * rows: the API's [{day, orders, revenue, currency}]; returns a <figure> with the chart, a legend and a
 * one-line summary. `width` is the room it has, in CSS pixels.
 */
export function salesChart(rows, { days, currency, width = 640, today = new Date() }) {
  const figure = dayChart(rows.filter((r) => r.currency === currency), {
    days, width, today, id: `sales-${days}`, className: "sales",
    bars: { key: "revenue", label: `Revenue (${currency})`, format: (v) => formatMoney(v, currency), className: "revenue-bar", data: "revenue" },
    line: { key: "orders", label: "Orders", format: String, whole: true, className: "orders-line", dotClassName: "orders-dot" },
    describe: (d) => `${dayLabel(d.day)}: ${formatMoney(d.bar, currency)} from ${d.line} ${d.line === 1 ? "order" : "orders"}`,
    summary: (series) => {
      const revenue = series.reduce((sum, d) => sum + d.bar, 0);
      const orders = series.reduce((sum, d) => sum + d.line, 0);
      return `${formatMoney(revenue, currency)} from ${orders} paid ${orders === 1 ? "order" : "orders"} in the last ${days} days`;
    },
  });
  figure.querySelector("figcaption").dataset.salesSummary = "";
  return figure;
}

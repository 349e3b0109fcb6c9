// How orders read to people, shared by the buyer's pages and the seller center: status words, lines, totals,
// the timeline.

import { formatMoney } from "./money.js";
import { el, formatWhen, icon } from "./ui.js";

export const STATUS_TEXT = {
  pending_payment: "Confirming payment",
  paid: "Paid",
  fulfilled: "Shipped",
  delivered: "Delivered",
  completed: "Completed",
  cancelled: "Cancelled",
  requested: "Requested",
  approved: "Approved",
  rejected: "Rejected",
  refunded: "Refunded",
  pending: "Pending",
  failed: "Failed",
  draft: "Draft",
  active: "Active",
  archived: "Archived",
};

const EVENT_TEXT = {
  placed: "Order placed",
  paid: "Payment confirmed",
  fulfilled: "Shipped",
  delivered: "Delivered",
  completed: "Completed",
  cancelled: "Cancelled",
  refunded: "Refunded",
  return_requested: "Return requested",
  return_rejected: "Return declined by the shop",
  expired: "Expired before payment",
};

export function statusChip(status) {
  return el(`span.status.status-${status}`, { "data-status": status }, STATUS_TEXT[status] || status.replace(/_/g, " "));
}

export function optionText(options) {
  return Object.entries(options || {}).map(([name, value]) => `${name}: ${value}`).join(" · ");
}

export function thumb(url) {
  return el("span.thumb", { "aria-hidden": "true" }, url ? el("img", { src: url, alt: "", loading: "lazy" }) : icon("bag"));
}

/** The lines of an order: picture, title, options, quantity and the line's amount. */
export function orderLines(order) {
  return el("ul.lines", {}, order.lines.map((line) => el("li.line", {},
    thumb(line.image_url),
    el("div.line-text", {},
      el("span.line-title", {}, line.title),
      el("span.line-meta", {}, [optionText(line.options), `Qty ${line.quantity}`].filter(Boolean).join(" · ")),
    ),
    el("span.line-price", {}, formatMoney(line.unit_price * line.quantity, order.currency)),
  )));
}

/** Subtotal, discount, shipping, tax, total (and what was refunded) as a definition list. */
export function totalsList(rows, currency) {
  const list = el("dl.totals");
  for (const [label, amount, { negative = false, total = false, hideZero = false } = {}] of rows) {
    if (hideZero && !amount) continue;
    const value = `${negative && amount ? "−" : ""}${formatMoney(amount, currency)}`;
    list.append(el(`dt${total ? ".total-row" : ""}`, {}, label), el(`dd${total ? ".total-row" : ""}`, { "data-total": label.toLowerCase() }, value));
  }
  return list;
}

export function orderTotals(order) {
  return totalsList([
    ["Subtotal", order.subtotal],
    ["Discount", order.discount, { negative: true, hideZero: true }],
    [`Shipping (${order.shipping_option})`, order.shipping],
    ["Tax", order.tax],
    ["Total", order.total, { total: true }],
    ["Refunded", order.refunded, { negative: true, hideZero: true }],
  ], order.currency);
}


export function timelineList(order) {
  return el("ol.timeline", {}, order.timeline.map((event) => el("li", {},
    el("span", {}, EVENT_TEXT[event.kind] || event.kind.replace(/_/g, " "), event.detail ? el("span.muted", {}, ` · ${event.detail}`) : null),
    el("time", { datetime: event.at }, formatWhen(event.at)),
  )));
}

export function addressText(address) {
  if (!address) return "";
  const cityLine = [address.postal_code, address.city, address.state].filter(Boolean).join(" ");
  return [address.name, address.line1, address.line2, cityLine, address.country, address.phone].filter(Boolean).join("\n");
}

/** The order id as people quote it: short, upper case. */
export function orderNumber(id) {
  return `#${id.slice(-8).toUpperCase()}`;
}

// The buyer's orders, newest first.

import { api } from "./api.js";
import { formatMoney } from "./money.js";
import { orderNumber, statusChip, thumb } from "./orders.js";
import { el, formatDay, icon } from "./ui.js";

const root = document.getElementById("order-list");

function card(order) {
  const first = order.lines[0];
  const more = order.lines.length > 1 ? ` and ${order.lines.length - 1} more` : "";
  return el("li", {}, el("a.order-card", { href: `/orders/${order.id}`, dataset: { orderId: order.id } },
    thumb(first?.image_url),
    el("div.line-text", {},
      el("span.line-title", {}, first ? `${first.title}${more}` : orderNumber(order.id)),
      el("span.line-meta", {}, `${order.shop_name || "Shop"} · ${formatDay(order.placed_at)} · ${orderNumber(order.id)}`),
      el("span", {}, statusChip(order.status)),
    ),
    el("span.line-price", {}, formatMoney(order.total, order.currency)),
  ));
}

api("/api/v1/orders").then((orders) => {
  if (orders.length === 0) {
    root.replaceChildren(el("div.empty-state", {}, el("span.empty-icon", {}, icon("box")), el("h2", {}, "No orders yet"),
      el("p.muted", {}, "What you buy from videos shows up here, with its tracking."), el("a.btn.btn-primary", { href: "/" }, "Go to For You")));
    return;
  }
  root.replaceChildren(el("ul.order-list", {}, orders.map(card)));
}, (error) => {
  root.replaceChildren(el("div.empty-state", {}, el("h2", {}, "Couldn't load your orders"), el("p.muted", {}, error.message)));
});

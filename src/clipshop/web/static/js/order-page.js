// One order as its buyer sees it: progress, tracking, lines, totals, the timeline, and what can be done next
// (cancel while it is paid, confirm receipt, ask for a return, review). A payment still being confirmed is
// followed until it settles.

import { api } from "./api.js";
import { busy, clearErrors, clearOnInput, showError } from "./forms.js";
import { formatMoney, moneyInput, parseMoney } from "./money.js";
import { addressText, orderLines, orderNumber, orderTotals, statusChip, timelineList } from "./orders.js";
import { el, formatWhen, icon, toast } from "./ui.js";

const root = document.getElementById("order");
const orderId = document.getElementById("order-page").dataset.orderId;
const STEPS = [["placed", "Placed"], ["paid", "Paid"], ["fulfilled", "Shipped"], ["delivered", "Delivered"], ["completed", "Completed"]];
const REACHED = { pending_payment: 1, paid: 2, fulfilled: 3, delivered: 4, completed: 5 };
const POLL_MS = [300, 300, 500, 500, 1000, 1000, 2000, 3000, 5000];

let order = null;
let polls = 0;

function steps() {
  const reached = REACHED[order.status] || 0;
  return el("ol.steps", { "aria-label": "Progress" }, STEPS.map(([key, label], i) =>
    el(`li${i < reached ? ".is-done" : ""}`, { "data-step": key, "aria-current": i === reached - 1 ? "step" : undefined }, label)));
}

function section(title, ...children) {
  return el("section.panel", {}, el("h2", {}, title), ...children);
}

function cancelAction() {
  const button = el("button.btn.btn-ghost", { type: "button", "data-cancel": "" }, "Cancel order");
  const confirmRow = el("div.btn-row", { hidden: true },
    el("span", {}, `Cancel and get ${formatMoney(order.total - order.refunded, order.currency)} back?`));
  const yes = el("button.btn.btn-primary.btn-sm", { type: "button" }, "Yes, cancel");
  const no = el("button.btn.btn-ghost.btn-sm", { type: "button" }, "Keep it");
  confirmRow.append(yes, no);
  button.addEventListener("click", () => {
    button.hidden = true;
    confirmRow.hidden = false;
    yes.focus();
  });
  no.addEventListener("click", () => {
    button.hidden = false;
    confirmRow.hidden = true;
  });
  yes.addEventListener("click", () => act(yes, `/api/v1/orders/${orderId}/cancel`, { reason: "by buyer" }, "Order cancelled; the refund is on its way."));
  return [button, confirmRow];
}

function returnForm() {
  const left = order.total - order.refunded;
  const form = el("form.panel", { novalidate: true, hidden: true, "aria-label": "Request a return" },
    el("h2", {}, "Request a return"),
    el("label.field", {}, el("span.field-label", {}, "What went wrong?"),
      el("textarea", { name: "reason", rows: "3", maxlength: "2000", required: true }),
      el("span.field-error", { "data-error-for": "reason", role: "alert" })),
    el("label.field", {}, el("span.field-label", {}, `Amount to refund (${order.currency})`),
      el("input", { name: "amount", inputmode: "decimal", value: moneyInput(left, order.currency) }),
      el("span.field-hint", {}, `Up to ${formatMoney(left, order.currency)}.`),
      el("span.field-error", { "data-error-for": "amount", role: "alert" })),
    el("div.form-error", { "data-error-for": "", role: "alert", hidden: true }),
    el("button.btn.btn-primary", { type: "submit" }, "Send the request"));
  clearOnInput(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const reason = form.elements.namedItem("reason").value.trim();
    const amount = parseMoney(form.elements.namedItem("amount").value, order.currency);
    if (!reason) {
      showError(form, { field: "reason", message: "Say why you are returning it." });
      return;
    }
    if (amount === null || amount <= 0) {
      showError(form, { field: "amount", message: "Enter an amount like 12.50." });
      return;
    }
    const button = form.querySelector("[type=submit]");
    busy(button, true);
    try {
      await api(`/api/v1/orders/${orderId}/returns`, { method: "POST", body: { reason, amount } });
      toast("Return requested; the shop will answer soon.");
      await load();
    } catch (error) {
      showError(form, error);
    } finally {
      busy(button, false);
    }
  });
  return form;
}

function reviewForm(line) {
  const name = `rating-${line.id}`;
  // Stars are drawn right to left so that CSS can light up a star and every one before it.
  const stars = el("fieldset.stars", {}, el("legend.sr-only", {}, "Rating"),
    ...[5, 4, 3, 2, 1].flatMap((n) => {
      const id = `${name}-${n}`;
      return [el("input", { type: "radio", name: "rating", value: String(n), id }),
        el("label", { for: id, title: `${n} star${n === 1 ? "" : "s"}` }, icon("star"), el("span.sr-only", {}, `${n} star${n === 1 ? "" : "s"}`))];
    }));
  const form = el("form.panel", { novalidate: true, "aria-label": `Review ${line.title}`, dataset: { productId: line.product_id } },
    el("h2", {}, `Review ${line.title}`), stars,
    el("span.field-error", { "data-error-for": "rating", role: "alert" }),
    el("label.field", {}, el("span.field-label", {}, "Your review ", el("span.muted", {}, "(optional)")),
      el("textarea", { name: "body", rows: "3", maxlength: "2000" })),
    el("div.form-error", { "data-error-for": "", role: "alert", hidden: true }),
    el("button.btn.btn-primary", { type: "submit" }, "Post review"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const rating = Number(new FormData(form).get("rating"));
    if (!rating) {
      showError(form, { field: "rating", message: "Pick 1 to 5 stars." });
      return;
    }
    const button = form.querySelector("[type=submit]");
    busy(button, true);
    try {
      await api(`/api/v1/orders/${orderId}/reviews`, {
        method: "POST", body: { product_id: line.product_id, rating, body: form.elements.namedItem("body").value.trim() },
      });
      form.replaceChildren(el("p.notice.is-ok", {}, `Thanks: your ${rating}-star review of ${line.title} is posted.`));
    } catch (error) {
      showError(form, error);
      busy(button, false);
    }
  });
  return form;
}

async function act(button, path, body, done) {
  busy(button, true);
  try {
    order = await api(path, { method: "POST", body });
    toast(done);
    render();
  } catch (error) {
    toast(error.message, { error: true });
    busy(button, false);
  }
}

function actions() {
  const row = el("div.btn-row");
  const extra = [];
  if (order.status === "paid") row.append(...cancelAction());
  if (order.status === "delivered") {
    const confirmButton = el("button.btn.btn-primary", { type: "button", "data-confirm-receipt": "" }, "Confirm receipt");
    confirmButton.addEventListener("click", () => act(confirmButton, `/api/v1/orders/${orderId}/confirm-receipt`, undefined, "Thanks! The order is complete."));
    const returns = returnForm();
    const returnButton = el("button.btn.btn-ghost", { type: "button", "aria-expanded": "false" }, "Request a return");
    returnButton.addEventListener("click", () => {
      returns.hidden = !returns.hidden;
      returnButton.setAttribute("aria-expanded", String(!returns.hidden));
      if (!returns.hidden) returns.querySelector("textarea").focus();
    });
    row.append(confirmButton, returnButton);
    extra.push(returns);
  }
  if (order.status === "delivered" || order.status === "completed") {
    const reviewed = new Set();
    for (const line of order.lines) {
      if (reviewed.has(line.product_id)) continue;
      reviewed.add(line.product_id);
      extra.push(reviewForm(line));
    }
  }
  return [row.children.length ? row : null, ...extra];
}

function render() {
  const pending = order.status === "pending_payment";
  const tracking = order.carrier
    ? el("p", { "data-tracking": "" }, "Shipped with ", el("b", {}, order.carrier), " · tracking number ", el("b", {}, order.tracking_number))
    : null;
  const parts = [
    el("header.order-head", {},
      el("div", {}, el("h1", {}, `Order ${orderNumber(order.id)}`),
        el("p.muted", {}, `${order.shop_name || "Shop"} · placed ${formatWhen(order.placed_at)}`)),
      el("span", { "data-order-status": order.status }, statusChip(order.status))),
    pending ? el("p.notice", { role: "status" }, el("span.spinner.spinner-sm", { "aria-hidden": "true" }), " Confirming your payment with the bank…") : null,
    order.status === "cancelled" ? el("p.notice", {}, order.refunded ? `Cancelled; ${formatMoney(order.refunded, order.currency)} refunded to your card.` : "Cancelled; you were not charged.") : steps(),
    tracking,
    ...actions(),
    section("Items", orderLines(order)),
    section("Total", orderTotals(order)),
    order.shipping_address ? section("Ships to", el("address.address", {}, addressText(order.shipping_address))) : null,
    section("History", timelineList(order)),
  ];
  root.replaceChildren(...parts.filter(Boolean));
  document.title = `Order ${orderNumber(order.id)} · Clipshop`;
  if (pending) setTimeout(load, POLL_MS[Math.min(polls++, POLL_MS.length - 1)]);
}

async function load() {
  try {
    order = await api(`/api/v1/orders/${encodeURIComponent(orderId)}`);
    render();
  } catch (error) {
    if (order && error.status !== 404) {
      setTimeout(load, 3000); // keep following through a lost answer
      return;
    }
    root.replaceChildren(el("div.empty-state", {}, el("h1", {}, error.status === 404 ? "Order not found" : "Couldn't load the order"),
      el("p.muted", {}, error.status === 404 ? "Check the link, or find it in your orders." : error.message),
      el("a.btn.btn-primary", { href: "/orders" }, "Your orders")));
  }
}

load();

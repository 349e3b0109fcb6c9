// A merchant's or a creator's money as the API's money book gives it: balances (pending, available, paid
// out) per currency, payouts, and the statement of every movement.

import { formatMoney } from "./money.js";
import { statusChip } from "./orders.js";
import { el, formatWhen } from "./ui.js";

const MOVEMENT = { capture: "Sale", refund: "Refund", complete: "Order completed", payout: "Payout" };

export function balancesNode(book, { empty = "Nothing yet: money shows here once an order is paid." } = {}) {
  if (book.balances.length === 0) return el("p.muted", { "data-balances-empty": "" }, empty);
  return el("div", {}, book.balances.map((b) => el("div.balances", { dataset: { currency: b.currency } },
    el("div.balance", {}, el("span", {}, "Pending"), el("b", { "data-balance": "pending" }, formatMoney(b.pending, b.currency))),
    el("div.balance", {}, el("span", {}, "Available"), el("b", { "data-balance": "available" }, formatMoney(b.available, b.currency))),
    el("div.balance", {}, el("span", {}, "Paid out"), el("b", { "data-balance": "paid_out" }, formatMoney(b.paid_out, b.currency))),
  )));
}

export function table(headers, rows, { empty = "Nothing here yet." } = {}) {
  if (rows.length === 0) return el("p.muted", {}, empty);
  return el("div.table-wrap", {}, el("table.table", {},
    el("thead", {}, el("tr", {}, headers.map(([label, num]) => el(`th${num ? ".num" : ""}`, { scope: "col" }, label)))),
    el("tbody", {}, rows)));
}

export function payoutsTable(book) {
  return table([["Date"], ["Status"], ["Reference"], ["Amount", true]], book.payouts.map((p) => el("tr", {},
    el("td", {}, formatWhen(p.created_at)), el("td", {}, statusChip(p.status)), el("td", {}, p.provider_ref || "—"),
    el("td.num", {}, formatMoney(p.amount, p.currency)))), { empty: "No payouts yet. Available money is paid out on schedule." });
}

export function statementTable(book) {
  return table([["Date"], ["Movement"], ["Note"], ["Amount", true]], book.statement.map((line) => {
    const [kind, state] = line.kind.split(":");
    return el("tr", {},
      el("td", {}, formatWhen(line.at)),
      el("td", {}, `${MOVEMENT[kind] || kind}${state ? ` · ${state.replace("_", " ")}` : ""}`),
      el("td", {}, line.memo),
      el("td.num", {}, `${line.amount < 0 ? "−" : ""}${formatMoney(Math.abs(line.amount), line.currency)}`));
  }), { empty: "No movements yet." });
}

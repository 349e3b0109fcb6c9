// The seller center: open a shop, then five tabs over the seller API — an overview (sales chart, balance,
// closing the shop), products and stock (create, CSV import, edit), orders to fulfil, returns, and money.
// A closed shop keeps its orders, returns and money here, and lists nothing more.

import { api, newIdempotencyKey } from "./api.js";
import { busy, clearErrors, clearOnInput, showError, values } from "./forms.js";
import { balancesNode, payoutsTable, statementTable, table } from "./money-book.js";
import { formatMoney, moneyInput, parseMoney } from "./money.js";
import { addressText, optionText, orderLines, orderNumber, statusChip, totalsList } from "./orders.js";
import { salesChart } from "./sales-chart.js";
import { el, formatWhen, icon, toast } from "./ui.js";

const $ = (id) => document.getElementById(id);
const loading = () => el("div.loading", {}, el("span.spinner", { "aria-hidden": "true" }));
const failed = (error) => el("p.form-error", { role: "alert" }, error.message);

let shop = null;

// -- tabs ---------------------------------------------------------------------------------------------------

const tabs = [...document.querySelectorAll(".seg-tab")];
const LOADERS = {
  overview: () => Promise.all([loadSales(), loadOverviewBalance()]),
  products: () => loadCatalog(),
  orders: () => loadOrders(),
  returns: () => loadReturns(),
  money: () => loadMoney(),
};

function selectTab(name, { focus = false } = {}) {
  const tab = tabs.find((t) => t.id === `tab-${name}`) || tabs[0];
  for (const other of tabs) {
    const on = other === tab;
    other.setAttribute("aria-selected", String(on));
    other.tabIndex = on ? 0 : -1;
    $(other.getAttribute("aria-controls")).hidden = !on;
  }
  if (focus) tab.focus();
  const key = tab.id.slice(4);
  history.replaceState(null, "", `${location.pathname}${location.search}#${key}`);
  LOADERS[key]();
}

for (const tab of tabs) {
  tab.addEventListener("click", () => selectTab(tab.id.slice(4)));
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    selectTab(next.id.slice(4), { focus: true });
  });
}

// -- opening a shop -------------------------------------------------------------------------------------------

const openForm = $("open-shop");
clearOnInput(openForm);
openForm.elements.namedItem("name").addEventListener("input", (event) => {
  const handle = openForm.elements.namedItem("handle");
  if (handle.dataset.touched) return;
  handle.value = event.target.value.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40);
});
openForm.elements.namedItem("handle").addEventListener("input", (event) => {
  event.target.dataset.touched = "1";
});
openForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(openForm);
  const button = openForm.querySelector("[type=submit]");
  busy(button, true);
  try {
    const created = await api("/api/v1/shops", { method: "POST", body: values(openForm) });
    toast(`${created.name} is open`);
    openForm.hidden = true;
    showShop(created, [created]);
  } catch (error) {
    showError(openForm, error);
  } finally {
    busy(button, false);
  }
});

// -- overview: sales and balance ----------------------------------------------------------------------------

const daysSelect = $("sales-days");
daysSelect.addEventListener("change", () => loadSales());

async function loadSales() {
  const root = $("sales-chart");
  const days = Number(daysSelect.value);
  try {
    const rows = await api(`/api/v1/shops/${shop.id}/sales?days=${days}`);
    root.replaceChildren(salesChart(rows, { days, currency: shop.currency, width: root.clientWidth }));
  } catch (error) {
    root.replaceChildren(failed(error));
  }
}

async function loadOverviewBalance() {
  const root = $("overview-balance");
  try {
    root.replaceChildren(balancesNode(await api(`/api/v1/shops/${shop.id}/money`)));
  } catch (error) {
    // Staff who are not the owner do not see the shop's money.
    root.replaceChildren(el("p.muted", {}, error.status === 404 ? "Only the shop's owner sees its money." : error.message));
  }
}

// -- closing the shop ---------------------------------------------------------------------------------------

const closeStart = $("close-shop-start");
const closeConfirm = $("close-shop-confirm");
const closeError = $("close-shop-error");

function askToClose(open) {
  closeConfirm.hidden = !open;
  closeStart.hidden = open;
  closeStart.setAttribute("aria-expanded", String(open));
}

closeStart.addEventListener("click", () => {
  closeError.hidden = true;
  closeConfirm.querySelector("[data-close-name]").textContent = shop.name;
  askToClose(true);
  $("close-shop-yes").focus();
});
$("close-shop-no").addEventListener("click", () => {
  askToClose(false);
  closeStart.focus();
});
$("close-shop-yes").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  busy(button, true);
  try {
    shop = await api(`/api/v1/shops/${shop.id}/close`, { method: "POST" });
    toast(`${shop.name} is closed`);
    showShopLine();
    showClosed();
  } catch (error) {
    // Refused (orders still to ship, returns to answer, not the owner): say why, next to the button.
    closeError.textContent = error.message;
    closeError.hidden = false;
    askToClose(false);
  } finally {
    busy(button, false);
  }
});

/** A closed shop lists nothing more: its product forms and the closing panel give way to a note. */
function showClosed() {
  const closed = Boolean(shop.closed_at);
  const note = $("shop-closed-note");
  note.hidden = !closed;
  note.textContent = closed
    ? `${shop.name} closed ${formatWhen(shop.closed_at)}. It is off Clipshop and sells nothing more; its orders, returns and money stay here.`
    : "";
  productForm.hidden = closed;
  importForm.hidden = closed;
  $("close-shop").hidden = closed;
}

// -- products ---------------------------------------------------------------------------------------------------

const productForm = $("new-product");
const variantRows = $("variant-rows");
clearOnInput(productForm);

function variantRow() {
  const n = variantRows.children.length + 1;
  const field = (label, attrs) => el("label.field", {}, el("span.field-label", {}, label), el("input", attrs));
  const remove = el("button.icon-btn", { type: "button", "aria-label": `Remove variant ${n}` }, icon("close"));
  const row = el("div.variant-row", {},
    field("Option value", { name: "value", maxlength: "60", placeholder: "M", "aria-label": `Variant ${n} option value` }),
    field("SKU", { name: "sku", maxlength: "64", required: true, "aria-label": `Variant ${n} SKU` }),
    field(`Price (${shop.currency})`, { name: "price", inputmode: "decimal", required: true, placeholder: moneyInput(0, shop.currency), "aria-label": `Variant ${n} price` }),
    field("Stock", { name: "stock", type: "number", min: "0", step: "1", value: "0", "aria-label": `Variant ${n} stock` }),
    remove);
  remove.addEventListener("click", () => {
    if (variantRows.children.length > 1) row.remove();
  });
  return row;
}

$("add-variant").addEventListener("click", () => {
  variantRows.append(variantRow());
  variantRows.lastElementChild.querySelector("input").focus();
});

/** The new product's body, or a {field, message} problem found before asking the API. */
function productBody() {
  const form = values(productForm);
  if (!form.title) return { problem: { field: "title", message: "Give the product a title." } };
  const commission = Number(form.commission || 0);
  if (!(commission >= 0 && commission <= 80)) return { problem: { field: "commission_bp", message: "A commission is 0 to 80 %." } };
  const variants = [];
  if (variantRows.children.length > 1 && !form.option_name) {
    return { problem: { field: "variants", message: "Name the option that tells the variants apart (Size, Color…)." } };
  }
  for (const [i, row] of [...variantRows.children].entries()) {
    const value = row.querySelector("[name=value]").value.trim();
    const sku = row.querySelector("[name=sku]").value.trim();
    const price = parseMoney(row.querySelector("[name=price]").value, shop.currency);
    const stock = Number(row.querySelector("[name=stock]").value || 0);
    if (!sku) return { problem: { field: "variants", message: `Variant ${i + 1} needs a SKU.` } };
    if (price === null) return { problem: { field: "variants", message: `Variant ${i + 1}: write the price like ${moneyInput(1999, shop.currency)}.` } };
    if (!Number.isInteger(stock) || stock < 0) return { problem: { field: "variants", message: `Variant ${i + 1}: stock is a whole number.` } };
    if (form.option_name && !value) return { problem: { field: "variants", message: `Variant ${i + 1} needs a ${form.option_name.toLowerCase()}.` } };
    variants.push({ sku, price, stock, options: form.option_name && value ? { [form.option_name]: value } : {} });
  }
  return {
    body: {
      title: form.title, description: form.description, status: form.status, commission_bp: Math.round(commission * 100),
      images: form.image ? [form.image] : [], variants,
    },
  };
}

productForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(productForm);
  const { body, problem } = productBody();
  if (problem) {
    showError(productForm, problem);
    return;
  }
  const button = productForm.querySelector("[type=submit]");
  busy(button, true);
  try {
    const product = await api(`/api/v1/shops/${shop.id}/products`, { method: "POST", body });
    toast(`Created ${product.title}`);
    productForm.reset();
    variantRows.replaceChildren(variantRow());
    await loadCatalog();
  } catch (error) {
    showError(productForm, error.field?.startsWith("variants") ? { field: "variants", message: error.message } : error);
  } finally {
    busy(button, false);
  }
});

const importForm = $("import-form");
importForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(importForm);
  const file = importForm.elements.namedItem("file").files[0];
  if (!file) {
    showError(importForm, { message: "Choose a CSV file first." });
    return;
  }
  const button = importForm.querySelector("[type=submit]");
  busy(button, true);
  try {
    const report = await api(`/api/v1/shops/${shop.id}/products/import`, { method: "POST", body: await file.text(), contentType: "text/csv" });
    $("import-report").replaceChildren(importReport(report));
    await loadCatalog();
  } catch (error) {
    showError(importForm, error);
  } finally {
    busy(button, false);
  }
});

function importReport(report) {
  const head = el(report.errors.length ? "p.notice" : "p.notice.is-ok", { "data-import-summary": "" },
    `Created ${report.created} ${report.created === 1 ? "product" : "products"} from ${report.rows} ${report.rows === 1 ? "row" : "rows"}.`,
    report.errors.length ? ` ${report.errors.length} ${report.errors.length === 1 ? "row was" : "rows were"} refused:` : "");
  if (!report.errors.length) return head;
  return el("div", {}, head, table([["Row", true], ["Column"], ["Problem"]], report.errors.map((e) => el("tr", { "data-import-error": "" },
    el("td.num", {}, String(e.row)), el("td", {}, e.field || "—"), el("td", {}, e.message)))));
}

function photoText(count) {
  return count === 1 ? "1 photo" : `${count} photos`;
}

function productNode(product) {
  const status = el("select", { name: "status", "aria-label": `Status of ${product.title}` },
    ["active", "draft", "archived"].map((s) => el("option", { value: s }, s[0].toUpperCase() + s.slice(1))));
  status.value = product.status;
  const commission = el("input", { name: "commission", inputmode: "decimal", value: String(product.commission_bp / 100), "aria-label": `Commission % of ${product.title}` });
  const save = el("button.btn.btn-ghost.btn-sm", { type: "button" }, "Save");
  const chip = el("span", {}, statusChip(product.status));
  save.addEventListener("click", async () => {
    const percent = Number(commission.value);
    if (!(percent >= 0 && percent <= 80)) {
      toast("A commission is 0 to 80 %.", { error: true });
      return;
    }
    busy(save, true);
    try {
      await api(`/api/v1/products/${product.id}`, { method: "PATCH", body: { status: status.value, commission_bp: Math.round(percent * 100) } });
      chip.replaceChildren(statusChip(status.value));
      toast(`Saved ${product.title}`);
    } catch (error) {
      toast(error.message, { error: true });
    } finally {
      busy(save, false);
    }
  });
  const rows = product.variants.map((variant) => variantNode(product, variant));
  const photos = el("span.muted", { dataset: { photoCount: "" } }, photoText(product.images.length));
  const picker = el("input", { type: "file", accept: "image/*", "aria-label": `Add a photo of ${product.title}` });
  picker.addEventListener("change", async () => {
    const file = picker.files[0];
    if (!file) return;
    try {
      const updated = await api(`/api/v1/products/${product.id}/images`, { method: "POST", body: file, contentType: file.type || "application/octet-stream" });
      photos.textContent = photoText(updated.images.length);
      toast(`Added a photo of ${product.title}`);
    } catch (error) {
      toast(error.message, { error: true });
    } finally {
      picker.value = "";
    }
  });
  return el("div.product-row", { dataset: { productId: product.id } },
    el("div.panel-head", {}, el("b", {}, product.title), chip),
    el("div.btn-row", {}, el("label.field", {}, el("span.field-label", {}, "Status"), status),
      el("label.field", {}, el("span.field-label", {}, "Commission %"), commission), save),
    el("div.btn-row", {}, el("label.field", {}, el("span.field-label", {}, "Add a photo"), picker), photos),
    table([["SKU"], ["Options"], [`Price (${shop.currency})`], ["Stock"], [""]], rows));
}

function variantNode(product, variant) {
  let stock = variant.stock;
  const price = el("input", { inputmode: "decimal", value: moneyInput(variant.price, shop.currency), "aria-label": `Price of ${variant.sku}` });
  const stockInput = el("input", { type: "number", min: "0", step: "1", value: String(stock), "aria-label": `Stock of ${variant.sku}` });
  const save = el("button.btn.btn-ghost.btn-sm", { type: "button", "aria-label": `Save ${variant.sku}` }, "Save");
  save.addEventListener("click", async () => {
    const minor = parseMoney(price.value, shop.currency);
    const wanted = Number(stockInput.value);
    if (minor === null || !Number.isInteger(wanted) || wanted < 0) {
      toast(`Check the price and stock of ${variant.sku}.`, { error: true });
      return;
    }
    busy(save, true);
    try {
      // Stock moves by the difference from what this page loaded, so units sold meanwhile are not put back.
      const body = { price: minor, ...(wanted !== stock ? { stock_delta: wanted - stock } : {}) };
      const saved = await api(`/api/v1/variants/${variant.id}`, { method: "PATCH", body });
      stock = saved.stock;
      stockInput.value = String(saved.stock);
      price.value = moneyInput(saved.price, shop.currency);
      toast(`Saved ${variant.sku}: ${formatMoney(saved.price, shop.currency)}, ${saved.stock} in stock`);
    } catch (error) {
      toast(error.message, { error: true });
    } finally {
      busy(save, false);
    }
  });
  return el("tr", { dataset: { variantId: variant.id } }, el("td", {}, variant.sku), el("td", {}, optionText(variant.options) || "—"),
    el("td", {}, price), el("td", {}, stockInput), el("td", {}, save));
}

async function loadCatalog() {
  const root = $("catalog");
  if (!root.children.length) root.replaceChildren(loading());
  try {
    const products = await api(`/api/v1/shops/${shop.id}/catalog`);
    root.replaceChildren(...(products.length ? products.map(productNode) : [el("p.muted", {}, "No products yet: add one above or import a CSV.")]));
  } catch (error) {
    root.replaceChildren(failed(error));
  }
}

// -- orders -----------------------------------------------------------------------------------------------------

const orderFilter = $("order-filter");
orderFilter.addEventListener("change", () => loadOrders());

function fulfilForm(order, replace) {
  const form = el("form.inline-form", { novalidate: true, "aria-label": `Ship order ${orderNumber(order.id)}` },
    el("input", { name: "carrier", list: "carriers", maxlength: "60", placeholder: "Carrier", "aria-label": "Carrier", required: true }),
    el("input", { name: "tracking_number", maxlength: "80", placeholder: "Tracking number", "aria-label": "Tracking number", required: true }),
    el("button.btn.btn-primary", { type: "submit" }, "Mark as shipped"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = values(form);
    if (!body.carrier || !body.tracking_number) {
      toast("Give the carrier and the tracking number.", { error: true });
      form.querySelector(body.carrier ? "[name=tracking_number]" : "[name=carrier]").focus();
      return;
    }
    await orderAction(form.querySelector("button"), `/api/v1/shops/${shop.id}/orders/${order.id}/fulfil`, body, replace, "Marked as shipped");
  });
  return form;
}

function refundForm(order, replace) {
  const left = order.total - order.refunded;
  let attempt = null; // { key, body } of the refund being sent, reused only when retrying it
  const form = el("form.inline-form", { novalidate: true, hidden: true, "aria-label": `Refund order ${orderNumber(order.id)}` },
    el("input", { name: "amount", inputmode: "decimal", value: moneyInput(left, order.currency), "aria-label": `Amount to refund (${order.currency})` }),
    el("input", { name: "reason", maxlength: "200", placeholder: "Reason (optional)", "aria-label": "Reason" }),
    el("button.btn.btn-primary", { type: "submit" }, "Refund"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const amount = parseMoney(form.elements.namedItem("amount").value, order.currency);
    if (!amount || amount > left) {
      toast(`Refund between ${formatMoney(1, order.currency)} and ${formatMoney(left, order.currency)}.`, { error: true });
      return;
    }
    const body = { amount, reason: form.elements.namedItem("reason").value.trim() };
    const text = JSON.stringify(body);
    if (!attempt || attempt.body !== text) attempt = { key: newIdempotencyKey(), body: text };
    const button = form.querySelector("button");
    busy(button, true);
    try {
      const updated = await api(`/api/v1/shops/${shop.id}/orders/${order.id}/refunds`, { method: "POST", body, headers: { "Idempotency-Key": attempt.key } });
      attempt = null;
      toast(`Refunded ${formatMoney(amount, order.currency)}`);
      replace({ ...order, ...updated });
    } catch (error) {
      if (error.status !== 0 && error.status < 500 && error.code !== "request_in_flight") attempt = null;
      toast(error.message, { error: true });
      busy(button, false);
    }
  });
  return form;
}

async function orderAction(button, path, body, replace, done) {
  busy(button, true);
  try {
    replace(await api(path, { method: "POST", body }));
    toast(done);
  } catch (error) {
    toast(error.message, { error: true });
    busy(button, false);
  }
}

function orderNode(order) {
  let node = null;
  const replace = (updated) => node.replaceWith(orderNode(updated));
  const actions = el("div.btn-row");
  const forms = [];
  if (order.status === "paid") forms.push(fulfilForm(order, replace));
  if (order.status === "fulfilled") {
    const deliver = el("button.btn.btn-primary", { type: "button" }, "Mark delivered");
    deliver.addEventListener("click", () => orderAction(deliver, `/api/v1/shops/${shop.id}/orders/${order.id}/deliver`, undefined, replace, "Marked delivered"));
    actions.append(deliver);
  }
  if (order.status === "paid") {
    const cancel = el("button.btn.btn-ghost", { type: "button" }, "Cancel and refund");
    cancel.addEventListener("click", () => {
      if (cancel.dataset.armed) {
        orderAction(cancel, `/api/v1/shops/${shop.id}/orders/${order.id}/cancel`, undefined, replace, "Order cancelled and refunded");
      } else {
        cancel.dataset.armed = "1";
        cancel.textContent = `Confirm: cancel and refund ${formatMoney(order.total - order.refunded, order.currency)}`;
      }
    });
    actions.append(cancel);
  }
  if (["paid", "fulfilled", "delivered", "completed"].includes(order.status) && order.total > order.refunded) {
    const refund = refundForm(order, replace);
    const toggle = el("button.btn.btn-ghost", { type: "button", "aria-expanded": "false" }, "Refund…");
    toggle.addEventListener("click", () => {
      refund.hidden = !refund.hidden;
      toggle.setAttribute("aria-expanded", String(!refund.hidden));
      if (!refund.hidden) refund.querySelector("input").select();
    });
    actions.append(toggle);
    forms.push(refund);
  }
  node = el("article.panel.seller-order", { dataset: { orderId: order.id, status: order.status } },
    el("div.order-head", {},
      el("div", {}, el("h3", {}, `Order ${orderNumber(order.id)}`), el("p.muted", {}, `Placed ${formatWhen(order.placed_at)} · ${order.shipping_option}`)),
      el("span", { "data-order-status": order.status }, statusChip(order.status))),
    orderLines(order),
    totalsList([["Total", order.total, { total: true }], ["Refunded", order.refunded, { negative: true, hideZero: true }]], order.currency),
    order.shipping_address ? el("address.address", {}, addressText(order.shipping_address)) : null,
    order.carrier ? el("p", { "data-tracking": "" }, `${order.carrier} · ${order.tracking_number}`) : null,
    ...forms,
    actions.children.length ? actions : null,
  );
  return node;
}

let ordersAsked = 0;

async function loadOrders() {
  const root = $("shop-orders");
  root.replaceChildren(loading());
  const status = orderFilter.value;
  const asked = ++ordersAsked;
  try {
    const orders = await api(`/api/v1/shops/${shop.id}/orders${status ? `?status=${status}` : ""}`);
    if (asked !== ordersAsked) return; // a newer filter was chosen while this one loaded: its list wins
    const label = orderFilter.selectedOptions[0].textContent.toLowerCase();
    root.replaceChildren(...(orders.length ? orders.map(orderNode)
      : [el("p.muted.panel", {}, status === "paid" ? "Nothing to ship right now." : `No ${label === "all" ? "" : `${label} `}orders.`)]));
  } catch (error) {
    if (asked === ordersAsked) root.replaceChildren(failed(error));
  }
}

// -- returns ----------------------------------------------------------------------------------------------------

function returnRow(request) {
  const cell = el("td", {}, statusChip(request.status));
  const row = el("tr", { dataset: { returnId: request.id } },
    el("td", {}, orderNumber(request.order_id)), el("td", {}, formatWhen(request.created_at)), el("td", {}, request.reason),
    el("td.num", {}, formatMoney(request.amount, shop.currency)), cell);
  if (request.status === "requested") {
    const answer = (approve) => async (event) => {
      busy(event.currentTarget, true);
      try {
        const resolved = await api(`/api/v1/shops/${shop.id}/orders/${request.order_id}/returns/${request.id}`, { method: "POST", body: { approve } });
        row.replaceWith(returnRow(resolved));
        toast(approve ? `Refunded ${formatMoney(resolved.amount, shop.currency)}` : "Return declined");
      } catch (error) {
        toast(error.message, { error: true });
        busy(event.currentTarget, false);
      }
    };
    cell.append(el("div.btn-row", {},
      el("button.btn.btn-primary.btn-sm", { type: "button", onclick: answer(true) }, "Approve and refund"),
      el("button.btn.btn-ghost.btn-sm", { type: "button", onclick: answer(false) }, "Decline")));
  }
  return row;
}

async function loadReturns() {
  const root = $("returns");
  root.replaceChildren(loading());
  try {
    const requests = await api(`/api/v1/shops/${shop.id}/returns`);
    root.replaceChildren(table([["Order"], ["Asked"], ["Reason"], ["Amount", true], ["Status"]], requests.map(returnRow), { empty: "No return requests." }));
  } catch (error) {
    root.replaceChildren(failed(error));
  }
}

// -- money ------------------------------------------------------------------------------------------------------

async function loadMoney() {
  const parts = ["money-balances", "money-payouts", "money-statement"].map($);
  try {
    const book = await api(`/api/v1/shops/${shop.id}/money`);
    parts[0].replaceChildren(balancesNode(book));
    parts[1].replaceChildren(payoutsTable(book));
    parts[2].replaceChildren(statementTable(book));
  } catch (error) {
    parts[0].replaceChildren(error.status === 404 ? el("p.muted", {}, "Only the shop's owner sees its money.") : failed(error));
  }
}

// -- start ------------------------------------------------------------------------------------------------------

function showShopLine() {
  // A closed shop has no public page to link to.
  document.querySelector("[data-shop-line]").replaceChildren(
    shop.closed_at ? el("span", {}, shop.name) : el("a", { href: `/shop/${encodeURIComponent(shop.handle)}` }, shop.name),
    ` · @${shop.handle} · ${shop.closed_at ? "closed" : `prices in ${shop.currency}`}`);
}

function showShop(current, shops) {
  shop = current;
  showShopLine();
  showClosed();
  const switcher = $("shop-switch");
  switcher.hidden = shops.length < 2;
  const select = switcher.querySelector("select");
  select.replaceChildren(...shops.map((s) => el("option", { value: s.id }, s.name)));
  select.value = shop.id;
  select.onchange = () => location.assign(`/seller?shop=${encodeURIComponent(select.value)}${location.hash}`);
  variantRows.replaceChildren(variantRow());
  $("shop-center").hidden = false;
  selectTab(location.hash.slice(1) || "overview");
}

async function start() {
  try {
    const shops = await api("/api/v1/me/shops");
    $("seller-loading").hidden = true;
    if (shops.length === 0) {
      openForm.hidden = false;
      openForm.elements.namedItem("name").focus();
      return;
    }
    const wanted = new URLSearchParams(location.search).get("shop");
    showShop(shops.find((s) => s.id === wanted) || shops[0], shops);
  } catch (error) {
    $("seller-loading").replaceWith(failed(error));
  }
}

start();

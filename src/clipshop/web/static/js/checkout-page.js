// Checkout: the cart (or one "Buy now" item), an address, shipping per shop, a discount code, the quote, and
// the payment. One Idempotency-Key per attempt, reused when the same attempt is retried after a lost answer,
// so a retry never charges twice. The payment is confirmed asynchronously: the page follows the order until
// it is paid, going through the bank's approval step first when the card asks for it.

import { ApiError, api, loginUrl, newIdempotencyKey } from "./api.js";
import { busy, clearErrors, clearOnInput, showError, values } from "./forms.js";
import { formatMoney } from "./money.js";
import { addressText, optionText, thumb, totalsList } from "./orders.js";
import { el, setCartCount, toast } from "./ui.js";

const POLL_EVERY_MS = 400;
const POLL_FOR_MS = 60_000;
const BUSY_TRIES = 10; // a checkout refused for load (429 checkout_busy) is sent again this often, Retry-After apart
const ADDRESS_REQUIRED = ["name", "line1", "city", "postal_code", "country"];
const FIELD_NAMES = { name: "full name", line1: "address", city: "city", postal_code: "postal code", country: "country" };

const params = new URLSearchParams(location.search);
const single = params.get("variant")
  ? { product: params.get("product"), variant: params.get("variant"), quantity: Math.max(1, Math.min(99, Number(params.get("quantity")) || 1)) }
  : null;

const nodes = {
  lines: document.getElementById("co-lines"),
  addressForm: document.getElementById("address-form"),
  saved: document.getElementById("saved-addresses"),
  newAddress: document.getElementById("new-address"),
  shipping: document.getElementById("shipping-choices"),
  discountForm: document.getElementById("discount-form"),
  applied: document.querySelector("[data-applied]"),
  quote: document.getElementById("quote"),
  payForm: document.getElementById("pay-form"),
  pay: document.getElementById("pay"),
  bank: document.getElementById("bank-step"),
  confirming: document.getElementById("confirming"),
};

const state = {
  items: single ? [{ variant_id: single.variant, quantity: single.quantity }] : null, // null: the cart
  addresses: [],
  addressChoice: "new", // a saved address id, or "new"
  shipping: {}, // shop id -> shipping option id
  shippingOptions: new Map(), // shop id -> Promise<options>
  discount: "",
  quote: null,
  attempt: null, // { key, body }: the Idempotency-Key of the attempt in progress and what it sent
  soldOut: false, // the checkout was answered "sold out": the button says so and stays off
};

// -- what is being bought ------------------------------------------------------------------------------------

function lineNode({ title, image, options, quantity, price, currency }) {
  return el("li.line", {}, thumb(image),
    el("div.line-text", {}, el("span.line-title", {}, title),
      el("span.line-meta", {}, [optionText(options), `Qty ${quantity}`].filter(Boolean).join(" · "))),
    el("span.line-price", {}, formatMoney(price * quantity, currency)));
}

async function loadLines() {
  let lines;
  if (single) {
    const product = await api(`/api/v1/products/${encodeURIComponent(single.product)}`);
    const variant = product.variants.find((v) => v.id === single.variant);
    if (!variant) throw new ApiError(404, { detail: "That option of the product is no longer sold; go back and pick another." });
    lines = [{ title: product.title, image: product.images[0], options: variant.options, quantity: single.quantity, price: variant.price, currency: variant.currency }];
  } else {
    const cart = await api("/api/v1/cart");
    setCartCount(cart.count);
    lines = cart.items.filter((i) => i.product && i.variant).map((i) => ({
      title: i.product.title, image: i.product.images[0], options: i.variant.options, quantity: i.quantity, price: i.variant.price, currency: i.variant.currency,
    }));
  }
  nodes.lines.replaceChildren(lines.length ? el("ul.lines", {}, lines.map(lineNode)) : el("p.muted", {}, "Your cart is empty."));
}

// -- the address ----------------------------------------------------------------------------------------------

function renderAddresses() {
  nodes.saved.hidden = state.addresses.length === 0;
  const radio = (value, label, detail) => {
    const input = el("input", { type: "radio", name: "address_choice", value });
    input.checked = state.addressChoice === value;
    input.addEventListener("change", () => {
      state.addressChoice = value;
      nodes.newAddress.hidden = value !== "new";
    });
    return el("li", {}, el("label.choice", {}, input, el("span", {}, el("b", {}, label), detail ? el("span.address", {}, `\n${detail}`) : null)));
  };
  nodes.saved.replaceChildren(
    ...state.addresses.map((a) => radio(a.id, a.name, addressText({ ...a, name: "" }))),
    radio("new", "Use a new address"),
  );
  nodes.newAddress.hidden = state.addressChoice !== "new";
}

async function loadAddresses() {
  const [addresses, me] = await Promise.all([api("/api/v1/me/addresses"), api("/api/v1/me").catch(() => null)]);
  state.addresses = addresses;
  const preferred = addresses.find((a) => a.is_default) || addresses[0];
  state.addressChoice = preferred ? preferred.id : "new";
  const country = nodes.addressForm.elements.namedItem("country");
  if (me && [...country.options].some((o) => o.value === me.country)) country.value = me.country;
  renderAddresses();
}

/** The address part of the checkout body, saving a new address first when asked; null when a field is missing. */
async function addressPart() {
  clearErrors(nodes.addressForm);
  if (state.addressChoice !== "new") return { address_id: state.addressChoice };
  const fields = values(nodes.addressForm);
  const missing = ADDRESS_REQUIRED.find((name) => !fields[name]);
  if (missing) {
    showError(nodes.addressForm, { field: missing, message: `Enter the ${FIELD_NAMES[missing]}.` });
    return null;
  }
  const { save, address_choice: _choice, ...address } = fields;
  if (!save) return { address };
  try {
    const created = await api("/api/v1/me/addresses", { method: "POST", body: { ...address, make_default: state.addresses.length === 0 } });
    // Saved: from now on this attempt (and any retry of it) names the address by id.
    state.addresses.push(created);
    state.addressChoice = created.id;
    renderAddresses();
    return { address_id: created.id };
  } catch (error) {
    showError(nodes.addressForm, error);
    return null;
  }
}

// -- shipping, discount, quote --------------------------------------------------------------------------------

function shippingOptions(shopId) {
  if (!state.shippingOptions.has(shopId)) {
    state.shippingOptions.set(shopId, api(`/api/v1/shops/${encodeURIComponent(shopId)}/shipping-options`).catch(() => []));
  }
  return state.shippingOptions.get(shopId);
}

function days(option) {
  return option.min_days === option.max_days ? `${option.max_days} days` : `${option.min_days}–${option.max_days} days`;
}

async function renderShipping(quote) {
  const blocks = await Promise.all(quote.shops.map(async (shop) => {
    const options = await shippingOptions(shop.shop_id);
    const select = el("select", { name: `shipping-${shop.shop_id}`, "aria-label": `Shipping from ${shop.shop_name}` },
      options.map((o) => el("option", { value: o.id }, `${o.name} · ${o.price ? formatMoney(o.price, quote.currency) : "Free"} · ${days(o)}`)));
    const chosen = state.shipping[shop.shop_id] || options.find((o) => o.name === shop.shipping_option)?.id;
    if (chosen) select.value = chosen;
    select.addEventListener("change", () => {
      const before = state.shipping[shop.shop_id];
      state.shipping = { ...state.shipping, [shop.shop_id]: select.value };
      refreshQuote().catch(() => {
        state.shipping = { ...state.shipping, [shop.shop_id]: before };
      });
    });
    return el("label.field", {}, el("span.field-label", {}, `From ${shop.shop_name}`), select);
  }));
  nodes.shipping.replaceChildren(...blocks);
}

function quoteBody() {
  return {
    ...(state.items ? { items: state.items } : {}),
    shipping: state.shipping,
    discount_codes: state.discount ? [state.discount] : [],
    payment_method: "quote", // a quote charges nothing; the API asks for the field all the same
  };
}

function renderQuote(quote) {
  const shops = quote.shops.map((shop) => el("div.shop-quote", { dataset: { shopId: shop.shop_id } },
    el("h3.line-meta", {}, shop.shop_name),
    totalsList([
      ["Subtotal", shop.subtotal],
      ["Discount", shop.discount, { negative: true, hideZero: true }],
      [`Shipping (${shop.shipping_option})`, shop.shipping],
      ["Tax", shop.tax],
      ["Total", shop.total, { total: quote.shops.length === 1 }],
    ], quote.currency)));
  if (quote.shops.length > 1) {
    shops.push(el("div.grand-total", {}, el("span", {}, "To pay"), el("span", { "data-grand-total": "" }, formatMoney(quote.total, quote.currency))));
  }
  nodes.quote.replaceChildren(...shops);
  payLabel();
}

/** The pay button as the checkout stands: "Pay $x", or "Sold out" once the shop said so. */
function payLabel() {
  delete nodes.pay.dataset.state;
  if (state.soldOut) {
    nodes.pay.textContent = "Sold out";
    nodes.pay.dataset.state = "sold-out";
    nodes.pay.disabled = true;
  } else if (state.quote) {
    nodes.pay.textContent = `Pay ${formatMoney(state.quote.total, state.quote.currency)}`;
    nodes.pay.disabled = false;
  }
}

async function refreshQuote() {
  try {
    const quote = await api("/api/v1/checkout/quote", { method: "POST", body: quoteBody() });
    state.quote = quote;
    renderQuote(quote);
    await renderShipping(quote);
    return quote;
  } catch (error) {
    if (error.status === 401) location.assign(loginUrl());
    if (error.field !== "discount_codes") {
      state.quote = null;
      nodes.pay.disabled = true;
      nodes.quote.replaceChildren(el("p.form-error", { role: "alert" }, error.message));
    }
    throw error;
  }
}

nodes.discountForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(nodes.discountForm);
  const code = nodes.discountForm.elements.namedItem("code").value.trim().toUpperCase();
  const before = state.discount;
  state.discount = code;
  const button = nodes.discountForm.querySelector("button");
  busy(button, true);
  try {
    await refreshQuote();
    nodes.applied.hidden = !code;
    nodes.applied.textContent = code ? `${code} applied.` : "";
  } catch (error) {
    state.discount = before;
    if (error.field === "discount_codes") showError(nodes.discountForm, { field: "code", message: error.message });
  } finally {
    busy(button, false);
  }
});

// -- paying -----------------------------------------------------------------------------------------------------

/** The key for this body: the same attempt keeps its key; anything changed makes a new attempt. */
function keyFor(body) {
  const text = JSON.stringify(body);
  if (!state.attempt || state.attempt.body !== text) state.attempt = { key: newIdempotencyKey(), body: text };
  return state.attempt.key;
}

function payError(message) {
  showError(nodes.payForm, { message });
  nodes.payForm.hidden = false;
  nodes.bank.hidden = true;
  nodes.confirming.hidden = true;
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Follow the first order until the payment is settled; paid orders open the order page. */
async function followPayment(checkout, { refused = false } = {}) {
  nodes.payForm.hidden = true;
  nodes.bank.hidden = true;
  nodes.confirming.hidden = false;
  const first = checkout.orders[0];
  const target = checkout.orders.length === 1 ? `/orders/${first.id}` : "/orders";
  const until = Date.now() + POLL_FOR_MS;
  while (Date.now() < until) {
    let order = null;
    try {
      order = await api(`/api/v1/orders/${encodeURIComponent(first.id)}`);
    } catch {
      order = null; // a lost answer: ask again
    }
    if (order && order.status === "cancelled") {
      state.attempt = null;
      payError(refused
        ? "The bank did not authenticate the payment. Try again or use another card."
        : "The payment did not go through. Try again or use another card.");
      return;
    }
    if (order && order.status !== "pending_payment") {
      location.assign(target);
      return;
    }
    await wait(POLL_EVERY_MS);
  }
  location.assign(target); // still confirming: the order page keeps following it
}

function bankStep(checkout) {
  const ref = /\/payments\/([^/]+)\/authenticate/.exec(checkout.payment.next_action_url || "")?.[1];
  if (!ref) {
    payError("The bank asked for a step this page cannot show. Try another card.");
    return;
  }
  nodes.payForm.hidden = true;
  nodes.bank.hidden = false;
  nodes.bank.querySelector("[data-bank-amount]").textContent = formatMoney(checkout.total, checkout.currency);
  const answer = async (approve) => {
    for (const button of nodes.bank.querySelectorAll("button")) button.disabled = true;
    try {
      await api(`/api/v1/sandbox/payments/${encodeURIComponent(ref)}/authenticate`, { method: "POST", body: { approve } });
      await followPayment(checkout, { refused: !approve });
    } catch (error) {
      toast(error.message, { error: true });
    } finally {
      for (const button of nodes.bank.querySelectorAll("button")) button.disabled = false;
    }
  };
  nodes.bank.querySelector("[data-approve]").onclick = () => answer(true);
  nodes.bank.querySelector("[data-refuse]").onclick = () => answer(false);
  nodes.bank.querySelector("[data-approve]").focus();
}

nodes.payForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(nodes.payForm);
  const card = nodes.payForm.elements.namedItem("card").value.trim();
  if (card.replace(/\D/g, "").length < 12) {
    showError(nodes.payForm, { field: "card", message: "Enter the card number (try 4242 4242 4242 4242)." });
    return;
  }
  busy(nodes.pay, true);
  try {
    const address = await addressPart();
    if (!address) return;
    const body = { ...quoteBody(), ...address, payment_method: card };
    const key = keyFor(body);
    let checkout;
    try {
      checkout = await sendCheckout(body, key);
    } catch (error) {
      handlePayError(error);
      return;
    }
    state.attempt = null; // answered: paying again would be a new purchase
    if (!state.items && checkout.payment.status !== "requires_action") setCartCount(0); // the cart was checked out
    if (checkout.payment.status === "requires_action") bankStep(checkout);
    else await followPayment(checkout);
  } finally {
    busy(nodes.pay, false);
    payLabel();
  }
});

/** Send the checkout. While the shop answers that too many people are buying the item at once (429
 * checkout_busy), the button says so instead of spinning, and the same attempt (same key) goes again after the
 * Retry-After the answer gave. */
async function sendCheckout(body, key) {
  for (let tries = 1; ; tries += 1) {
    try {
      return await api("/api/v1/checkout", { method: "POST", body, headers: { "Idempotency-Key": key } });
    } catch (error) {
      if (error.code !== "checkout_busy" || tries >= BUSY_TRIES) throw error;
      const seconds = Math.max(1, Math.min(30, Number(error.problem.retry_after_s) || 1));
      nodes.pay.classList.remove("is-busy");
      nodes.pay.textContent = "Busy, retrying…";
      nodes.pay.dataset.state = "busy";
      showError(nodes.payForm, { message: `Many people are buying this right now; trying again in ${seconds} s. You will not be charged twice.` });
      await wait(seconds * 1000);
      clearErrors(nodes.payForm);
      nodes.pay.classList.add("is-busy");
    }
  }
}

function handlePayError(error) {
  if (error.status === 401) {
    location.assign(loginUrl());
    return;
  }
  if (error.status === 402) {
    state.attempt = null; // the card's answer is final for this attempt; another try is a new one
    showError(nodes.payForm, { field: "card", message: error.message });
    return;
  }
  if (error.status === 409 && error.code === "out_of_stock") {
    state.attempt = null;
    state.soldOut = error.problem.available === 0;
    showError(nodes.payForm, { message: error.message });
    loadLines().catch(() => {});
    refreshQuote().catch(() => {});
    return;
  }
  if (error.status === 0 || error.status >= 500 || error.code === "request_in_flight" || error.code === "checkout_busy") {
    // No answer we can trust: the same key goes with the retry, so the purchase happens at most once.
    showError(nodes.payForm, { message: `${error.message} Press Pay again: you will not be charged twice.` });
    return;
  }
  if (error.field?.startsWith("address")) showError(nodes.addressForm, error, { prefix: "address." });
  else if (error.field === "discount_codes") showError(nodes.discountForm, { field: "code", message: error.message });
  else showError(nodes.payForm, error);
}

for (const button of document.querySelectorAll("[data-card]")) {
  button.addEventListener("click", () => {
    const input = nodes.payForm.elements.namedItem("card");
    input.value = button.dataset.card;
    input.removeAttribute("aria-invalid");
    nodes.payForm.querySelector('[data-error-for="card"]').textContent = "";
    input.focus();
  });
}
clearOnInput(nodes.addressForm);
clearOnInput(nodes.payForm);

// -- start ------------------------------------------------------------------------------------------------------

async function start() {
  // "Buy now" from a video or a showcase: count the creator, also for a visitor who logged in on the way here.
  const video = params.get("video");
  const creator = params.get("creator");
  if (single && (video || creator)) {
    await api(`/api/v1/products/${encodeURIComponent(single.product)}/open`, {
      method: "POST", body: video ? { video_id: video } : { creator_id: creator },
    }).catch(() => {});
  }
  const lines = loadLines().catch((error) => {
    nodes.lines.replaceChildren(el("p.form-error", { role: "alert" }, error.message));
  });
  const addresses = loadAddresses().catch((error) => toast(error.message, { error: true }));
  await Promise.all([lines, addresses, refreshQuote().catch(() => {})]);
}

start();

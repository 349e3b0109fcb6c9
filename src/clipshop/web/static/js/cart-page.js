// The cart: lines grouped by shop, quantities changed in place, and the way to checkout.

import { api } from "./api.js";
import { formatMoney } from "./money.js";
import { optionText, thumb } from "./orders.js";
import { el, icon, setCartCount, toast } from "./ui.js";

const linesRoot = document.getElementById("cart-lines");
const summary = document.getElementById("cart-summary");

function lineNode(line) {
  const { product, variant } = line;
  if (!product || !variant) {
    return el("li.line", { dataset: { variantId: line.variant_id } }, thumb(null),
      el("div.line-text", {}, el("span.line-title", {}, "No longer sold"), el("span.line-meta", {}, "The shop took this item down.")),
      removeButton(line, "this item"));
  }
  const minus = el("button.icon-btn.qty-btn", { type: "button", "aria-label": `One less ${product.title}`, disabled: line.quantity <= 1 }, icon("minus"));
  const plus = el("button.icon-btn.qty-btn", { type: "button", "aria-label": `One more ${product.title}`, disabled: line.quantity >= Math.min(99, variant.available) }, icon("plus"));
  minus.addEventListener("click", () => setQuantity(line, line.quantity - 1));
  plus.addEventListener("click", () => setQuantity(line, line.quantity + 1));
  const stock = variant.available <= 0 ? "Sold out" : variant.available < line.quantity ? `Only ${variant.available} left` : "";
  return el("li.line", { dataset: { variantId: line.variant_id } },
    thumb(product.images[0]),
    el("div.line-text", {},
      el("span.line-title", {}, product.title),
      el("span.line-meta", {}, [optionText(variant.options), formatMoney(variant.price, variant.currency)].filter(Boolean).join(" · ")),
      stock ? el("span.line-meta.stock.is-out", {}, stock) : null,
      el("div.line-actions", {}, minus, el("span.qty-value", { "aria-label": `Quantity of ${product.title}` }, String(line.quantity)), plus,
        removeButton(line, product.title)),
    ),
    el("span.line-price", {}, formatMoney(variant.price * line.quantity, variant.currency)),
  );
}

function removeButton(line, title) {
  const button = el("button.link", { type: "button", "aria-label": `Remove ${title}` }, "Remove");
  button.addEventListener("click", () => setQuantity(line, 0));
  return button;
}

async function setQuantity(line, quantity) {
  try {
    const cart = quantity > 0
      ? await api(`/api/v1/cart/items/${encodeURIComponent(line.variant_id)}`, { method: "PATCH", body: { quantity } })
      : await api(`/api/v1/cart/items/${encodeURIComponent(line.variant_id)}`, { method: "DELETE" });
    render(cart);
  } catch (error) {
    toast(error.message, { error: true });
  }
}

function render(cart) {
  setCartCount(cart.count);
  if (cart.items.length === 0) {
    linesRoot.replaceChildren(el("div.empty-state", {}, el("span.empty-icon", {}, icon("bag")), el("h2", {}, "Your cart is empty"),
      el("p.muted", {}, "Tap a product on a video to add it here."), el("a.btn.btn-primary", { href: "/" }, "Find something on For You")));
    summary.hidden = true;
    return;
  }
  const byShop = new Map();
  for (const line of cart.items) {
    const shop = line.product?.shop?.name || "Unavailable";
    if (!byShop.has(shop)) byShop.set(shop, []);
    byShop.get(shop).push(line);
  }
  linesRoot.replaceChildren(...[...byShop].map(([shop, lines]) => el("div.shop-quote", {},
    el("h3.line-meta", {}, shop), el("ul.lines", {}, lines.map(lineNode)))));
  const totals = new Map();
  for (const { variant, quantity } of cart.items) {
    if (variant) totals.set(variant.currency, (totals.get(variant.currency) || 0) + variant.price * quantity);
  }
  summary.querySelector("[data-cart-total]").textContent = [...totals].map(([c, v]) => formatMoney(v, c)).join(" + ");
  summary.hidden = false;
}

api("/api/v1/cart").then(render, (error) => {
  linesRoot.replaceChildren(el("div.empty-state", {}, el("h2", {}, "Couldn't load your cart"), el("p.muted", {}, error.message)));
});

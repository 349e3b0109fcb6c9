// The product bottom sheet, opened from a chip on a video or from a creator's showcase without leaving the
// page: pictures, price, the variant picker, stock, "Add to cart" and "Buy now".

import { api, loginUrl, viewer, viewerId } from "./api.js";
import { formatMoney, formatRange } from "./money.js";
import { openReport } from "./report-dialog.js";
import { el, icon, setCartCount, toast } from "./ui.js";

const LOW_STOCK = 5;
const MAX_QUANTITY = 99;

let sheet = null;

function build() {
  const heading = el("h2", {}, "Product");
  const close = el("button.icon-btn", { type: "button", "aria-label": "Close product" }, icon("close"));
  const gallery = el("div.gallery", { role: "group", "aria-label": "Pictures" });
  const title = el("h3.product-title");
  const shopLine = el("p.product-shop.muted");
  const price = el("p.product-price", { "data-price": "" });
  const rating = el("p.product-rating.muted", { hidden: true });
  const stock = el("p.stock", { "data-stock": "", "aria-live": "polite" });
  const options = el("div.option-groups");
  const minus = el("button.icon-btn.qty-btn", { type: "button", "aria-label": "One less" }, icon("minus"));
  const plus = el("button.icon-btn.qty-btn", { type: "button", "aria-label": "One more" }, icon("plus"));
  const quantity = el("output.qty-value", { "aria-live": "polite", "aria-label": "Quantity" }, "1");
  const stepper = el("div.qty", { role: "group", "aria-label": "Quantity" }, el("span.qty-label", {}, "Quantity"), minus, quantity, plus);
  const description = el("p.product-description");
  const reportButton = el("button.link.report-btn.product-report", { type: "button" }, "Report this product");
  const status = el("div.sheet-status", {}, el("span.spinner", { "aria-hidden": "true" }));
  const addButton = el("button.btn.btn-ghost", { type: "button", "data-add-to-cart": "" }, "Add to cart");
  const buyButton = el("button.btn.btn-primary", { type: "button", "data-buy-now": "" }, "Buy now");
  const panel = el("section.sheet.product-sheet", { role: "dialog", "aria-modal": "true", "aria-label": "Product", tabindex: "-1" },
    el("header.sheet-head", {}, heading, close),
    el("div.sheet-body", {}, gallery, el("div.product-main", {}, title, shopLine, price, rating, stock, status, options, stepper, description, reportButton)),
    el("footer.buy-bar", {}, addButton, buyButton),
  );
  const backdrop = el("div.sheet-backdrop");
  const root = el("div.sheet-root", { hidden: true }, backdrop, panel);
  document.body.append(root);

  const state = {
    root, panel, gallery, title, shopLine, price, rating, stock, options, quantity, minus, plus, description, status,
    reportButton, addButton, buyButton, product: null, chip: null, selected: {}, count: 1, context: {},
  };
  backdrop.addEventListener("click", closeProduct);
  close.addEventListener("click", closeProduct);
  root.addEventListener("keydown", (event) => {
    event.stopPropagation(); // arrows, j/k and space belong to the sheet while it is open
    if (event.key === "Escape") closeProduct();
  });
  // Escape also works when the focus fell back to the page (a button was disabled while it worked).
  document.addEventListener("keydown", (event) => event.key === "Escape" && closeProduct());
  minus.addEventListener("click", () => setQuantity(state, state.count - 1));
  plus.addEventListener("click", () => setQuantity(state, state.count + 1));
  addButton.addEventListener("click", () => addToCart(state));
  buyButton.addEventListener("click", () => buyNow(state));
  reportButton.addEventListener("click", () => openReport({
    kind: "product", id: state.chip.id, what: state.product?.title || state.chip.title, next: returnTo(state), opener: reportButton,
  }));
  return state;
}

/** Option names in the order the variants use them, each with its values in order. */
function optionGroups(variants) {
  const groups = new Map();
  for (const variant of variants) {
    for (const [name, value] of Object.entries(variant.options)) {
      if (!groups.has(name)) groups.set(name, []);
      if (!groups.get(name).includes(value)) groups.get(name).push(value);
    }
  }
  return groups;
}

function matches(variant, selected) {
  return Object.entries(selected).every(([name, value]) => variant.options[name] === value);
}

/** The variant every option points at, once each has a value; null before that. */
function chosenVariant(state) {
  const variants = state.product?.variants || [];
  if (variants.length === 1) return variants[0];
  const groups = optionGroups(variants);
  if ([...groups.keys()].some((name) => !(name in state.selected))) return null;
  return variants.find((v) => matches(v, state.selected)) || null;
}

function stockText(variant) {
  if (variant.available <= 0) return ["Sold out", "is-out"];
  if (variant.available <= LOW_STOCK) return [`Only ${variant.available} left`, "is-low"];
  return ["In stock", "is-in"];
}

function renderOptions(state) {
  const groups = optionGroups(state.product.variants);
  const nodes = [];
  for (const [name, values] of groups) {
    if (state.product.variants.length === 1) break;
    const legend = el("legend.option-name", {}, name, el("span.muted", {}, state.selected[name] ? `: ${state.selected[name]}` : ""));
    const choices = values.map((value) => {
      // A value is out when every variant it could still lead to is sold out.
      const others = Object.fromEntries(Object.entries(state.selected).filter(([n]) => n !== name));
      const reachable = state.product.variants.filter((v) => v.options[name] === value && matches(v, others));
      const out = reachable.every((v) => v.available <= 0);
      const input = el("input.sr-only", { type: "radio", name: `option-${name}`, value });
      input.checked = state.selected[name] === value;
      input.addEventListener("change", () => {
        state.selected = { ...state.selected, [name]: value };
        render(state);
        // The picker was drawn again: keep the keyboard on the choice just made.
        state.options.querySelector(`input[name="${CSS.escape(`option-${name}`)}"]:checked`)?.focus();
      });
      return el(`label.opt${out ? ".is-out" : ""}`, {}, input, el("span", {}, value),
        out ? el("span.sr-only", {}, " (sold out)") : null);
    });
    nodes.push(el("fieldset.option-group", {}, legend, el("div.opt-row", {}, choices)));
  }
  state.options.replaceChildren(...nodes);
}

function render(state) {
  const { product } = state;
  const variant = chosenVariant(state);
  state.price.textContent = variant
    ? formatMoney(variant.price, variant.currency)
    : formatRange(product.price_min, product.price_max, product.currency);
  const missing = [...optionGroups(product.variants).keys()].filter((name) => !(name in state.selected));
  state.stock.className = "stock";
  if (variant) {
    const [text, mark] = stockText(variant);
    state.stock.textContent = text;
    state.stock.classList.add(mark);
  } else if (!product.in_stock) {
    state.stock.textContent = "Sold out";
    state.stock.classList.add("is-out");
  } else {
    state.stock.textContent = missing.length ? `Choose ${missing.join(" and ").toLowerCase()}` : "This combination is not sold";
  }
  renderOptions(state);
  const buyable = Boolean(variant && variant.available > 0);
  state.addButton.disabled = !buyable;
  state.buyButton.disabled = !buyable;
  setQuantity(state, state.count);
}

function setQuantity(state, n) {
  const variant = chosenVariant(state);
  const max = variant ? Math.max(1, Math.min(MAX_QUANTITY, variant.available)) : MAX_QUANTITY;
  state.count = Math.max(1, Math.min(max, n));
  state.quantity.textContent = String(state.count);
  state.minus.disabled = state.count <= 1;
  state.plus.disabled = state.count >= max;
}

function renderGallery(state, images, title) {
  state.gallery.replaceChildren(...(images.length
    ? images.map((src, i) => el("img", { src, alt: `${title}, picture ${i + 1} of ${images.length}`, loading: i ? "lazy" : "eager", decoding: "async" }))
    : [el("span.gallery-blank", {}, icon("bag"))]));
}

function renderProduct(state, fetched) {
  // Variants that no option tells apart (an import without option columns) are picked by their SKU.
  const untold = fetched.variants.length > 1 && fetched.variants.some((v) => Object.keys(v.options).length === 0);
  const product = untold ? { ...fetched, variants: fetched.variants.map((v) => ({ ...v, options: { ...v.options, item: v.sku } })) } : fetched;
  state.product = product;
  state.panel.setAttribute("aria-label", `Product: ${product.title}`);
  state.title.textContent = product.title;
  // Not one's own product to report (the shop's page leaves its button out for its owner too).
  state.reportButton.hidden = Boolean(product.shop && viewerId() && product.shop.owner_id === viewerId());
  state.shopLine.replaceChildren(...(product.shop
    ? ["Sold by ", el("a", { href: `/shop/${encodeURIComponent(product.shop.handle)}` }, product.shop.name)]
    : []));
  renderGallery(state, product.images, product.title);
  state.rating.hidden = !product.rating_count;
  state.rating.replaceChildren(icon("star", "icon icon-xs"), ` ${product.rating ?? ""} (${product.rating_count} ${product.rating_count === 1 ? "review" : "reviews"})`);
  state.description.textContent = product.description;
  if (product.variants.length > 1) {
    // Preselect an option that has only one value: nothing to choose there.
    for (const [name, values] of optionGroups(product.variants)) if (values.length === 1) state.selected[name] = values[0];
  }
  render(state);
}

function returnTo(state) {
  return state.context.returnTo || location.pathname + location.search;
}

async function addToCart(state) {
  const variant = chosenVariant(state);
  if (!variant) return;
  if (!viewer()) {
    location.assign(loginUrl(returnTo(state)));
    return;
  }
  state.addButton.disabled = true;
  try {
    const cart = await api("/api/v1/cart/items", { method: "POST", body: { variant_id: variant.id, quantity: state.count } });
    setCartCount(cart.count);
    toast(`Added to cart: ${state.product.title}`);
  } catch (error) {
    toast(error.message, { error: true });
  } finally {
    state.addButton.disabled = false;
    if (document.activeElement === document.body) state.addButton.focus();
  }
}

function buyNow(state) {
  const variant = chosenVariant(state);
  if (!variant) return;
  const params = new URLSearchParams({ product: state.product.id, variant: variant.id, quantity: String(state.count) });
  if (state.context.videoId) params.set("video", state.context.videoId);
  else if (state.context.creatorId) params.set("creator", state.context.creatorId);
  const target = `/checkout?${params}`;
  location.assign(viewer() ? target : loginUrl(target));
}

/** Say where the sheet was opened from, for the creator's commission; only members are counted. */
function touch(productId, { videoId, creatorId }) {
  if (!viewer() || (!videoId && !creatorId)) return;
  const body = videoId ? { video_id: videoId } : { creator_id: creatorId };
  api(`/api/v1/products/${encodeURIComponent(productId)}/open`, { method: "POST", body }).catch(() => {});
}

/**
 * Open the sheet for a product chip ({id, title, price_min, price_max, currency, image_url}); `context` says
 * where from: {videoId} or {creatorId}, and `returnTo` for a visitor sent to log in.
 */
export async function openProduct(chip, context = {}) {
  sheet ??= build();
  Object.assign(sheet, { chip, context, product: null, selected: {}, count: 1 });
  sheet.title.textContent = chip.title;
  sheet.shopLine.textContent = "";
  sheet.reportButton.hidden = true; // until the product says whose it is
  sheet.price.textContent = formatRange(chip.price_min, chip.price_max, chip.currency);
  sheet.stock.textContent = "";
  sheet.options.replaceChildren();
  sheet.description.textContent = "";
  sheet.rating.hidden = true;
  sheet.status.hidden = false;
  sheet.addButton.disabled = true;
  sheet.buyButton.disabled = true;
  renderGallery(sheet, chip.image_url ? [chip.image_url] : [], chip.title);
  sheet.root.hidden = false;
  requestAnimationFrame(() => sheet.root.classList.add("is-open"));
  sheet.panel.focus({ preventScroll: true });
  touch(chip.id, context);
  try {
    const product = await api(`/api/v1/products/${encodeURIComponent(chip.id)}`);
    if (sheet.chip === chip) renderProduct(sheet, product);
  } catch (error) {
    if (sheet.chip === chip) {
      sheet.stock.textContent = error.status === 404 ? "This product is no longer sold." : error.message;
    }
  } finally {
    if (sheet.chip === chip) sheet.status.hidden = true;
  }
}

export function closeProduct() {
  if (!sheet || sheet.root.hidden) return;
  sheet.root.classList.remove("is-open");
  sheet.root.hidden = true;
  sheet.chip = null;
  document.getElementById("feed")?.focus({ preventScroll: true });
}

export function productOpen() {
  return Boolean(sheet && !sheet.root.hidden);
}

// The search page: a box that suggests while typing (debounced; arrows, Enter and Escape work the list), tabs
// for each kind of result, and the product filters. The query, the tab and the filters live in the address, so
// a reload, a shared link, back and forward all show what they showed.

import { api } from "./api.js";
import { playFrom } from "./events.js";
import { formatRange, moneyInput, parseMoney } from "./money.js";
import { thumb } from "./orders.js";
import { openProduct } from "./product-sheet.js";
import { avatar, el, formatCount, icon, toast } from "./ui.js";

const KINDS = ["top", "videos", "products", "creators", "hashtags"];
const SUGGEST_AFTER_MS = 150;
const SUGGEST_MIN_CHARS = 2;
const LIMIT = 24;
const SUGGESTION_ICONS = { hashtag: "hash", creator: "user", product: "bag", video: "play" };

const $ = (id) => document.getElementById(id);
const form = $("search-form");
const input = $("search-input");
const list = $("search-suggestions");
const results = $("search-results");
const filters = $("product-filters");
const filterError = filters.querySelector(".search-filter-error");
const tabs = [...document.querySelectorAll("[data-kind]")];

// -- the address ------------------------------------------------------------------------------------------

/** What the address asks for: {q, type, in_stock, currency, price_min, price_max} (prices in minor units). */
function stateOf(search) {
  const params = new URLSearchParams(search);
  const type = params.get("type");
  const minor = (name) => (/^\d+$/.test(params.get(name) || "") ? Number(params.get(name)) : null);
  const currency = (params.get("currency") || "").toUpperCase();
  return {
    q: (params.get("q") || "").trim(),
    type: KINDS.includes(type) ? type : "top",
    in_stock: params.get("in_stock") === "true",
    currency: /^[A-Z]{3}$/.test(currency) ? currency : "",
    price_min: currency ? minor("price_min") : null,
    price_max: currency ? minor("price_max") : null,
  };
}

/** The address of a state; the product filters go along only on the products tab, where they are shown. */
function addressOf(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  params.set("type", state.type);
  if (state.type === "products") {
    if (state.in_stock) params.set("in_stock", "true");
    if (state.currency) {
      params.set("currency", state.currency);
      if (state.price_min !== null) params.set("price_min", String(state.price_min));
      if (state.price_max !== null) params.set("price_max", String(state.price_max));
    }
  }
  return `/search?${params}`;
}

let state = stateOf(location.search);

function go(next, { replace = false } = {}) {
  state = next;
  const address = addressOf(state);
  if (address !== location.pathname + location.search) {
    history[replace ? "replaceState" : "pushState"](null, "", address);
  }
  show();
}

window.addEventListener("popstate", () => {
  state = stateOf(location.search);
  closeSuggestions();
  show();
});

// -- results ----------------------------------------------------------------------------------------------

function videoCard(video) {
  const picture = video.thumb_url || video.poster_url;
  const who = video.creator;
  return el("a.result-video", {
    href: `/v/${encodeURIComponent(video.id)}`, "aria-label": `${video.caption || "A video"} by @${who.handle}`,
    onclick: () => playFrom(video.id, "search"),
  },
    el("span.result-poster", {},
      picture ? el("img", { src: picture, alt: "", loading: "lazy", decoding: "async" }) : el("span.tile-blank", {}, icon("play")),
      el("span.tile-views", {}, icon("play", "icon icon-xs"), formatCount(video.views))),
    el("span.result-caption", {}, video.caption || " "),
    el("span.result-by", {}, avatar(who, "avatar avatar-xs"), `@${who.handle}`));
}

function productCard(product) {
  const price = formatRange(product.price_min, product.price_max, product.currency);
  const card = el("button.result-product", { type: "button", "aria-label": `${product.title}, ${price}${product.in_stock ? "" : ", sold out"}` },
    thumb(product.image_url),
    el("span.result-title", {}, product.title),
    el("span.result-price", {}, price),
    el("span.result-meta.muted", {}, product.shop ? product.shop.name : ""),
    el(`span.result-stock${product.in_stock ? ".is-in" : ".is-out"}`, {}, product.in_stock ? "In stock" : "Sold out"));
  card.addEventListener("click", () => openProduct(
    { id: product.id, title: product.title, price_min: product.price_min, price_max: product.price_max, currency: product.currency, image_url: product.image_url },
    { returnTo: location.pathname + location.search },
  ));
  return card;
}

function creatorCard(creator) {
  const followers = `${formatCount(creator.followers)} ${creator.followers === 1 ? "follower" : "followers"}`;
  return el("a.result-creator", { href: `/@${encodeURIComponent(creator.handle)}` },
    avatar(creator, "avatar avatar-md"),
    el("span.result-text", {},
      el("b.result-title", {}, `@${creator.handle}`),
      creator.display_name && creator.display_name !== creator.handle ? el("span.result-meta.muted", {}, creator.display_name) : null,
      el("span.result-meta.muted", {}, followers)));
}

function hashtagCard(hashtag) {
  const count = `${formatCount(hashtag.videos)} ${hashtag.videos === 1 ? "video" : "videos"}`;
  return el("a.result-hashtag", { href: `/tag/${encodeURIComponent(hashtag.tag)}` },
    el("span.result-tag-icon", {}, icon("hash")),
    el("span.result-text", {}, el("b.result-title", {}, `#${hashtag.tag}`), el("span.result-meta.muted", {}, count)));
}

const KIND_VIEWS = {
  videos: { title: "Videos", card: videoCard, list: "ul.result-grid" },
  products: { title: "Products", card: productCard, list: "ul.result-products" },
  creators: { title: "Creators", card: creatorCard, list: "ul.result-list" },
  hashtags: { title: "Hashtags", card: hashtagCard, list: "ul.result-list" },
};

function cards(kind, items) {
  const view = KIND_VIEWS[kind];
  return el(view.list, { dataset: { results: kind } }, items.map((item) => el("li", {}, view.card(item))));
}

function section(kind, items) {
  const more = el("button.link", { type: "button" }, "See all");
  more.addEventListener("click", () => go({ ...state, type: kind }));
  return el("section.result-section", { "aria-label": KIND_VIEWS[kind].title },
    el("header.result-head", {}, el("h2", {}, KIND_VIEWS[kind].title), more),
    cards(kind, items));
}

function emptyState(title, text) {
  return el("div.empty-state", {}, el("span.empty-icon", {}, icon("search")), el("h2", {}, title), el("p.muted", {}, text));
}

function noResults(body) {
  const filtered = state.type === "products" && (state.in_stock || state.currency);
  const what = state.type === "top" ? "" : ` in ${KIND_VIEWS[state.type].title.toLowerCase()}`;
  return emptyState(
    `No results for “${body.query}”${what}`,
    filtered ? "Try without some of the filters, or check the spelling." : "Check the spelling, or try fewer or more general words.",
  );
}

function render(body) {
  if (state.type !== "top") {
    const items = body[state.type];
    return items.length ? [cards(state.type, items)] : [noResults(body)];
  }
  const order = ["creators", "videos", "products", "hashtags"];
  const sections = order.filter((kind) => body[kind].length).map((kind) => section(kind, body[kind]));
  return sections.length ? sections : [noResults(body)];
}

let asked = 0;

async function show() {
  input.value = document.activeElement === input && input.value.trim() === state.q ? input.value : state.q;
  form.elements.namedItem("type").value = state.type;
  document.title = `${state.q ? `${state.q} · ` : ""}Search · Clipshop`;
  for (const tab of tabs) {
    const on = tab.dataset.kind === state.type;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  results.setAttribute("aria-labelledby", `tab-${state.type}`);
  showFilters();
  const mine = ++asked;
  if (!state.q) {
    results.replaceChildren(emptyState("Search Clipshop", "Find videos, products, creators and #hashtags. Typos are forgiven."));
    return;
  }
  const params = new URLSearchParams({ q: state.q, type: state.type, limit: String(state.type === "top" ? 6 : LIMIT) });
  for (const [key, value] of new URL(addressOf(state), location.origin).searchParams) {
    if (!["q", "type"].includes(key)) params.set(key, value);
  }
  results.setAttribute("aria-busy", "true");
  if (!results.querySelector(".result-section, [data-results]")) {
    results.replaceChildren(el("div.loading", {}, el("span.spinner", { "aria-hidden": "true" }), el("span.sr-only", {}, "Searching")));
  }
  try {
    const body = await api(`/api/v1/search?${params}`);
    if (mine !== asked) return;
    results.replaceChildren(...render(body));
  } catch (error) {
    if (mine !== asked) return;
    results.replaceChildren(emptyState("Couldn't search", error.message));
  } finally {
    if (mine === asked) results.setAttribute("aria-busy", "false");
  }
}

// -- tabs -------------------------------------------------------------------------------------------------

for (const tab of tabs) {
  tab.addEventListener("click", () => go({ ...state, type: tab.dataset.kind }));
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    next.focus();
    go({ ...state, type: next.dataset.kind });
  });
}

// -- product filters: in stock, and a price range in one currency ------------------------------------------

function showFilters() {
  filters.hidden = state.type !== "products";
  const fields = filters.elements;
  fields.namedItem("in_stock").checked = state.in_stock;
  fields.namedItem("currency").value = state.currency;
  for (const name of ["price_min", "price_max"]) {
    const field = fields.namedItem(name);
    field.disabled = !state.currency;
    field.value = state.currency && state[name] !== null ? moneyInput(state[name], state.currency) : "";
    field.removeAttribute("aria-invalid");
  }
  filterError.textContent = "";
}

filters.elements.namedItem("currency").addEventListener("change", (event) => {
  for (const name of ["price_min", "price_max"]) filters.elements.namedItem(name).disabled = !event.target.value;
});

filters.addEventListener("submit", (event) => {
  event.preventDefault();
  const fields = filters.elements;
  const currency = fields.namedItem("currency").value;
  const next = { ...state, in_stock: fields.namedItem("in_stock").checked, currency, price_min: null, price_max: null };
  for (const name of ["price_min", "price_max"]) {
    const field = fields.namedItem(name);
    if (!currency || !field.value.trim()) continue;
    const amount = parseMoney(field.value, currency);
    if (amount === null) {
      field.setAttribute("aria-invalid", "true");
      filterError.textContent = `Enter the price as an amount in ${currency}, such as ${moneyInput(2500, currency)}.`;
      field.focus();
      return;
    }
    next[name] = amount;
  }
  if (next.price_min !== null && next.price_max !== null && next.price_min > next.price_max) {
    fields.namedItem("price_min").setAttribute("aria-invalid", "true");
    filterError.textContent = "The lowest price is above the highest.";
    return;
  }
  go(next);
});

filters.elements.namedItem("in_stock").addEventListener("change", () => filters.requestSubmit());

// -- suggestions while typing ------------------------------------------------------------------------------

let suggestions = [];
let active = -1;
let timer = 0;
let typed = 0;

function closeSuggestions() {
  clearTimeout(timer);
  typed += 1; // an answer still on its way is no longer wanted
  suggestions = [];
  active = -1;
  list.hidden = true;
  list.replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
}

function highlight(index) {
  active = index;
  for (const [i, option] of [...list.children].entries()) {
    option.setAttribute("aria-selected", String(i === active));
    option.classList.toggle("is-active", i === active);
  }
  if (active >= 0) {
    input.setAttribute("aria-activedescendant", list.children[active].id);
    list.children[active].scrollIntoView({ block: "nearest" });
  } else {
    input.removeAttribute("aria-activedescendant");
  }
}

function showSuggestions(items) {
  // An answer that lands after the viewer arrowed to a suggestion keeps that one chosen if it still lists it.
  const chosen = suggestions[active];
  suggestions = items;
  active = -1;
  if (!items.length) {
    closeSuggestions();
    return;
  }
  list.replaceChildren(...items.map((item, i) => {
    const option = el("li.suggestion", { id: `suggestion-${i}`, role: "option", "aria-selected": "false", dataset: { kind: item.kind } },
      el("span.suggestion-icon", {}, icon(SUGGESTION_ICONS[item.kind] || "search")),
      el("span.suggestion-text", {}, item.text),
      el("span.suggestion-kind.muted", {}, item.kind));
    // mousedown, not click: the box keeps the focus, so the list is still there when the click lands
    option.addEventListener("mousedown", (event) => event.preventDefault());
    option.addEventListener("click", () => pick(i));
    option.addEventListener("mousemove", () => active !== i && highlight(i));
    return option;
  }));
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
  const again = chosen ? items.findIndex((item) => item.text === chosen.text && item.kind === chosen.kind) : -1;
  if (again >= 0) highlight(again);
}

/** A suggestion searches for what it names, on the tab in view. */
function pick(index) {
  const item = suggestions[index];
  if (!item) return;
  closeSuggestions();
  input.value = item.text;
  go({ ...state, q: item.text });
}

async function suggest(text) {
  const mine = ++typed;
  try {
    const body = await api(`/api/v1/search/suggest?${new URLSearchParams({ q: text })}`);
    if (mine === typed && document.activeElement === input) showSuggestions(body.suggestions);
  } catch (error) {
    if (mine === typed && error.code !== "network") toast(error.message, { error: true });
  }
}

input.addEventListener("input", () => {
  clearTimeout(timer);
  const text = input.value.trim();
  if (text.length < SUGGEST_MIN_CHARS) {
    closeSuggestions();
    return;
  }
  timer = setTimeout(() => suggest(text), SUGGEST_AFTER_MS);
});

input.addEventListener("keydown", (event) => {
  const open = !list.hidden && suggestions.length > 0;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (!open) return;
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    const count = suggestions.length;
    highlight(active < 0 ? (step > 0 ? 0 : count - 1) : (active + step + count) % count);
  } else if (event.key === "Enter" && open && active >= 0) {
    event.preventDefault();
    pick(active);
  } else if (event.key === "Escape" && open) {
    event.preventDefault();
    closeSuggestions();
  }
});

input.addEventListener("blur", () => closeSuggestions());

form.addEventListener("submit", (event) => {
  event.preventDefault();
  closeSuggestions();
  go({ ...state, q: input.value.trim() });
});

// The address is the state: write it back in its one spelling, without a new history entry.
go(state, { replace: true });
if (!state.q) input.focus();

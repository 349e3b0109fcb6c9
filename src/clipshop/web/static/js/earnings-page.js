// A creator's earnings: balances, commission per video and per product, payouts and the statement; plus
// tagging products in one's own videos and editing the profile showcase.

import { api } from "./api.js";
import { busy } from "./forms.js";
import { balancesNode, payoutsTable, statementTable, table } from "./money-book.js";
import { formatMoney, formatRange } from "./money.js";
import { thumb } from "./orders.js";
import { el, icon, toast } from "./ui.js";

const $ = (id) => document.getElementById(id);
const handle = $("earnings-page").dataset.handle;
const MAX_TAGS = 6;

// -- earnings -----------------------------------------------------------------------------------------------

function earningRows(rows, label) {
  return rows.map((e) => el("tr", { dataset: { key: e.key } },
    el("td", {}, label(e)), el("td.num", {}, String(e.orders)),
    el("td.num", { "data-earning": "pending" }, formatMoney(e.pending, e.currency)),
    el("td.num", { "data-earning": "earned" }, formatMoney(e.earned, e.currency)),
    el("td.num", { "data-earning": "reversed" }, formatMoney(e.reversed, e.currency))));
}

const HEADERS = [["Orders", true], ["Pending", true], ["Earned", true], ["Reversed", true]];

async function loadEarnings(videos) {
  try {
    const earnings = await api("/api/v1/me/earnings");
    const captions = new Map(videos.map((v) => [v.id, v.caption]));
    $("earn-balances").replaceChildren(balancesNode(earnings.money, { empty: "Nothing yet: commission shows here once someone buys from your video." }));
    $("earn-by-video").replaceChildren(table([["Video"], ...HEADERS], earningRows(earnings.by_video, (e) => e.key === "showcase"
      ? el("span", {}, "Showcase", el("span.line-meta", {}, ` · ${e.title}`))
      : el("span", {}, el("a.link", { href: `/v/${e.key}` }, captions.get(e.key) || "A video"), el("span.line-meta", {}, ` · ${e.title}`))),
    { empty: "No sales from your videos yet. Tag products below to start." }));
    $("earn-by-product").replaceChildren(table([["Product"], ...HEADERS], earningRows(earnings.by_product, (e) => e.title),
      { empty: "No sales yet." }));
    $("earn-payouts").replaceChildren(payoutsTable(earnings.money));
    $("earn-statement").replaceChildren(statementTable(earnings.money));
  } catch (error) {
    $("earn-balances").replaceChildren(el("p.form-error", { role: "alert" }, error.message));
  }
}

// -- a product search shared by tagging and the showcase --------------------------------------------------------

function productPicker(root, { onPick, label }) {
  const input = el("input", { type: "search", maxlength: "200", placeholder: "Search products open to creators", "aria-label": label });
  const results = el("ul.picker-results", { "aria-live": "polite" });
  let timer = 0;
  let asked = 0;
  const search = async () => {
    const query = input.value.trim();
    const ticket = ++asked;
    try {
      const products = await api(`/api/v1/products?q=${encodeURIComponent(query)}&limit=10`);
      if (ticket !== asked) return; // a newer search answered first
      results.replaceChildren(...products.map((p) => {
        const add = el("button.btn.btn-ghost.btn-sm", { type: "button", "aria-label": `Add ${p.title}` }, icon("plus"), "Add");
        add.addEventListener("click", () => onPick(p));
        return el("li.picker-item", {}, thumb(p.images[0]),
          el("div.line-text", {}, el("span.line-title", {}, p.title),
            el("span.line-meta", {}, `${formatRange(p.price_min, p.price_max, p.currency)} · ${p.commission_bp ? `${p.commission_bp / 100}% commission` : "no commission"}`)),
          add);
      }));
      if (!products.length) results.replaceChildren(el("li.muted", {}, "No products match."));
    } catch (error) {
      results.replaceChildren(el("li.form-error", {}, error.message));
    }
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(timer);
      search();
    }
  });
  root.replaceChildren(el("label.field", {}, el("span.field-label", {}, label), input), results);
}

function listItem(product, { extra = null, onRemove, onMove }) {
  const remove = el("button.icon-btn", { type: "button", "aria-label": `Remove ${product.title}` }, icon("close"));
  remove.addEventListener("click", onRemove);
  const controls = el("div.btn-row", {}, extra);
  if (onMove) {
    const up = el("button.icon-btn", { type: "button", "aria-label": `Move ${product.title} up` }, icon("up"));
    up.addEventListener("click", () => onMove(-1));
    controls.append(up);
  }
  controls.append(remove);
  return el("li.picker-item", { dataset: { productId: product.id } }, thumb(product.images?.[0] ?? product.image_url),
    el("div.line-text", {}, el("span.line-title", {}, product.title),
      el("span.line-meta", {}, formatRange(product.price_min, product.price_max, product.currency))),
    controls);
}

// -- tagging products in a video --------------------------------------------------------------------------------

const tagging = { video: null, tags: [] }; // tags: [{ product, at_s }]
const tagSelect = $("tag-video");
const tagList = $("tag-list");
const tagSave = $("tag-save");

function renderTags() {
  tagList.replaceChildren(...tagging.tags.map((tag, i) => {
    const moment = el("input", {
      type: "number", min: "0", step: "0.5", max: tagging.video ? String(tagging.video.duration_s) : undefined,
      value: tag.at_s ?? "", placeholder: "always", "aria-label": `Second to show ${tag.product.title} (empty: the whole video)`,
    });
    moment.addEventListener("input", () => {
      tag.at_s = moment.value === "" ? null : Number(moment.value);
    });
    return listItem(tag.product, {
      extra: el("label.line-meta", {}, "at s ", moment),
      onRemove: () => {
        tagging.tags.splice(i, 1);
        renderTags();
      },
    });
  }));
  if (!tagging.tags.length) tagList.replaceChildren(el("li.muted", {}, tagging.video ? "No products in this video yet." : ""));
  tagSave.disabled = !tagging.video;
}

async function chooseVideo(id) {
  tagging.video = tagging.videos.find((v) => v.id === id) || null;
  tagging.tags = [];
  renderTags();
  if (!tagging.video) return;
  try {
    const tagged = await api(`/api/v1/videos/${encodeURIComponent(id)}/products`);
    if (tagging.video?.id !== id) return;
    tagging.tags = tagged.map((t) => ({ product: t.product, at_s: t.at_s }));
    renderTags();
  } catch (error) {
    toast(error.message, { error: true });
  }
}

tagSelect.addEventListener("change", () => chooseVideo(tagSelect.value));
productPicker(document.querySelector('[data-picker="tag"]'), {
  label: "Add a product to this video",
  onPick: (product) => {
    if (!tagging.video) {
      toast("Choose a video first.", { error: true });
      return;
    }
    if (tagging.tags.some((t) => t.product.id === product.id)) return;
    if (tagging.tags.length >= MAX_TAGS) {
      toast(`A video holds at most ${MAX_TAGS} products.`, { error: true });
      return;
    }
    tagging.tags.push({ product, at_s: null });
    renderTags();
  },
});
tagSave.addEventListener("click", async () => {
  busy(tagSave, true);
  try {
    const saved = await api(`/api/v1/videos/${encodeURIComponent(tagging.video.id)}/products`, {
      method: "PUT", body: { products: tagging.tags.map((t) => ({ product_id: t.product.id, at_s: t.at_s })) },
    });
    tagging.tags = saved.map((t) => ({ product: t.product, at_s: t.at_s }));
    renderTags();
    toast(`Saved: ${saved.length} ${saved.length === 1 ? "product" : "products"} in this video`);
  } catch (error) {
    toast(error.message, { error: true });
  } finally {
    busy(tagSave, false);
  }
});

// -- the showcase -----------------------------------------------------------------------------------------------

let showcase = [];
const showcaseList = $("showcase-list");

function renderShowcase() {
  showcaseList.replaceChildren(...showcase.map((product, i) => listItem(product, {
    onRemove: () => {
      showcase.splice(i, 1);
      renderShowcase();
    },
    onMove: i > 0 ? () => {
      [showcase[i - 1], showcase[i]] = [showcase[i], showcase[i - 1]];
      renderShowcase();
    } : null,
  })));
  if (!showcase.length) showcaseList.replaceChildren(el("li.muted", {}, "Your showcase is empty."));
}

productPicker(document.querySelector('[data-picker="showcase"]'), {
  label: "Add a product to your showcase",
  onPick: (product) => {
    if (showcase.some((p) => p.id === product.id)) return;
    showcase.push(product);
    renderShowcase();
  },
});
$("showcase-save").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  busy(button, true);
  try {
    showcase = await api("/api/v1/me/showcase", { method: "PUT", body: { product_ids: showcase.map((p) => p.id) } });
    renderShowcase();
    toast("Showcase saved");
  } catch (error) {
    toast(error.message, { error: true });
  } finally {
    busy(button, false);
  }
});

// -- start ------------------------------------------------------------------------------------------------------

async function start() {
  const videos = await api("/api/v1/videos/mine").catch(() => []);
  tagging.videos = videos.filter((v) => v.published_at);
  tagSelect.replaceChildren(
    el("option", { value: "" }, tagging.videos.length ? "Choose a video" : "No published videos yet"),
    ...tagging.videos.map((v) => el("option", { value: v.id }, v.caption || `Video of ${new Date(v.created_at).toLocaleDateString()}`)));
  renderTags();
  api(`/api/v1/users/${encodeURIComponent(handle)}/showcase`).then((products) => {
    showcase = products;
    renderShowcase();
  }, () => renderShowcase());
  await loadEarnings(videos);
}

start();

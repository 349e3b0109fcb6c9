// A shop's public page: its products (each opens the product sheet) above the clips that sell them.

import { api } from "./api.js";
import { formatRange } from "./money.js";
import { thumb } from "./orders.js";
import { openProduct } from "./product-sheet.js";
import { openReport } from "./report-dialog.js";
import { el } from "./ui.js";

const root = document.getElementById("shop-products");

if (root) {
  const shopId = document.getElementById("shop-page").dataset.shopId;
  const row = root.querySelector(".showcase-row");
  api(`/api/v1/shops/${encodeURIComponent(shopId)}/products`).then((products) => {
    if (!products.length) {
      row.replaceChildren(el("li.muted", {}, "No products on sale right now."));
      return;
    }
    row.replaceChildren(...products.map((product) => {
      const chip = { ...product, image_url: product.images[0] || null };
      const price = formatRange(product.price_min, product.price_max, product.currency);
      const item = el("button.showcase-item", { type: "button", "aria-label": `${product.title}, ${price}` },
        thumb(chip.image_url), el("b", {}, product.title), el("span", {}, product.in_stock ? price : "Sold out"));
      item.addEventListener("click", () => openProduct(chip, { returnTo: location.pathname }));
      return el("li", {}, item);
    }));
  }, () => row.replaceChildren(el("li.muted", {}, "Couldn't load the products; reload to try again.")));
}

// "Report this shop": not on one's own shop (the page leaves the button out there).
const reportShop = document.querySelector("[data-report-shop]");
reportShop?.addEventListener("click", () => openReport({
  kind: "shop", id: document.getElementById("shop-page").dataset.shopId, what: reportShop.dataset.shopName, opener: reportShop,
}));

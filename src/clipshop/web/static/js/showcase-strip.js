// A creator's showcase on their profile: products they recommend; one opens the product sheet, and a
// purchase from there earns the creator commission.

import { api } from "./api.js";
import { formatRange } from "./money.js";
import { thumb } from "./orders.js";
import { openProduct } from "./product-sheet.js";
import { el } from "./ui.js";

const root = document.getElementById("showcase");

if (root) {
  const { handle, creatorId } = root.dataset;
  api(`/api/v1/users/${encodeURIComponent(handle)}/showcase`).then((products) => {
    if (!products.length) return;
    root.querySelector(".showcase-row").replaceChildren(...products.map((product) => {
      const chip = { ...product, image_url: product.images[0] || null };
      const item = el("button.showcase-item", { type: "button", "aria-label": `${product.title}, ${formatRange(product.price_min, product.price_max, product.currency)}` },
        thumb(chip.image_url), el("b", {}, product.title), el("span", {}, formatRange(product.price_min, product.price_max, product.currency)));
      item.addEventListener("click", () => openProduct(chip, { creatorId, returnTo: location.pathname }));
      return el("li", {}, item);
    }));
    root.hidden = false;
  }, () => {});
}

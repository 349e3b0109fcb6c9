// On every page: the log-out controls and the cart badge.

import { api, viewer } from "./api.js";
import { setCartCount, toast } from "./ui.js";

for (const button of document.querySelectorAll("[data-logout]")) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("/api/v1/auth/logout", { method: "POST" });
      location.assign("/");
    } catch (error) {
      button.disabled = false;
      toast(error.message, { error: true });
    }
  });
}

if (viewer() && document.querySelector("[data-cart-count]")) {
  api("/api/v1/cart").then((cart) => setCartCount(cart.count), () => {});
}

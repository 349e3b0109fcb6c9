// On every page: the log-out controls, the cart badge and the word that an account was deleted.

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

// The settings page comes here once it deleted the account: say so, once (a reload does not repeat it).
const query = new URLSearchParams(location.search);
if (query.get("deleted") === "1") {
  toast("Your account is deleted and you are logged out. Its data is erased within minutes.", { ms: 8000 });
  query.delete("deleted");
  const rest = query.toString();
  history.replaceState(history.state, "", `${location.pathname}${rest ? `?${rest}` : ""}${location.hash}`);
}

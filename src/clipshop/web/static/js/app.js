// On every page: the log-out controls, the cart and inbox badges and the word that an account was deleted.

import { api, viewer } from "./api.js";
import { setCartCount, setInboxCount, toast } from "./ui.js";

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

// The inbox page sets its own badge once it has marked what it shows read.
if (viewer() && document.querySelector("[data-inbox-count]") && !document.getElementById("inbox-page")) {
  api("/api/v1/me/inbox/unread").then((body) => setInboxCount(body.unread), () => {});
}

// The settings page comes here once it deleted the account: say so, once (a reload does not repeat it).
const query = new URLSearchParams(location.search);
if (query.get("deleted") === "1") {
  toast("Your account is deleted and you are logged out. Its data is erased within minutes.", { ms: 8000 });
  query.delete("deleted");
  const rest = query.toString();
  history.replaceState(history.state, "", `${location.pathname}${rest ? `?${rest}` : ""}${location.hash}`);
}

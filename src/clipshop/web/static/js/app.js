// On every page: the log-out controls.

import { api } from "./api.js";
import { toast } from "./ui.js";

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

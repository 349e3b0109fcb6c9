// The settings page: delete the account once the password and a last question confirm it, then leave as a
// logged-out visitor.

import { api, viewer } from "./api.js";
import { busy, clearErrors, showError } from "./forms.js";

const form = document.getElementById("delete-form");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const password = form.elements.namedItem("password").value;
  if (!password) {
    showError(form, { field: "password", message: "Type your password to confirm." });
    return;
  }
  // The password field may have been filled by the browser: one click must not be enough.
  if (!confirm(`Delete the account @${viewer()} for good? This cannot be undone.`)) return;
  const submit = form.querySelector('[type="submit"]');
  busy(submit, true);
  try {
    await api("/api/v1/me/delete", { method: "POST", body: { password } });
    location.assign("/?deleted=1");
  } catch (error) {
    busy(submit, false);
    showError(form, error);
  }
});

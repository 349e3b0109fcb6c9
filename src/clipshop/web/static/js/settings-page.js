// The settings page: delete the account once the password confirms it, then leave as a logged-out visitor.

import { api } from "./api.js";
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

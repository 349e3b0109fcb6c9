// Pages reached from mail: forgot password (ask for a link), reset password (use it), and one-button
// links (verify an address, unsubscribe). Each posts to the API and shows the problem beside its field.

import { api } from "./api.js";

function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-error-for]")) {
    node.textContent = "";
    if (node.classList.contains("form-error")) node.hidden = true;
  }
}

function showError(form, error) {
  const field = error.field && form.querySelector(`.field-error[data-error-for="${CSS.escape(error.field)}"]`);
  if (field) {
    field.textContent = error.message;
    form.elements.namedItem(error.field)?.focus();
    return;
  }
  const box =
    (error.field && form.querySelector(`.form-error[data-error-for="${CSS.escape(error.field)}"]`)) ||
    form.querySelector('.form-error[data-error-for=""]');
  box.textContent = error.message;
  box.hidden = false;
}

function wire(form, post, done) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const submit = form.querySelector('[type="submit"]');
    submit.disabled = true;
    submit.classList.add("is-busy");
    try {
      await post();
      submit.hidden = true;
      done.hidden = false;
    } catch (error) {
      showError(form, error);
      submit.disabled = false;
    } finally {
      submit.classList.remove("is-busy");
    }
  });
}

const forgot = document.getElementById("forgot-form");
if (forgot) {
  const email = forgot.elements.namedItem("email");
  wire(
    forgot,
    () => api("/api/v1/auth/password-reset", { method: "POST", body: { email: email.value.trim() } }),
    document.getElementById("forgot-sent"),
  );
  email.focus();
}

const reset = document.getElementById("reset-form");
if (reset) {
  const password = reset.elements.namedItem("password");
  wire(
    reset,
    () =>
      api("/api/v1/auth/password-reset/confirm", {
        method: "POST",
        body: { token: reset.dataset.token, password: password.value },
      }),
    document.getElementById("reset-done"),
  );
  password.focus();
}

const link = document.getElementById("mail-link-form");
if (link) {
  wire(
    link,
    () => api(link.dataset.action, { method: "POST", body: { token: link.dataset.token } }),
    document.getElementById("mail-link-done"),
  );
}

// Sign-up and log-in forms: post to the API, show each problem next to the field it names.

import { api, safeNext } from "./api.js";
import { forgetPass, keepPass, showSuspension } from "./suspension.js";

const COUNTRY_OF_LANGUAGE = /-([A-Z]{2})$/;

function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-error-for]")) {
    node.textContent = "";
    if (node.classList.contains("form-error")) node.hidden = true;
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

function showError(form, error) {
  const field = error.field && form.querySelector(`.field-error[data-error-for="${CSS.escape(error.field)}"]`);
  if (field) {
    field.textContent = error.message;
    const input = form.elements.namedItem(error.field);
    input?.setAttribute("aria-invalid", "true");
    input?.focus();
    return;
  }
  const general = form.querySelector('.form-error[data-error-for=""]');
  general.textContent = error.message;
  general.hidden = false;
}

/** `answered(error)` may take a problem over (true) instead of showing it by its field. */
function wire(form, { path, fields, answered = () => false }) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const submit = form.querySelector('[type="submit"]');
    const born = form.elements.namedItem("birth_date");
    if (born && !born.value) {
      showError(form, { field: "birth_date", message: "Give your birth date." });
      return;
    }
    const body = {};
    for (const name of fields) {
      const value = form.elements.namedItem(name).value.trim();
      if (value || name !== "display_name") body[name] = name === "password" ? form.elements.namedItem(name).value : value;
    }
    submit.disabled = true;
    submit.classList.add("is-busy");
    try {
      await api(path, { method: "POST", body });
      forgetPass(); // a session now: no appeal pass of an earlier log-in stays behind
      location.assign(safeNext(form.dataset.next));
    } catch (error) {
      submit.disabled = false;
      submit.classList.remove("is-busy");
      if (!answered(error)) showError(form, error);
    }
  });
  form.addEventListener("input", (event) => {
    const name = event.target.name;
    const node = name && form.querySelector(`.field-error[data-error-for="${CSS.escape(name)}"]`);
    if (node) node.textContent = "";
    event.target.removeAttribute?.("aria-invalid");
  });
}

const signup = document.getElementById("signup-form");
if (signup) {
  // Preselect the country the browser's language points at, when we offer it.
  const guess = (navigator.languages || [navigator.language]).map((l) => COUNTRY_OF_LANGUAGE.exec(l || "")?.[1]).find(Boolean);
  const select = signup.elements.namedItem("country");
  if (guess && [...select.options].some((o) => o.value === guess)) select.value = guess;
  wire(signup, { path: "/api/v1/auth/signup", fields: ["email", "password", "handle", "display_name", "birth_date", "country"] });
  signup.elements.namedItem("email").focus();
}

const login = document.getElementById("login-form");
if (login) {
  // A suspended account gets an appeal pass instead of a session: show the suspension and its appeal.
  const panel = document.getElementById("suspension");
  const say = (message) => showError(login, { message });
  const answered = (error) => {
    if (error.code !== "account_suspended" || !error.problem.appeal_pass) {
      forgetPass();
      return false;
    }
    keepPass(error.problem);
    login.elements.namedItem("password").value = "";
    return showSuspension(panel, login, say);
  };
  wire(login, { path: "/api/v1/auth/login", fields: ["email", "password"], answered });
  if (!showSuspension(panel, login, say)) login.elements.namedItem("email").focus();
}

// Forms that post to the API: each problem shows next to the field it names, the rest above the button.

/** Hide every message of `form` and unmark its fields. */
export function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-error-for]")) {
    node.textContent = "";
    if (node.classList.contains("form-error")) node.hidden = true;
  }
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** Show `error` (an ApiError, or {field, message}) by its field; `prefix` is stripped from API field paths
 * ("address." for a nested address form). Returns true when a field took it. */
export function showError(form, error, { prefix = "" } = {}) {
  const field = error.field && prefix && error.field.startsWith(prefix) ? error.field.slice(prefix.length) : error.field;
  const slot = field && form.querySelector(`.field-error[data-error-for="${CSS.escape(field)}"]`);
  if (slot) {
    slot.textContent = error.message;
    const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
    input?.setAttribute("aria-invalid", "true");
    input?.focus();
    return true;
  }
  const general = form.querySelector('.form-error[data-error-for=""]');
  if (general) {
    general.textContent = error.message;
    general.hidden = false;
  }
  return false;
}

/** Clear a field's message as soon as it is edited. */
export function clearOnInput(form) {
  form.addEventListener("input", (event) => {
    const name = event.target.name;
    const slot = name && form.querySelector(`.field-error[data-error-for="${CSS.escape(name)}"]`);
    if (slot) slot.textContent = "";
    event.target.removeAttribute?.("aria-invalid");
  });
}

/** A button that shows a spinner and ignores clicks while its request runs. */
export function busy(button, on) {
  button.disabled = on;
  button.classList.toggle("is-busy", on);
}

/** The trimmed text of every named field. */
export function values(form) {
  const out = {};
  for (const input of form.querySelectorAll("input[name], select[name], textarea[name]")) {
    if (input.type === "checkbox") out[input.name] = input.checked;
    else if (input.type === "radio") {
      if (input.checked) out[input.name] = input.value;
    } else out[input.name] = input.value.trim();
  }
  return out;
}

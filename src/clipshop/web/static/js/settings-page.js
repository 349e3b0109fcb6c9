// The settings page: whether the email address is verified (and a new link when it is not), the daily inbox
// digest, comment filter words, the birth date (once), blocked accounts, and deleting the account once the
// password and a last question confirm it, then leaving as a logged-out visitor.

import { api, viewer } from "./api.js";
import { busy, clearErrors, clearOnInput, showError } from "./forms.js";
import { el, toast } from "./ui.js";

const emailCard = document.getElementById("email-card");
const emailStatus = emailCard.querySelector("[data-email-status]");
const resend = emailCard.querySelector("[data-resend]");
const resendSent = emailCard.querySelector("[data-resend-sent]");
function showVerified(me) {
  emailCard.querySelector("[data-email-address]").textContent = me.email;
  emailStatus.textContent = me.email_verified ? "Verified" : "Not verified";
  emailStatus.classList.toggle("chip-ready", me.email_verified);
  emailStatus.classList.toggle("chip-processing", !me.email_verified);
  emailStatus.hidden = false;
  emailCard.querySelector("[data-email-unverified]").hidden = me.email_verified;
  resend.hidden = me.email_verified;
}
api("/api/v1/me").then(showVerified, (error) => showError(emailCard, error));
resend.addEventListener("click", async () => {
  clearErrors(emailCard);
  resendSent.hidden = true;
  busy(resend, true);
  try {
    const sent = await api("/api/v1/me/verification", { method: "POST" });
    resendSent.textContent = `A new link is on its way to ${sent.sent_to}.`;
    resendSent.hidden = false;
  } catch (error) {
    showError(emailCard, error);
    // Verified meanwhile (in another tab): show it rather than the button.
    if (error.code === "email_already_verified") api("/api/v1/me").then(showVerified, () => {});
  } finally {
    busy(resend, false);
  }
});

const digestForm = document.getElementById("digest-form");
const digestBox = digestForm.elements.namedItem("inbox_digest");
api("/api/v1/me/mail-settings").then((settings) => {
  digestBox.checked = settings.inbox_digest;
  digestBox.disabled = false;
}, (error) => showError(digestForm, error));
digestForm.addEventListener("submit", (event) => event.preventDefault());
digestBox.addEventListener("change", async () => {
  clearErrors(digestForm);
  const wanted = digestBox.checked;
  digestBox.disabled = true;
  try {
    const settings = await api("/api/v1/me/mail-settings", { method: "PATCH", body: { inbox_digest: wanted } });
    digestBox.checked = settings.inbox_digest;
    toast(settings.inbox_digest ? "Daily inbox digest on." : "Daily inbox digest off.");
  } catch (error) {
    digestBox.checked = !wanted;
    showError(digestForm, error);
  } finally {
    digestBox.disabled = false;
  }
});

const filterForm = document.getElementById("filter-form");
const wordsField = filterForm.querySelector("[data-filter-words]");
api("/api/v1/me/comment-filter").then(({ words }) => {
  wordsField.value = words.join("\n");
}, (error) => showError(filterForm, error));
clearOnInput(filterForm);
filterForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(filterForm);
  const submit = filterForm.querySelector('[type="submit"]');
  busy(submit, true);
  try {
    const words = wordsField.value.split("\n").map((w) => w.trim()).filter(Boolean);
    const saved = await api("/api/v1/me/comment-filter", { method: "PUT", body: { words } });
    wordsField.value = saved.words.join("\n");
    toast(saved.words.length ? "Filter words saved." : "Comment filter off.");
  } catch (error) {
    showError(filterForm, error);
  } finally {
    busy(submit, false);
  }
});

const birthForm = document.getElementById("birth-form");
const birthField = birthForm.elements.namedItem("birth_date");
if (birthField) {
  clearOnInput(birthForm);
  birthForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(birthForm);
    if (!birthField.value) {
      showError(birthForm, { field: "birth_date", message: "Give your birth date." });
      return;
    }
    const submit = birthForm.querySelector('[type="submit"]');
    busy(submit, true);
    try {
      await api("/api/v1/me", { method: "PATCH", body: { birth_date: birthField.value } });
      location.reload();
    } catch (error) {
      busy(submit, false);
      showError(birthForm, error);
    }
  });
}

const blockedList = document.getElementById("blocked-list");
function renderBlocked(blocked) {
  if (blocked.length === 0) {
    blockedList.replaceChildren(el("li.muted", {}, "You have not blocked anyone."));
    return;
  }
  blockedList.replaceChildren(...blocked.map((account) => {
    const name = account.handle ? `@${account.handle}` : "Deleted account";
    const undo = el("button.btn.btn-ghost.btn-sm", { type: "button", hidden: !account.handle }, "Unblock");
    undo.addEventListener("click", async () => {
      busy(undo, true);
      try {
        await api(`/api/v1/users/${encodeURIComponent(account.handle)}/block`, { method: "DELETE" });
        renderBlocked(blocked.filter((other) => other.id !== account.id));
        toast(`Unblocked ${name}.`);
      } catch (error) {
        busy(undo, false);
        toast(error.message, { error: true });
      }
    });
    return el("li", {}, account.handle ? el("a", { href: `/@${encodeURIComponent(account.handle)}` }, name) : el("span", {}, name), undo);
  }));
}
api("/api/v1/me/blocks").then(renderBlocked, (error) => toast(error.message, { error: true }));

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

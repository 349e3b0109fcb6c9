// The log-in page's answer to a suspended account: its log-in gets no session but an appeal pass, a
// short-lived bearer token that reads `GET /api/v1/me/moderation` and appeals the suspension, nothing else.
// The pass lives in this tab's sessionStorage until it expires (a reload of the log-in page comes back to the
// panel) and is never a cookie, so every other page still treats the person as logged out.

import { api } from "./api.js";
import { busy } from "./forms.js";
import { APPEAL_STATES } from "./moderation-words.js";
import { el, formatWhen } from "./ui.js";

const KEY = "clipshop.appeal-pass";
const MAX_APPEAL_TEXT = 1000;

let expiryTimer = 0;

/** The stored pass while it holds, else null (and an expired one is forgotten). */
function storedPass() {
  let pass = null;
  try {
    pass = JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    pass = null;
  }
  if (pass && typeof pass.token === "string" && Date.parse(pass.expires_at) > Date.now()) return pass;
  forgetPass();
  return null;
}

export function forgetPass() {
  clearTimeout(expiryTimer);
  sessionStorage.removeItem(KEY);
}

function withPass(pass, path, init = {}) {
  return api(path, { ...init, headers: { Authorization: `Bearer ${pass.token}` } });
}

function decisionNodes(decision) {
  return [
    el("p", {}, `Reason: ${decision.reason_code.replaceAll("_", " ")}`),
    decision.note ? el("p", {}, `Moderator's note: ${decision.note}`) : null,
    el("p.muted", {}, `Decided ${formatWhen(decision.decided_at)}`),
  ];
}

function appealForm(pass, decision, state, { onExpired }) {
  const text = el("textarea", { name: "text", rows: "4", maxlength: String(MAX_APPEAL_TEXT) });
  const send = el("button.btn.btn-primary", { type: "submit" }, "Appeal the suspension");
  const error = el("div.form-error", { role: "alert", hidden: true });
  const form = el("form.appeal-form", { novalidate: true },
    el("label.field", {}, el("span.field-label", {}, "Why the suspension is wrong"), text,
      el("span.field-hint", {}, "You may appeal once. Another moderator reads it and decides.")),
    error, send);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    busy(send, true);
    try {
      const updated = await withPass(pass, `/api/v1/me/moderation/${encodeURIComponent(decision.id)}/appeal`, {
        method: "POST",
        body: { text: text.value.trim() },
      });
      showState(state, updated.appeal_state);
      form.remove();
      state.focus();
    } catch (failure) {
      if (failure.status === 401) {
        onExpired();
        return;
      }
      if (failure.code === "already_appealed") {
        showState(state, failure.problem.appeal_state || "pending");
        form.remove();
        return;
      }
      error.textContent = failure.message;
      error.hidden = false;
      busy(send, false);
    }
  });
  return form;
}

function showState(node, appealState) {
  node.dataset.state = appealState;
  node.textContent = APPEAL_STATES[appealState] || "";
  node.hidden = !node.textContent;
}

/**
 * Show the suspension in `panel` (hiding `loginForm`) from the pass in storage; returns false when there is
 * no live pass. Expiry, or a pass the server no longer takes, brings the log-in form back with `say`.
 */
export function showSuspension(panel, loginForm, say) {
  const pass = storedPass();
  if (!pass) return false;
  const title = el("h1", { id: "suspension-title", tabindex: "-1" }, "Your account is suspended");
  const body = el("div.suspension-decision", { "aria-live": "polite" },
    el("div.loading", {}, el("span.spinner", { "aria-hidden": "true" }), el("span.sr-only", {}, "Loading the decision")));
  const other = el("button.link", { type: "button" }, "Log in with another account");
  panel.replaceChildren(
    title,
    el("p.muted", {}, `A moderator suspended this account${pass.suspended_at ? ` on ${formatWhen(pass.suspended_at)}` : ""}. `
      + "While it is suspended you cannot log in, and your videos are hidden from everyone."),
    body,
    el("p.muted.suspension-expiry", {}, `This page works until ${formatWhen(pass.expires_at)}; after that, log in again to come back to it.`),
    el("p.auth-switch", {}, other),
  );
  const back = (message) => {
    forgetPass();
    panel.hidden = true;
    panel.replaceChildren();
    loginForm.hidden = false;
    if (message) say(message);
    loginForm.elements.namedItem("email").focus();
  };
  const expired = () => back("The suspension page timed out, or the suspension was lifted: log in again.");
  other.addEventListener("click", () => back(""));
  clearTimeout(expiryTimer);
  expiryTimer = setTimeout(expired, Math.max(0, Date.parse(pass.expires_at) - Date.now()));
  loginForm.hidden = true;
  panel.hidden = false;
  title.focus();

  withPass(pass, "/api/v1/me/moderation").then((decisions) => {
    // Newest first: the first suspension listed is the one in force.
    const decision = decisions.find((d) => d.decision === "suspend_account");
    if (!decision) {
      body.replaceChildren(el("p", {}, "The decision behind the suspension could not be found."));
      return;
    }
    const state = el("p.appeal-state", { role: "status", tabindex: "-1" });
    showState(state, decision.appeal_state);
    body.replaceChildren(
      el("article.panel", { dataset: { decisionId: decision.id } },
        ...decisionNodes(decision),
        state,
        decision.appeal_state === "none" ? appealForm(pass, decision, state, { onExpired: expired }) : null),
    );
  }, (error) => {
    if (error.status === 401) expired();
    else body.replaceChildren(el("p.form-error", {}, error.message));
  });
  return true;
}

/** Keep the pass a suspended log-in answered with (`problem` is its 403 `account_suspended`), for its lifetime. */
export function keepPass(problem) {
  sessionStorage.setItem(KEY, JSON.stringify({
    token: problem.appeal_pass,
    expires_at: problem.appeal_pass_expires_at,
    suspended_at: problem.suspended_at || null,
  }));
}

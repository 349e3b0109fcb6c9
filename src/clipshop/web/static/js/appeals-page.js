// The decisions moderation took about the viewer's content or account, each with its reason, the
// moderator's note and its appeal: a form while none was filed, its state after.

import { api } from "./api.js";
import { APPEAL_STATES as STATES, DECISION_WORDS as ACTIONS } from "./moderation-words.js";
import { el } from "./ui.js";

const root = document.getElementById("appeals-list");

function appealForm(decision, state) {
  const text = el("textarea", { name: "text", rows: "3", maxlength: "1000", "aria-label": "Why the decision is wrong" });
  const status = el("p.muted", {}, "");
  const form = el("form.appeal-form", {},
    el("label.field", {}, el("span.field-label", {}, "Why the decision is wrong"), text),
    el("button.btn.btn-primary", { type: "submit" }, "Appeal"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = "Sending…";
    try {
      const updated = await api(`/api/v1/me/moderation/${encodeURIComponent(decision.id)}/appeal`, {
        method: "POST",
        body: { text: text.value },
      });
      state.textContent = STATES[updated.appeal_state] || updated.appeal_state;
      form.remove();
    } catch (error) {
      status.textContent = error.message || "Could not send the appeal.";
    }
  });
  return form;
}

function card(decision) {
  const state = el("p.appeal-state", { dataset: { state: decision.appeal_state } }, STATES[decision.appeal_state] || "");
  return el("article.panel", { dataset: { decisionId: decision.id } },
    el("h2", {}, `Your ${decision.content_kind}: ${ACTIONS[decision.decision] || decision.decision}`),
    el("p", {}, `Reason: ${decision.reason_code}`),
    decision.note ? el("p", {}, `Moderator's note: ${decision.note}`) : null,
    el("p.muted", {}, `Decided ${new Date(decision.decided_at).toLocaleString()}`),
    state,
    decision.appeal_state === "none" ? appealForm(decision, state) : null,
  );
}

async function show() {
  try {
    const decisions = await api("/api/v1/me/moderation");
    root.replaceChildren(...(decisions.length ? decisions.map(card) : [el("p.muted", {}, "Moderation has not acted on anything of yours.")]));
  } catch (error) {
    root.replaceChildren(el("p.muted", {}, error.message || "Could not load the decisions."));
  }
}

show();

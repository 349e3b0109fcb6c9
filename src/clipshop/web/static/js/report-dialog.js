// The "Report" dialog for a video, comment, profile, product or shop: the reasons the reports API takes, an
// optional word, Send or Cancel. A native modal <dialog>: the browser keeps the focus inside and closes it on
// Escape; the focus then goes back to what opened it.

import { api, loginUrl, requireLogin } from "./api.js";
import { busy, clearErrors, clearOnInput, showError } from "./forms.js";
import { el } from "./ui.js";

// The reasons of `POST /api/v1/reports` (moderation's `ReportReason`), in the order people look for them.
// The one list in the pages; tests/e2e/test_pages.py holds it equal to the API's.
export const REPORT_REASONS = [
  ["spam", "Spam", "Fake engagement, repeated or misleading posts"],
  ["scam", "Scam or fraud", "Tricks to take money or personal details"],
  ["counterfeit", "Counterfeit goods", "Fakes sold as the real brand"],
  ["harassment", "Harassment or bullying", "Targets, insults or threatens someone"],
  ["hate", "Hate speech", "Attacks people for who they are"],
  ["violence", "Violence or graphic content", "Real violence, gore, cruelty"],
  ["dangerous", "Dangerous acts", "Stunts or challenges that could hurt someone"],
  ["nudity", "Nudity or sexual content", "Explicit or sexual material"],
  ["minor_safety", "A minor's safety", "A child at risk"],
  ["other", "Something else", "Say what in the box below"],
];

const NOUNS = { video: "video", comment: "comment", profile: "account", product: "product", shop: "shop" };
const MAX_TEXT = 1000;

let dialog = null;

function build() {
  const title = el("h2", { id: "report-title" });
  const what = el("p.muted.report-what");
  const reasons = el("fieldset.report-reasons", {},
    el("legend", {}, "Why are you reporting this?"),
    REPORT_REASONS.map(([code, label, hint]) => el("label.report-reason", {},
      el("input", { type: "radio", name: "reason", value: code }),
      el("span.report-reason-text", {}, el("b", {}, label), hint ? el("span.muted", {}, hint) : null))),
    el("span.field-error", { "data-error-for": "reason", role: "alert" }),
  );
  const text = el("textarea", { name: "text", rows: "2", maxlength: String(MAX_TEXT), placeholder: "Anything a moderator should know" });
  const cancel = el("button.btn.btn-ghost", { type: "button" }, "Cancel");
  const send = el("button.btn.btn-primary", { type: "submit" }, "Send");
  const form = el("form.report-form", { novalidate: true },
    reasons,
    el("label.field", {}, el("span.field-label", {}, "More detail (optional)"), text,
      el("span.field-error", { "data-error-for": "text", role: "alert" })),
    el("div.form-error", { "data-error-for": "", role: "alert", hidden: true }),
    el("div.btn-row.report-buttons", {}, cancel, send),
  );
  const doneTitle = el("h3.report-done-title", { tabindex: "-1" });
  const doneText = el("p.muted");
  const doneButton = el("button.btn.btn-primary", { type: "button" }, "Done");
  const done = el("div.report-done", { role: "status", hidden: true }, doneTitle, doneText, el("div.btn-row.report-buttons", {}, doneButton));
  // The body holds the focus while Send is disabled: a key pressed meanwhile stays inside the dialog.
  const bodyNode = el("div.report-body", { tabindex: "-1" }, title, what, form, done);
  const node = el("dialog.report-dialog", { "aria-labelledby": "report-title" }, bodyNode);
  document.body.append(node);

  const state = { node, bodyNode, title, what, form, text, send, done, doneTitle, doneText, doneButton, target: null, opener: null };
  cancel.addEventListener("click", () => node.close());
  doneButton.addEventListener("click", () => node.close());
  // A click on the backdrop lands on the dialog itself (its content sits in .report-body).
  node.addEventListener("click", (event) => event.target === node && node.close());
  // The feed's keys (j/k, arrows, space) and the sheets' Escape must not act behind the dialog.
  node.addEventListener("keydown", (event) => event.stopPropagation());
  node.addEventListener("close", () => {
    const back = state.opener?.isConnected ? state.opener : document.getElementById("feed");
    state.opener = null;
    state.target = null;
    back?.focus({ preventScroll: true });
  });
  clearOnInput(form);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitReport(state);
  });
  return state;
}

async function submitReport(state) {
  const { form, target } = state;
  clearErrors(form);
  const reason = form.querySelector('input[name="reason"]:checked')?.value;
  if (!reason) {
    showError(form, { field: "reason", message: "Choose a reason." });
    form.querySelector('input[name="reason"]').focus();
    return;
  }
  state.bodyNode.focus();
  busy(state.send, true);
  let filed;
  try {
    filed = await api("/api/v1/reports", {
      method: "POST",
      body: { content_kind: target.kind, content_id: target.id, reason, text: state.text.value.trim() },
    });
  } catch (error) {
    if (error.status === 401) {
      location.assign(loginUrl(target.next));
      return;
    }
    busy(state.send, false);
    if (!showError(form, error)) state.send.focus();
    return;
  }
  busy(state.send, false);
  showDone(state, filed);
}

function showDone(state, filed) {
  state.form.hidden = true;
  state.done.hidden = false;
  state.done.dataset.already = String(filed.already_reported);
  if (filed.already_reported) {
    state.doneTitle.textContent = "You reported this already";
    state.doneText.textContent = "Your first report stands and is in the same case: we'll review it. Reporting again changes nothing.";
  } else {
    state.doneTitle.textContent = "Thanks, we'll review it";
    state.doneText.textContent = "A moderator looks at every report. Nobody is told who reported.";
  }
  state.doneButton.focus();
}

/**
 * Open the dialog to report an item: `kind` and `id` as the reports API takes them, `what` names it for the
 * person ("@ana's comment"), `next` is where a visitor comes back after logging in, and the focus returns to
 * `opener` when the dialog closes.
 */
export function openReport({ kind, id, what = "", next = location.pathname + location.search, opener = document.activeElement }) {
  if (!requireLogin(next)) return;
  dialog ??= build();
  const state = dialog;
  if (state.node.open) state.node.close();
  state.target = { kind, id, next };
  state.opener = opener instanceof HTMLElement ? opener : null;
  state.title.textContent = `Report ${NOUNS[kind] || kind}`;
  state.what.textContent = what;
  state.what.hidden = !what;
  state.form.reset();
  clearErrors(state.form);
  state.form.hidden = false;
  state.done.hidden = true;
  state.doneTitle.textContent = "";
  state.doneText.textContent = "";
  busy(state.send, false);
  state.node.showModal();
  state.form.querySelector('input[name="reason"]').focus();
}

export function reportOpen() {
  return Boolean(dialog?.node.open);
}

// The "Why am I seeing this?" sheet on For You videos: the source the video came from, in words, and the
// ranker's strongest reasons, strongest first; on a sponsored item, who pays for it and why it reached you.

import { el, icon } from "./ui.js";

let sheet = null;

function build() {
  const heading = el("h2", { id: "why-title" });
  const kicker = el("span.why-kicker", {}, "Why this video?");
  const close = el("button.icon-btn", { type: "button", "aria-label": "Close" }, icon("close"));
  const reasons = el("ul.why-reasons", { "aria-label": "Reasons" });
  const none = el("p.why-none.muted", { hidden: true }, "No more detail for this video.");
  const panel = el("section.sheet.why-sheet", { role: "dialog", "aria-modal": "true", "aria-labelledby": "why-title", tabindex: "-1" },
    el("header.sheet-head", {}, kicker, heading, close),
    el("div.sheet-body", {}, reasons, none),
  );
  const backdrop = el("div.sheet-backdrop");
  const root = el("div.sheet-root", { hidden: true }, backdrop, panel);
  document.body.append(root);

  backdrop.addEventListener("click", closeWhy);
  close.addEventListener("click", closeWhy);
  root.addEventListener("keydown", (event) => {
    event.stopPropagation(); // j/k and arrows must not move the feed behind the sheet
    if (event.key === "Escape") closeWhy();
  });
  // Escape also works when the focus is no longer inside the sheet.
  document.addEventListener("keydown", (event) => event.key === "Escape" && closeWhy());
  return { root, panel, kicker, heading, reasons, none, opener: null };
}

/** Open the sheet for a For You item's `why`; focus returns to `opener` when it closes. */
export function openWhy(why, { opener = null } = {}) {
  sheet ??= build();
  sheet.opener = opener;
  sheet.kicker.textContent = why.source === "sponsored" ? "Sponsored" : "Why this video?";
  sheet.heading.textContent = why.label;
  sheet.reasons.replaceChildren(...(why.reasons || []).map((reason) =>
    el("li.why-reason", {}, icon("check", "icon icon-xs"), el("span", {}, reason))));
  sheet.reasons.hidden = sheet.reasons.children.length === 0;
  sheet.none.hidden = !sheet.reasons.hidden;
  sheet.panel.dataset.source = why.source;
  sheet.root.hidden = false;
  requestAnimationFrame(() => sheet.root.classList.add("is-open"));
  sheet.panel.focus({ preventScroll: true });
}

export function closeWhy() {
  if (!sheet || sheet.root.hidden) return;
  sheet.root.classList.remove("is-open");
  sheet.root.hidden = true;
  const back = sheet.opener?.isConnected ? sheet.opener : document.getElementById("feed");
  sheet.opener = null;
  back?.focus({ preventScroll: true });
}

export function whyOpen() {
  return Boolean(sheet && !sheet.root.hidden);
}

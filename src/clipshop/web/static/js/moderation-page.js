// A moderator's review queue: each open case with its content (a player for a video), its reasons and
// counts and the uploader's earlier decisions, and one button per decision.

import { api } from "./api.js";
import { attach } from "./player.js";
import { el } from "./ui.js";

const form = document.getElementById("moderation-filters");
const root = document.getElementById("moderation-cases");
const DECISIONS = ["dismiss", "age_restrict", "remove_from_recommendations", "take_down", "suspend_account"];

function region() {
  return String(new FormData(form).get("region"));
}

function reasonCode() {
  return String(new FormData(form).get("reason_code") || "policy_violation");
}

function player(item) {
  if (!item.media_url || item.withheld) return el("p.muted", {}, item.withheld ? "Withheld: its media are no longer served." : "");
  const video = el("video", { controls: true, muted: true, playsInline: true, poster: item.poster_url || "" });
  video.style.maxHeight = "320px";
  video.style.maxWidth = "100%";
  attach(video, item.media_url).catch(() => {});
  return video;
}

function card(item) {
  const status = el("p.muted", {}, "");
  const buttons = DECISIONS.map((decision) => {
    const button = el(`button.btn${decision === "dismiss" ? "" : ".btn-primary"}`, { type: "button", dataset: { decision } }, decision.replaceAll("_", " "));
    button.addEventListener("click", async () => {
      status.textContent = "Saving…";
      try {
        await api(`/api/v1/moderation/cases/${encodeURIComponent(item.id)}/decision`, {
          method: "POST",
          body: { decision, reason_code: reasonCode() },
        });
        status.textContent = `Decided: ${decision}.`;
        for (const b of buttons) b.disabled = true;
      } catch (error) {
        status.textContent = error.message || "Could not save the decision.";
      }
    });
    return button;
  });
  const reasons = Object.entries(item.reasons).map(([reason, count]) => `${reason} × ${count}`).join(", ");
  const history = item.history.length
    ? item.history.map((d) => `${d.decision} (${d.reason_code})`).join(", ")
    : "none";
  return el("article.panel", { dataset: { caseId: item.id } },
    el("h3", {}, `${item.content_kind} ${item.content_id}`),
    player(item),
    el("p", {}, item.summary || "—"),
    el("p", {}, `Reasons: ${reasons} · severity ${item.severity} · reach ${item.reach} views`),
    el("p.muted", {}, `Uploader's earlier decisions: ${history}`),
    el("div.btn-row", {}, buttons),
    status,
  );
}

async function show() {
  try {
    const cases = await api(`/api/v1/moderation/cases?region=${encodeURIComponent(region())}`);
    root.replaceChildren(...(cases.length ? cases.map(card) : [el("p.muted", {}, "No open case.")]));
  } catch (error) {
    root.replaceChildren(el("p.muted", {}, error.message || "Could not load the queue."));
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  show();
});
show();

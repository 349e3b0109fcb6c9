// A moderator's review queue: each open case with its content (a player for a video, a withheld one too:
// its media route lets moderators of its region through), its reasons and counts and the uploader's earlier
// decisions, and one button per decision; an ad's case shows who pays, what it says and the video it shows,
// with approve and reject (for one of the ad policy's reasons); then the appeals waiting, with uphold and
// overturn.

import { api } from "./api.js";
import { attach } from "./player.js";
import { el } from "./ui.js";

const form = document.getElementById("moderation-filters");
const root = document.getElementById("moderation-cases");
const appealsRoot = document.getElementById("moderation-appeals");
const DECISIONS = ["dismiss", "age_restrict", "remove_from_recommendations", "take_down", "suspend_account"];

function region() {
  return String(new FormData(form).get("region"));
}

function reasonCode() {
  return String(new FormData(form).get("reason_code") || "policy_violation");
}

function player(item) {
  const note = item.withheld ? el("p.muted", {}, "Withheld from everyone; it plays here for review only.") : null;
  if (!item.media_url) return note;
  const video = el("video", { controls: true, muted: true, playsInline: true, poster: item.poster_url || "" });
  video.style.maxHeight = "320px";
  video.style.maxWidth = "100%";
  attach(video, item.media_url).catch(() => {});
  return el("div.moderation-player", {}, video, note);
}

async function decide(item, decision, reasonCode, note, status, buttons) {
  status.textContent = "Saving…";
  try {
    await api(`/api/v1/moderation/cases/${encodeURIComponent(item.id)}/decision`, {
      method: "POST",
      body: { decision, reason_code: reasonCode, note },
    });
    status.textContent = `Decided: ${decision}.`;
    for (const b of buttons) b.disabled = true;
  } catch (error) {
    status.textContent = error.message || "Could not save the decision.";
  }
}

function adFacts(ad) {
  const promoted = ad.kind === "product"
    ? `Product: ${ad.product_title || ad.product_id}, shown through video ${ad.video_id}`
    : `Video: ${ad.video_id}`;
  return el("dl.ad-facts", {},
    el("dt", {}, "Advertiser"), el("dd", {}, ad.advertiser_name || ad.advertiser_id),
    el("dt", {}, "Headline"), el("dd", {}, ad.headline),
    el("dt", {}, "Call to action"), el("dd", {}, ad.call_to_action),
    el("dt", {}, "Promotes"), el("dd", {}, promoted),
    ad.authorized_by ? el("dt", {}, "Creator's code") : null,
    ad.authorized_by ? el("dd", {}, `authorised by creator ${ad.authorized_by}`) : null,
  );
}

function adCard(item) {
  const ad = item.ad;
  const status = el("p.muted", {}, "");
  const note = el("input", { name: "note", maxlength: "2000", placeholder: "Note to the advertiser (optional)", "aria-label": "Note to the advertiser" });
  const reason = el("select", { name: "rejection_reason", "aria-label": "Why it is rejected" },
    ...ad.rejection_reasons.map((code) => el("option", { value: code }, code.replaceAll("_", " "))));
  const approve = el("button.btn.btn-primary", { type: "button", dataset: { decision: "approve" } }, "approve");
  const reject = el("button.btn", { type: "button", dataset: { decision: "reject" } }, "reject");
  const buttons = [approve, reject];
  approve.addEventListener("click", () => decide(item, "approve", "meets_ad_policy", note.value, status, buttons));
  reject.addEventListener("click", () => decide(item, "reject", reason.value, note.value, status, buttons));
  return el("article.panel", { dataset: { caseId: item.id, kind: "ad" } },
    el("h3", {}, `Ad by ${ad.advertiser_name || ad.advertiser_id}`),
    player(item),
    adFacts(ad),
    el("p.muted", {}, `Advertiser's earlier decisions: ${item.history.length ? item.history.map((d) => `${d.decision} (${d.reason_code})`).join(", ") : "none"}`),
    el("label.field", {}, el("span.field-label", {}, "Note"), note),
    el("label.field", {}, el("span.field-label", {}, "Reject for"), reason),
    el("div.btn-row", {}, buttons),
    status,
  );
}

function card(item) {
  if (item.ad) return adCard(item);
  const status = el("p.muted", {}, "");
  const note = el("input", { name: "note", maxlength: "2000", placeholder: "Note to the uploader (optional)", "aria-label": "Note to the uploader" });
  const buttons = DECISIONS.map((decision) => {
    const button = el(`button.btn${decision === "dismiss" ? "" : ".btn-primary"}`, { type: "button", dataset: { decision } }, decision.replaceAll("_", " "));
    button.addEventListener("click", () => decide(item, decision, reasonCode(), note.value, status, buttons));
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
    el("label.field", {}, el("span.field-label", {}, "Note"), note),
    el("div.btn-row", {}, buttons),
    status,
  );
}

function appealCard(item) {
  const status = el("p.muted", {}, "");
  const buttons = ["uphold", "overturn"].map((outcome) => {
    const button = el(`button.btn${outcome === "overturn" ? ".btn-primary" : ""}`, { type: "button", dataset: { outcome } }, outcome);
    button.addEventListener("click", async () => {
      status.textContent = "Saving…";
      try {
        const decided = await api(`/api/v1/moderation/appeals/${encodeURIComponent(item.id)}/decision`, {
          method: "POST",
          body: { outcome },
        });
        status.textContent = `Appeal ${decided.appeal_state}.`;
        for (const b of buttons) b.disabled = true;
      } catch (error) {
        status.textContent = error.message || "Could not save the outcome.";
      }
    });
    return button;
  });
  return el("article.panel", { dataset: { decisionId: item.id } },
    el("h3", {}, `${item.decision.replaceAll("_", " ")}: ${item.content_kind} ${item.content_id}`),
    player(item),
    item.ad ? adFacts(item.ad) : el("p", {}, item.summary || "—"),
    el("p", {}, `Reason code: ${item.reason_code}${item.note ? ` · note: ${item.note}` : ""}`),
    el("p", {}, `The uploader says: ${item.appeal_text || "—"}`),
    el("div.btn-row", {}, buttons),
    status,
  );
}

async function show() {
  const query = `region=${encodeURIComponent(region())}`;
  try {
    const cases = await api(`/api/v1/moderation/cases?${query}`);
    root.replaceChildren(...(cases.length ? cases.map(card) : [el("p.muted", {}, "No open case.")]));
  } catch (error) {
    root.replaceChildren(el("p.muted", {}, error.message || "Could not load the queue."));
  }
  try {
    const appeals = await api(`/api/v1/moderation/appeals?${query}`);
    appealsRoot.replaceChildren(...(appeals.length ? appeals.map(appealCard) : [el("p.muted", {}, "No appeal waiting.")]));
  } catch (error) {
    appealsRoot.replaceChildren(el("p.muted", {}, error.message || "Could not load the appeals."));
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  show();
});
show();

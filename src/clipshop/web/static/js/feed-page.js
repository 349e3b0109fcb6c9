// The For You, Following and single-video pages: one swipe feed filling the column.

import { api, withCursor } from "./api.js";
import { takePlayFrom } from "./events.js";
import { createFeed } from "./feed.js";
import { el, icon } from "./ui.js";

const root = document.getElementById("feed");
const { source, videoId } = root.dataset;
// How long a sponsored item must be on screen before its impression counts (the server's `ads_viewable_s`).
const adViewableS = Number(root.dataset.adsViewableS) || 2;

const forYou = (cursor) => api(withCursor("/api/v1/feed/for-you", cursor));
const following = (cursor) => api(withCursor("/api/v1/feed/following", cursor));

const EMPTY = {
  "for-you": () => [
    el("span.empty-icon", {}, icon("play")),
    el("h2", {}, "No videos yet"),
    el("p.muted", {}, "Be the first to post one: short, vertical, and with a #hashtag or two."),
    el("a.btn.btn-primary", { href: "/upload" }, "Upload a video"),
  ],
  following: () => [
    el("span.empty-icon", {}, icon("friends")),
    el("h2", {}, "Nothing from people you follow yet"),
    el("p.muted", {}, "Follow creators from For You and their new videos land here."),
    el("a.btn.btn-primary", { href: "/" }, "Find creators on For You"),
  ],
};

async function start() {
  if (source === "following") {
    return createFeed(root, { load: following, empty: EMPTY.following, source: "following" });
  }
  if (source === "video" && videoId) {
    // The shared video first, then For You without repeating it.
    let first = null;
    try {
      first = await api(`/api/v1/videos/${encodeURIComponent(videoId)}`);
    } catch {
      first = null;
    }
    const load = async (cursor) => {
      const page = await forYou(cursor);
      return { ...page, items: page.items.filter((item) => item.id !== videoId) };
    };
    // The video's plays come from the page that linked to it (search), when it said so; then For You's.
    const from = takePlayFrom(videoId);
    const playSource = (item) => (item.id === videoId ? from : "for_you");
    return createFeed(root, { load, initial: first ? [first] : [], cursor: first ? undefined : null, empty: EMPTY["for-you"], source: playSource, adViewableS });
  }
  return createFeed(root, { load: forYou, empty: EMPTY["for-you"], source: "for_you", adViewableS });
}

start().then((feed) => {
  for (const button of document.querySelectorAll("[data-go]")) {
    button.addEventListener("click", () => feed.go(Number(button.dataset.go)));
  }
});

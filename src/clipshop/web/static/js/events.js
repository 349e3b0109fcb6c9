// Watch events for the feed model: impression, play, progress every ~5 s, complete. Batched, sent only for a
// logged-in viewer, flushed with keepalive when the page is hidden so the last seconds are not lost. Each
// event says where the player was (for the creator's traffic sources), when the page knows it.

import { viewer } from "./api.js";

const FLUSH_EVERY_MS = 10_000;
const PROGRESS_EVERY_S = 5;
const MAX_BATCH = 100;
const URL = "/api/v1/events";
// Where a play may come from, as the API names it.
export const SOURCES = new Set(["for_you", "following", "profile", "search", "shop", "hashtag", "ad"]);

const HANDOFF = "clipshop:play-from";

/** Tell the video page the next one opens where its play comes from (search results link to /v/<id>). */
export function playFrom(videoId, source) {
  try {
    sessionStorage.setItem(HANDOFF, JSON.stringify({ video: videoId, source }));
  } catch {
    // No storage (a private window): the play counts as from elsewhere.
  }
}

/** Where the play of `videoId` comes from, if the page that linked to it said so; asked once. */
export function takePlayFrom(videoId) {
  try {
    const said = JSON.parse(sessionStorage.getItem(HANDOFF) || "null");
    sessionStorage.removeItem(HANDOFF);
    return said && said.video === videoId && SOURCES.has(said.source) ? said.source : null;
  } catch {
    return null;
  }
}

export class WatchEvents {
  /** `source`: where the player is, for every item ("profile"), or a function of the item; null: not known. */
  constructor({ source = null } = {}) {
    this.sourceOf = typeof source === "function" ? source : () => source;
    this.enabled = Boolean(viewer());
    this.queue = [];
    this.views = new Map(); // video id -> { watched, lastTime, reported, played, duration, source }
    if (!this.enabled) return;
    this.timer = setInterval(() => this.flush(), FLUSH_EVERY_MS);
    const flushNow = () => this.flush({ leaving: true });
    document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && flushNow());
    window.addEventListener("pagehide", flushNow);
  }

  view(item) {
    let state = this.views.get(item.id);
    if (!state) {
      const source = this.sourceOf(item);
      state = { watched: 0, lastTime: null, reported: 0, played: false, duration: item.duration_s || 0, source: SOURCES.has(source) ? source : null };
      this.views.set(item.id, state);
    }
    return state;
  }

  push(videoId, kind, watched) {
    if (!this.enabled) return;
    const state = this.views.get(videoId);
    // The API refuses more than 20 times the duration: a tab left looping all night stops counting.
    const cap = Math.max(state ? state.duration : 1, 1) * 20;
    const event = { video_id: videoId, kind, watched_s: Math.round(Math.min(watched, cap) * 10) / 10 };
    if (state?.source) event.source = state.source;
    this.queue.push(event);
    if (this.queue.length >= MAX_BATCH) this.flush();
  }

  /** The video became the one on screen. */
  shown(item) {
    const state = this.view(item);
    state.lastTime = null;
    this.push(item.id, "impression", state.watched);
  }

  playing(item) {
    const state = this.view(item);
    if (state.played) return;
    state.played = true;
    this.push(item.id, "play", state.watched);
  }

  /** Called on every timeupdate of the active video: counts watched time, reports progress and loops. */
  tick(item, currentTime) {
    const state = this.view(item);
    if (state.lastTime !== null) {
      const delta = currentTime - state.lastTime;
      if (delta > 0 && delta < 1.5) state.watched += delta;
      else if (delta < -0.5 && state.lastTime > 0.5) this.completed(item);
    }
    state.lastTime = currentTime;
    if (state.watched - state.reported >= PROGRESS_EVERY_S) {
      state.reported = state.watched;
      this.push(item.id, "progress", state.watched);
    }
  }

  completed(item) {
    this.push(item.id, "complete", this.view(item).watched);
  }

  hidden(item) {
    const state = this.views.get(item.id);
    if (state) state.lastTime = null;
  }

  flush({ leaving = false } = {}) {
    if (!this.enabled || this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_BATCH);
    const body = JSON.stringify({ events: batch });
    if (leaving && navigator.sendBeacon && navigator.sendBeacon(URL, new Blob([body], { type: "application/json" }))) {
      return;
    }
    fetch(URL, {
      method: "POST", body, keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
    }).then((response) => {
      // A 5xx or a dropped connection: keep the events for the next flush. A 4xx would fail again: drop.
      if (response.status >= 500) this.queue.unshift(...batch);
    }, () => this.queue.unshift(...batch));
    if (this.queue.length) this.flush({ leaving });
  }
}

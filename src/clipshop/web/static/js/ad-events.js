// What the player reports of sponsored items: a viewable impression once an ad was on screen (the active,
// visible item of the feed) for `viewableS` seconds in all, and a click when its product sheet, its creator's
// profile or its shop is opened from it. Each once per served ad; batched like the watch events, sent only
// for a logged-in viewer, flushed with keepalive when the page is hidden or left.

import { viewer } from "./api.js";

const FLUSH_EVERY_MS = 5_000;
const MAX_BATCH = 50;
const URL = "/api/v1/ads/events";

export class AdReports {
  constructor({ viewableS = 2 } = {}) {
    this.enabled = Boolean(viewer());
    this.viewableS = viewableS;
    this.queue = [];
    this.sent = new Set(); // `${served_id}:${kind}`
    this.onScreen = new Map(); // served id -> { seen (s), since (ms) | null, timer }
    if (!this.enabled) return;
    this.timer = setInterval(() => this.flush(), FLUSH_EVERY_MS);
    const flushNow = () => this.flush({ leaving: true });
    document.addEventListener("visibilitychange", () => document.visibilityState === "hidden" && flushNow());
    window.addEventListener("pagehide", flushNow);
  }

  state(servedId) {
    let state = this.onScreen.get(servedId);
    if (!state) {
      state = { seen: 0, since: null, timer: null };
      this.onScreen.set(servedId, state);
    }
    return state;
  }

  /** The item became the one on screen (or the page became visible again with it on screen). */
  shown(item) {
    const servedId = item.sponsored?.served_id;
    if (!this.enabled || !servedId || this.sent.has(`${servedId}:impression`)) return;
    const state = this.state(servedId);
    if (state.since !== null) return;
    state.since = performance.now();
    const left = Math.max(0, this.viewableS - state.seen);
    state.timer = setTimeout(() => this.viewable(item), left * 1000);
  }

  /** The item left the screen, or the page was hidden: its time on screen stops counting. */
  hidden(item) {
    const servedId = item.sponsored?.served_id;
    const state = servedId && this.onScreen.get(servedId);
    if (!state || state.since === null) return;
    state.seen += (performance.now() - state.since) / 1000;
    state.since = null;
    clearTimeout(state.timer);
  }

  viewable(item) {
    const state = this.state(item.sponsored.served_id);
    const seen = state.seen + (state.since === null ? 0 : (performance.now() - state.since) / 1000);
    this.push(item, "impression", { seen_s: Math.round(seen * 10) / 10 });
    this.flush(); // what is billed goes at once rather than waiting for the next batch
  }

  /** The product sheet, the creator's profile or the shop was opened from this item. */
  clicked(item, { leaving = false } = {}) {
    if (!item.sponsored) return;
    this.push(item, "click");
    this.flush({ leaving });
  }

  push(item, kind, extra = {}) {
    const servedId = item.sponsored.served_id;
    const key = `${servedId}:${kind}`;
    if (!this.enabled || this.sent.has(key)) return;
    this.sent.add(key);
    this.queue.push({ served_id: servedId, kind, ...extra });
    if (this.queue.length >= MAX_BATCH) this.flush();
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
      // A 5xx or a dropped connection: keep the reports for the next flush. A 4xx would fail again: drop.
      if (response.status >= 500) this.queue.unshift(...batch);
    }, () => this.queue.unshift(...batch));
    if (this.queue.length) this.flush({ leaving });
  }

  stop() {
    clearInterval(this.timer);
    for (const state of this.onScreen.values()) clearTimeout(state.timer);
    this.flush({ leaving: true });
  }
}

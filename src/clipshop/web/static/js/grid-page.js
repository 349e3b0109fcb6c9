// Profile and hashtag pages: a grid of videos that pages in as it scrolls; a tile opens the swipe feed there.

import { api, requireLogin, viewer, withCursor } from "./api.js";
import { createFeed } from "./feed.js";
import { openReport } from "./report-dialog.js";
import { el, fillAvatar, formatCount, icon, openMenu, toast } from "./ui.js";

const grid = document.getElementById("grid");
const source = grid.dataset.source;
const playSource = grid.dataset.playSource || null; // profile, shop or hashtag: where these plays come from
const items = [];
let cursor;
let pending = null;

function tile(item, index) {
  const picture = item.thumb_url || item.poster_url;
  const node = el("a.tile", { href: `/v/${item.id}`, "aria-label": item.caption || `Video by @${item.creator.handle}` },
    picture ? el("img", { src: picture, alt: "", loading: "lazy", decoding: "async" }) : el("span.tile-blank", {}, icon("play")),
    el("span.tile-views", {}, icon("play", "icon icon-xs"), formatCount(item.counts.views)),
    item.caption ? el("span.tile-caption", {}, item.caption) : null,
  );
  node.addEventListener("click", (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    openOverlay(index);
  });
  return node;
}

/** The next page of the list, shared by the grid and the feed overlay so a page is fetched once. */
function fetchNext() {
  if (cursor === null) return Promise.resolve({ items: [], next_cursor: null });
  pending ??= api(withCursor(source, cursor)).then((page) => {
    if (items.length === 0) grid.replaceChildren();
    for (const item of page.items) {
      grid.append(tile(item, items.length));
      items.push(item);
    }
    cursor = page.next_cursor;
    if (items.length === 0) {
      grid.replaceChildren(el("div.grid-empty", {}, el("span.empty-icon", {}, icon("play")), el("p.muted", {}, grid.dataset.empty)));
    }
    const count = document.querySelector("[data-tag-count]");
    if (count) count.textContent = `${items.length}${cursor ? "+" : ""} ${items.length === 1 ? "video" : "videos"}`;
    return page;
  }).finally(() => {
    pending = null;
  });
  return pending;
}

function loadMore() {
  fetchNext().catch((error) => {
    if (items.length === 0 && (error.code === "blocked" || error.code === "not_found")) {
      // A block either way: say so where the videos would be, and stop asking.
      cursor = null;
      grid.replaceChildren(el("div.grid-empty", {}, el("p.muted", {}, error.code === "blocked" ? error.message : "This account is not available.")));
      return;
    }
    toast(error.message, { error: true });
  });
}

// The feed overlay shares this page's list and cursor, so swiping past the grid keeps going.
let overlay = null;

function openOverlay(index) {
  const host = el("div.feed.overlay-feed-list", { tabindex: "-1", id: "feed" });
  const close = el("button.round-btn.overlay-close", { type: "button", "aria-label": "Close" }, icon("close"));
  const layer = el("div.overlay-feed", { role: "dialog", "aria-modal": "true", "aria-label": "Videos" }, host, close);
  document.body.append(layer);
  document.body.classList.add("has-overlay");
  const feed = createFeed(host, {
    initial: items.slice(),
    cursor,
    startAt: index,
    source: playSource,
    // Everything known so far: the feed skips what it already shows, whoever fetched it.
    load: () => fetchNext().then(() => ({ items: items.slice(), next_cursor: cursor })),
    onActive: (item) => history.replaceState({ overlay: true }, "", `/v/${item.id}`),
  });
  host.focus({ preventScroll: true });
  overlay = { layer, feed, url: location.href };
  history.pushState({ overlay: true }, "", `/v/${items[index].id}`);
  close.addEventListener("click", () => history.back());
  layer.addEventListener("keydown", (event) => event.key === "Escape" && history.back());
}

function closeOverlay() {
  if (!overlay) return;
  overlay.feed.destroy();
  overlay.layer.remove();
  overlay = null;
  document.body.classList.remove("has-overlay");
}

window.addEventListener("popstate", closeOverlay);

// Keep loading as the end of the grid comes into view.
const sentinel = el("div.grid-sentinel", { "aria-hidden": "true" });
grid.after(sentinel);
grid.replaceChildren(el("div.grid-loading", {}, el("span.spinner")));
new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadMore(), { rootMargin: "600px" }).observe(sentinel);
loadMore();

// Profile header: picture, live counters and the follow button.
const profile = document.getElementById("profile");
if (profile) {
  const handle = profile.dataset.handle;
  const avatarNode = profile.querySelector("[data-avatar]");
  fillAvatar(avatarNode, { handle, display_name: avatarNode.dataset.name, avatar_url: avatarNode.dataset.src || null });
  const followButton = profile.querySelector("[data-follow]");
  const render = (data) => {
    for (const node of profile.querySelectorAll("[data-stat]")) node.textContent = formatCount(data[node.dataset.stat]);
    if (followButton) {
      followButton.setAttribute("aria-pressed", String(data.followed_by_me));
      followButton.textContent = data.followed_by_me ? "Following" : "Follow";
      followButton.classList.toggle("btn-primary", !data.followed_by_me);
      followButton.classList.toggle("btn-ghost", data.followed_by_me);
    }
  };
  let data = null;
  api(`/api/v1/users/${encodeURIComponent(handle)}`).then((body) => {
    data = body;
    render(data);
  }, () => {});
  // The profile's menu: block or mute (and undo either), and report; a visitor gets "Report" alone, which
  // sends them to log in first.
  const menuButton = profile.querySelector("[data-profile-menu]");
  async function control(kind, on) {
    try {
      await api(`/api/v1/users/${encodeURIComponent(handle)}/${kind}`, { method: on ? "POST" : "DELETE" });
    } catch (error) {
      toast(error.message, { error: true });
      return;
    }
    if (kind === "block") {
      location.reload(); // what the page may show changes both ways: load it afresh
      return;
    }
    data = { ...data, muted_by_me: on };
    toast(on ? `Muted @${handle}: their videos leave your feeds.` : `Unmuted @${handle}.`);
  }
  menuButton?.addEventListener("click", (event) => {
    event.stopPropagation();
    const report = {
      label: "Report",
      danger: true,
      onSelect: () => openReport({ kind: "profile", id: profile.dataset.userId, what: `@${handle}`, opener: menuButton }),
    };
    if (!viewer()) {
      openMenu(menuButton, [report]);
      return;
    }
    if (!data) return;
    openMenu(menuButton, [
      data.muted_by_me
        ? { label: "Unmute", onSelect: () => control("mute", false) }
        : { label: "Mute", onSelect: () => control("mute", true) },
      data.blocked_by_me
        ? { label: "Unblock", onSelect: () => control("block", false) }
        : {
          label: "Block",
          danger: true,
          onSelect: () => confirm(`Block @${handle}? Neither of you will see the other's videos, comments or profile, and your follows end.`) && control("block", true),
        },
      report,
    ]);
  });
  followButton?.addEventListener("click", async () => {
    if (!requireLogin(location.pathname) || !data || viewer() === handle) return;
    const following = !data.followed_by_me;
    data = { ...data, followed_by_me: following, follower_count: Math.max(0, data.follower_count + (following ? 1 : -1)) };
    render(data);
    try {
      await api(`/api/v1/users/${encodeURIComponent(handle)}/follow`, { method: following ? "POST" : "DELETE" });
    } catch (error) {
      data = { ...data, followed_by_me: !following, follower_count: Math.max(0, data.follower_count + (following ? -1 : 1)) };
      render(data);
      toast(error.message, { error: true });
    }
  });
}

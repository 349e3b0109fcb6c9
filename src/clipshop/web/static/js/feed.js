// The vertical swipe feed: one video per screen, scroll-snap, the visible one autoplays muted and loops,
// neighbours preload, far ones are released, the next page loads before the end.

import { AdReports } from "./ad-events.js";
import { api, loginUrl, requireLogin, viewer } from "./api.js";
import { closeComments, commentsOpen, openComments } from "./comments.js";
import { WatchEvents } from "./events.js";
import { formatRange } from "./money.js";
import { attach, detach } from "./player.js";
import { closeProduct, openProduct, productOpen } from "./product-sheet.js";
import { openReport, reportOpen } from "./report-dialog.js";
import { avatar, captionNodes, copyText, el, formatCount, icon, menuOpen, openMenu, timeAgo, toast } from "./ui.js";
import { closeWhy, openWhy, whyOpen } from "./why-sheet.js";

const PRELOAD_AHEAD = 1;
const KEEP_ATTACHED = 2;
const LOAD_MORE_WITHIN = 3;

// One sound setting for every feed on the page: once the viewer unmutes, the next videos play with sound.
const sound = { muted: true };
const followCache = new Map(); // handle -> Promise<boolean>

// Feed items say whether the viewer follows their creator; a follow made on this page wins over that.
function followState(creator) {
  if (!followCache.has(creator.handle)) {
    followCache.set(creator.handle, Promise.resolve(Boolean(creator.followed_by_me)));
  }
  return followCache.get(creator.handle);
}

/**
 * `source`: where its plays come from, for the creators' traffic sources ("for_you", "profile"…), or a
 * function of the item; a sponsored item's plays come from an ad whatever the page.
 */
export function createFeed(root, { load, initial = [], cursor = null, startAt = 0, empty, onActive, source = null, adViewableS = 2 } = {}) {
  const sourceOf = typeof source === "function" ? source : () => source;
  const events = new WatchEvents({ source: (item) => (item.sponsored ? "ad" : sourceOf(item)) });
  const adReports = new AdReports({ viewableS: adViewableS });
  const slides = [];
  const seen = new Set();
  let next = initial.length ? cursor : undefined; // undefined: the first page is still to come
  let loading = null;
  let active = -1;
  let wheelLock = 0;
  let wheelSum = 0;
  let destroyed = false;

  root.classList.add("feed");
  root.setAttribute("aria-busy", "true");

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting && entry.intersectionRatio >= 0.6) activate(Number(entry.target.dataset.index));
    }
  }, { root, threshold: [0.6] });

  function append(items) {
    if (slides.length === 0) root.replaceChildren();
    for (const item of items) {
      // A sponsored item is its served ad: the same video may come again, as an ad or not.
      const key = item.sponsored ? `ad:${item.sponsored.served_id}` : item.id;
      if (seen.has(key)) continue;
      seen.add(key);
      const slide = buildSlide(item, slides.length);
      slides.push(slide);
      root.append(slide.node);
      observer.observe(slide.node);
    }
  }

  async function more() {
    if (loading || next === null) return loading;
    loading = (async () => {
      try {
        const page = await load(next ?? null);
        next = page.next_cursor ?? null;
        append(page.items);
        if (slides.length === 0) showEmpty();
      } catch (error) {
        if (slides.length === 0) showError(error);
        else toast(error.message, { error: true });
      } finally {
        loading = null;
        root.setAttribute("aria-busy", "false");
      }
    })();
    return loading;
  }

  function showEmpty() {
    root.replaceChildren(el("div.feed-state", {}, ...(empty ? empty() : [el("p", {}, "No videos here yet.")])));
  }

  function showError(error) {
    const retry = el("button.btn.btn-primary", { type: "button" }, "Try again");
    retry.addEventListener("click", () => {
      root.replaceChildren(el("div.feed-state", {}, el("span.spinner")));
      more();
    });
    root.replaceChildren(el("div.feed-state", {}, el("h2", {}, "Couldn't load videos"), el("p.muted", {}, error.message), retry));
  }

  function buildSlide(item, index) {
    const portrait = item.height >= item.width;
    const video = el("video", {
      playsinline: true, muted: true, loop: true, preload: "none", "aria-label": item.caption || `Video by @${item.creator.handle}`,
      poster: item.poster_url || undefined,
    });
    video.muted = true;
    const poster = item.poster_url ? el("img.poster", { src: item.poster_url, alt: "", decoding: "async", loading: index < 2 ? "eager" : "lazy" }) : null;
    const media = el(`div.media${portrait ? ".is-cover" : ""}`, {}, video, poster,
      el("span.spinner.buffering", { "aria-hidden": "true" }),
      el("p.media-error", {}, "This video can't play right now. Swipe on, or try again later."));
    const soundButton = el("button.sound-btn", { type: "button", "aria-label": "Unmute" }, icon("muted"), el("span.sound-label", {}, "Tap to unmute"));
    const pauseMark = el("span.pause-mark", { "aria-hidden": "true" }, icon("play"));
    const tap = el("button.tap-area", { type: "button", "aria-label": "Toggle sound" });
    const scrub = el("div.scrub", { "aria-hidden": "true" }, el("div.scrub-fill"));

    // Products tagged in the video; one tagged at a moment appears once playback reaches it.
    const chips = (item.products || []).map((product) => {
      const chip = el("button.product-chip", { type: "button", hidden: product.at_s != null, dataset: { productId: product.id } },
        product.image_url ? el("img", { src: product.image_url, alt: "", loading: "lazy", decoding: "async" }) : el("span.chip-icon", {}, icon("bag", "icon icon-xs")),
        el("span.chip-text", {}, el("span.chip-title", {}, product.title),
          el("span.chip-price", {}, product.in_stock ? formatRange(product.price_min, product.price_max, product.currency) : "Sold out")));
      chip.addEventListener("click", () => {
        adReports.clicked(item);
        openProduct(product, { videoId: item.id, returnTo: `/v/${item.id}` });
      });
      return { product, chip };
    });
    const profile = `/@${encodeURIComponent(item.creator.handle)}`;
    // A sponsored item says so, and who pays for it; its headline and call to action open the product sheet
    // (a product ad) or the creator's profile.
    const ad = item.sponsored;
    const adBadge = ad
      ? el("p.ad-badge", {}, el("span.ad-label", {}, ad.label || "Sponsored"), el("span.ad-advertiser", {}, ad.advertiser_name))
      : null;
    const adAction = ad
      ? el("button.ad-cta", { type: "button", dataset: { adCta: "" } },
        el("span.ad-headline", {}, ad.headline || ad.advertiser_name),
        el("span.ad-action", {}, ad.call_to_action || (ad.product_id ? "Shop now" : "Learn more")))
      : null;
    const creatorLink = el("a.creator", { href: profile }, el("b", {}, `@${item.creator.handle}`),
      el("span.when", {}, ad ? "" : ` · ${timeAgo(item.published_at)}`));
    const info = el("div.info", {},
      adBadge,
      chips.length ? el("div.product-shelf", { role: "group", "aria-label": "Products in this video" }, chips.map((c) => c.chip)) : null,
      creatorLink,
      item.caption ? el("p.caption", {}, captionNodes(item.caption)) : null,
      adAction,
    );

    const isSelf = viewer() === item.creator.handle;
    const followButton = el("button.follow-badge", { type: "button", "aria-label": `Follow @${item.creator.handle}`, hidden: isSelf }, icon("plus", "icon icon-xs"));
    const likeCount = el("span.act-count", { "data-like-count": "" }, formatCount(item.counts.likes));
    const like = el("button.act.act-like", { type: "button", "aria-pressed": String(item.liked_by_me), "aria-label": "Like" },
      el("span.act-icon", {}, icon("heart")), likeCount);
    const commentCount = el("span.act-count", { "data-comment-count": "" }, formatCount(item.counts.comments));
    const comment = el("button.act.act-comment", { type: "button", "aria-label": "Comments" }, el("span.act-icon", {}, icon("comment")), commentCount);
    const shareCount = el("span.act-count", {}, formatCount(item.counts.shares));
    const share = el("button.act.act-share", { type: "button", "aria-label": "Share" }, el("span.act-icon", {}, icon("share")), shareCount);
    // Only For You items say why they were picked (a sponsored one: why this ad); other feeds send
    // `why: null` and get no button.
    const whyOf = item.sponsored ? { source: "sponsored", label: "Why this ad?", reasons: item.sponsored.reasons } : item.why;
    const why = whyOf
      ? el("button.act.act-why", { type: "button", "aria-label": "Why am I seeing this?", "aria-haspopup": "dialog" },
        el("span.act-icon", {}, icon("why")))
      : null;
    // The video's menu on someone else's clip: "Not interested" for a signed-in viewer, and "Report" (a
    // visitor is sent to log in first).
    const moreButton = !isSelf
      ? el("button.act.act-more", { type: "button", "aria-label": "More options", "aria-haspopup": "menu", "aria-expanded": "false" },
        el("span.act-icon", {}, icon("more")))
      : null;
    const avatarLink = el("a", { href: profile, "aria-label": `@${item.creator.handle}` }, avatar(item.creator, "avatar avatar-md"));
    const actions = el("aside.actions", { "aria-label": "Actions" },
      el("div.act-creator", {}, avatarLink, followButton),
      like, comment, share, why, moreButton);

    const stage = el("div.stage", {}, media, tap, pauseMark, soundButton, info, scrub);
    const node = el(`section.slide${ad ? ".is-sponsored" : ""}`, {
      dataset: { index: String(index), id: item.id, ...(ad ? { servedId: ad.served_id } : {}) },
      "aria-roledescription": ad ? "sponsored video" : "video",
    }, stage, actions);
    const slide = { item, node, video, poster, soundButton, like, likeCount, commentCount, shareCount, followButton, played: false };

    video.addEventListener("playing", () => {
      node.classList.add("is-playing");
      node.classList.remove("is-paused");
      events.playing(item);
    });
    video.addEventListener("waiting", () => node.classList.add("is-buffering"));
    video.addEventListener("canplay", () => node.classList.remove("is-buffering"));
    video.addEventListener("pause", () => active === index && node.classList.add("is-paused"));
    video.addEventListener("timeupdate", () => {
      node.classList.remove("is-buffering");
      if (active !== index) return;
      events.tick(item, video.currentTime);
      const duration = video.duration || item.duration_s || 1;
      scrub.firstChild.style.transform = `scaleX(${Math.min(1, video.currentTime / duration)})`;
      revealChips(video.currentTime);
    });
    video.addEventListener("ended", () => events.completed(item));
    video.addEventListener("error", () => {
      if (!video.getAttribute("src")) return;
      node.classList.add("is-failed");
      revealChips(Infinity); // the moments cannot come: show every product now
    });

    function revealChips(time) {
      for (const { product, chip } of chips) {
        if (chip.hidden && time >= product.at_s) {
          chip.hidden = false;
          chip.classList.add("is-new");
        }
      }
    }

    tap.addEventListener("click", () => {
      if (video.paused) play(slide);
      else setMuted(!sound.muted);
    });
    tap.addEventListener("dblclick", () => toggleLike(slide, { only: "like" }));
    soundButton.addEventListener("click", () => setMuted(!sound.muted));
    like.addEventListener("click", () => toggleLike(slide));
    comment.addEventListener("click", () => {
      openComments(item, { onCount: (delta) => bump(slide, "comments", delta) });
    });
    share.addEventListener("click", () => shareItem(slide));
    why?.addEventListener("click", () => openWhy(whyOf, { opener: why }));
    if (ad) {
      // The profile opened from the ad is a click on it (sent before the page goes).
      for (const link of [creatorLink, avatarLink]) link.addEventListener("click", () => adReports.clicked(item, { leaving: true }));
      adAction.addEventListener("click", () => openAd(slide));
    }
    moreButton?.addEventListener("click", (event) => {
      event.stopPropagation();
      openMenu(moreButton, [
        viewer() ? { label: "Not interested", onSelect: () => notInterested(slide) } : null,
        { label: "Report", danger: true, onSelect: () => reportVideo(slide, moreButton) },
      ].filter(Boolean));
    });
    followButton.addEventListener("click", () => follow(slide));
    return slide;
  }

  async function openAd(slide) {
    const { item } = slide;
    const ad = item.sponsored;
    if (!ad.product_id) {
      adReports.clicked(item, { leaving: true });
      location.assign(`/@${encodeURIComponent(item.creator.handle)}`);
      return;
    }
    adReports.clicked(item);
    let chip = (item.products || []).find((product) => product.id === ad.product_id);
    if (!chip) {
      try {
        const product = await api(`/api/v1/products/${encodeURIComponent(ad.product_id)}`);
        chip = { id: product.id, title: product.title, price_min: product.price_min, price_max: product.price_max,
          currency: product.currency, image_url: product.images[0] || null, in_stock: product.in_stock };
      } catch (error) {
        toast(error.status === 404 ? "This product is no longer sold." : error.message, { error: true });
        return;
      }
    }
    openProduct(chip, { videoId: item.id, returnTo: `/v/${item.id}` });
  }

  async function notInterested(slide) {
    try {
      await api(`/api/v1/videos/${encodeURIComponent(slide.item.id)}/not-interested`, { method: "POST" });
    } catch (error) {
      toast(error.message, { error: true });
      return;
    }
    slide.node.classList.add("is-dismissed");
    slide.video.pause();
    toast("Got it: you'll see fewer videos like this.");
    if (slides[active] === slide) go(1);
  }

  function reportVideo(slide, opener) {
    const { item } = slide;
    openReport({ kind: "video", id: item.id, what: `A video by @${item.creator.handle}`, next: `/v/${item.id}`, opener });
  }

  function bump(slide, key, delta) {
    slide.item.counts[key] = Math.max(0, slide.item.counts[key] + delta);
    const target = { likes: slide.likeCount, comments: slide.commentCount, shares: slide.shareCount }[key];
    target.textContent = formatCount(slide.item.counts[key]);
  }

  async function toggleLike(slide, { only } = {}) {
    const { item, like } = slide;
    if (!requireLogin(`/v/${item.id}`)) return;
    const liking = !item.liked_by_me;
    if (only === "like" && !liking) return;
    item.liked_by_me = liking;
    like.setAttribute("aria-pressed", String(liking));
    like.classList.toggle("pop", liking);
    bump(slide, "likes", liking ? 1 : -1);
    try {
      await api(`/api/v1/videos/${item.id}/like`, { method: liking ? "POST" : "DELETE" });
    } catch (error) {
      item.liked_by_me = !liking;
      like.setAttribute("aria-pressed", String(!liking));
      bump(slide, "likes", liking ? -1 : 1);
      if (error.status === 401) location.assign(loginUrl(`/v/${item.id}`));
      else toast(error.message, { error: true });
    }
  }

  async function shareItem(slide) {
    const { item } = slide;
    let url = item.share_url;
    if (viewer()) {
      try {
        url = (await api(`/api/v1/videos/${item.id}/share`, { method: "POST", body: { channel: "link" } })).url;
        bump(slide, "shares", 1);
      } catch (error) {
        if (error.status !== 401) {
          toast(error.message, { error: true });
          return;
        }
      }
    }
    const copied = await copyText(url);
    toast(copied ? `Link copied: ${url}` : url);
  }

  async function follow(slide) {
    const handle = slide.item.creator.handle;
    if (!requireLogin(`/v/${slide.item.id}`)) return;
    setFollowing(handle, true);
    try {
      await api(`/api/v1/users/${encodeURIComponent(handle)}/follow`, { method: "POST" });
      followCache.set(handle, Promise.resolve(true));
      toast(`Following @${handle}`);
    } catch (error) {
      setFollowing(handle, false);
      toast(error.message, { error: true });
    }
  }

  function setFollowing(handle, following) {
    for (const slide of slides) {
      if (slide.item.creator.handle !== handle || viewer() === handle) continue;
      slide.followButton.hidden = false;
      slide.followButton.classList.toggle("is-following", following);
      slide.followButton.replaceChildren(icon(following ? "check" : "plus", "icon icon-xs"));
      slide.followButton.disabled = following;
    }
  }

  function setMuted(muted) {
    sound.muted = muted;
    for (const slide of slides) {
      slide.video.muted = muted;
      slide.soundButton.replaceChildren(icon(muted ? "muted" : "sound"), el("span.sound-label", {}, muted ? "Tap to unmute" : ""));
      slide.soundButton.setAttribute("aria-label", muted ? "Unmute" : "Mute");
      slide.node.classList.toggle("is-unmuted", !muted);
    }
  }

  function play(slide) {
    const { video } = slide;
    video.muted = sound.muted;
    const attempt = video.play();
    attempt?.catch(() => {
      // Sound without a gesture is refused: fall back to muted, which browsers allow.
      if (!video.muted) {
        setMuted(true);
        video.play().catch(() => slide.node.classList.add("is-paused"));
      } else {
        slide.node.classList.add("is-paused");
      }
    });
  }

  function activate(index) {
    if (index === active || !slides[index]) return;
    const previous = slides[active];
    if (previous) {
      previous.video.pause();
      previous.node.classList.remove("is-active", "is-paused");
      events.hidden(previous.item);
      adReports.hidden(previous.item);
    }
    active = index;
    const slide = slides[index];
    slide.node.classList.add("is-active");
    slide.node.classList.remove("is-paused");
    events.shown(slide.item);
    adReports.shown(slide.item);
    slide.video.preload = "auto";
    attach(slide.video, slide.item.master_url).then(() => active === index && play(slide));
    for (let i = index + 1; i <= index + PRELOAD_AHEAD && i < slides.length; i += 1) {
      slides[i].video.preload = "auto";
      attach(slides[i].video, slides[i].item.master_url);
    }
    slides.forEach((other, i) => {
      if (Math.abs(i - index) > KEEP_ATTACHED) {
        detach(other.video);
        other.node.classList.remove("is-playing");
      }
    });
    if (viewer() && viewer() !== slide.item.creator.handle) {
      followState(slide.item.creator).then((following) => setFollowing(slide.item.creator.handle, following));
    }
    if (slides.length - index <= LOAD_MORE_WITHIN) more();
    onActive?.(slide.item, index);
  }

  function go(step) {
    const target = Math.max(0, Math.min(slides.length - 1, (active < 0 ? 0 : active) + step));
    if (target !== active && slides[target]) slides[target].node.scrollIntoView({ behavior: "smooth", block: "start" });
    else if (step > 0) more();
  }

  function onKey(event) {
    if (commentsOpen() || productOpen() || whyOpen() || menuOpen() || reportOpen() || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    const step = { ArrowDown: 1, j: 1, PageDown: 1, ArrowUp: -1, k: -1, PageUp: -1 }[event.key];
    if (step) {
      event.preventDefault();
      go(step);
    } else if (event.key === "m") {
      setMuted(!sound.muted);
    } else if (event.key === " " && slides[active]) {
      event.preventDefault();
      const { video } = slides[active];
      if (video.paused) play(slides[active]);
      else video.pause();
    } else if (event.key === "l" && slides[active]) {
      toggleLike(slides[active]);
    }
  }

  // Wheels and trackpads send bursts of small deltas: move one video per gesture, not per event.
  function onWheel(event) {
    if (commentsOpen() || productOpen() || whyOpen() || reportOpen() || Math.abs(event.deltaY) < Math.abs(event.deltaX)) return;
    event.preventDefault();
    const now = performance.now();
    if (now < wheelLock) return;
    wheelSum += event.deltaY;
    if (Math.abs(wheelSum) >= 40) {
      go(wheelSum > 0 ? 1 : -1);
      wheelSum = 0;
      wheelLock = now + 550;
    }
  }

  root.addEventListener("wheel", onWheel, { passive: false });
  document.addEventListener("keydown", onKey);
  document.addEventListener("visibilitychange", () => {
    const slide = slides[active];
    if (!slide || destroyed) return;
    if (document.visibilityState === "hidden") {
      slide.video.pause();
      adReports.hidden(slide.item);
    } else {
      play(slide);
      adReports.shown(slide.item);
    }
  });

  append(initial);
  if (slides.length) {
    root.setAttribute("aria-busy", "false");
    const start = Math.min(startAt, slides.length - 1);
    slides[start].node.scrollIntoView({ block: "start" });
    requestAnimationFrame(() => activate(start));
    if (next !== null && slides.length - start <= LOAD_MORE_WITHIN) more();
  } else {
    more();
  }

  return {
    go,
    get active() {
      return slides[active] || null;
    },
    destroy() {
      destroyed = true;
      observer.disconnect();
      document.removeEventListener("keydown", onKey);
      closeComments();
      closeProduct();
      closeWhy();
      for (const slide of slides) detach(slide.video);
      events.flush({ leaving: true });
      clearInterval(events.timer);
      adReports.stop();
    },
  };
}

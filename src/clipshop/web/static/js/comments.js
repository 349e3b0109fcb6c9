// The comments bottom sheet: top-level comments, replies one level deep, and a composer.

import { api, loginUrl, viewer, withCursor } from "./api.js";
import { openReport } from "./report-dialog.js";
import { avatar, captionNodes, el, formatCount, icon, timeAgo, toast } from "./ui.js";

let sheet = null;

function build() {
  const count = el("span", { "data-comment-count": "" }, "0");
  const noun = el("span", {}, " comments");
  const list = el("ul.comments", { "data-comments": "" });
  const more = el("button.link.more", { type: "button", hidden: true }, "Load more comments");
  const empty = el("p.sheet-empty.muted", { hidden: true }, "No comments yet. Start the conversation.");
  const status = el("div.sheet-status", {}, el("span.spinner", { "aria-hidden": "true" }));
  const replying = el("div.replying", { hidden: true });
  const input = el("input", {
    type: "text", name: "body", maxlength: "500", autocomplete: "off", placeholder: "Add a comment…",
    "aria-label": "Add a comment",
  });
  const send = el("button.send", { type: "submit", disabled: true, "aria-label": "Post comment" }, "Post");
  const composer = viewer()
    ? el("form.composer", {}, replying, el("div.composer-row", {}, avatar({ handle: viewer() }, "avatar avatar-sm"), input, send))
    : el("div.composer.composer-anon", {}, el("a.btn.btn-primary.btn-block", { href: "/login", "data-login": "" }, "Log in to comment"));
  const close = el("button.icon-btn", { type: "button", "aria-label": "Close comments" }, icon("close"));
  const panel = el("section.sheet", { role: "dialog", "aria-modal": "true", "aria-label": "Comments", tabindex: "-1" },
    el("header.sheet-head", {}, el("h2", {}, count, noun), close),
    el("div.sheet-body", {}, status, list, empty, more),
    composer,
  );
  const backdrop = el("div.sheet-backdrop");
  const root = el("div.sheet-root", { hidden: true }, backdrop, panel);
  document.body.append(root);

  const state = { root, panel, list, more, empty, status, count, noun, input, send, replying, item: null, cursor: null,
    parent: null, onCount: null };
  backdrop.addEventListener("click", closeComments);
  close.addEventListener("click", closeComments);
  more.addEventListener("click", () => loadPage(state));
  root.addEventListener("keydown", (event) => {
    event.stopPropagation(); // j/k and arrows belong to the sheet while it is open
    if (event.key === "Escape") closeComments();
  });
  input.addEventListener("input", () => { send.disabled = !input.value.trim(); });
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    post(state);
  });
  return state;
}

function commentNode(state, comment, { reply = false } = {}) {
  const replyButton = el("button.link.reply-btn", { type: "button" }, "Reply");
  const body = el("p.comment-text", {}, captionNodes(comment.body));
  // Anyone's comment but one's own may be reported (a visitor is sent to log in first).
  const reportButton = comment.author.handle === viewer()
    ? null
    : el("button.link.report-btn", { type: "button", "aria-label": `Report @${comment.author.handle}'s comment` }, "Report");
  const meta = el("div.comment-meta", {}, el("span", {}, timeAgo(comment.created_at)), replyButton, reportButton);
  const node = el("li.comment", { dataset: { id: comment.id } },
    el("a.comment-avatar", { href: `/@${comment.author.handle}`, "aria-label": `@${comment.author.handle}` },
      avatar(comment.author, "avatar avatar-sm")),
    el("div.comment-main", {},
      el("a.comment-author", { href: `/@${comment.author.handle}` }, comment.author.display_name || comment.author.handle,
        comment.author.handle === state.item?.creator.handle ? el("span.creator-badge", {}, "Creator") : null),
      body, meta),
  );
  const parentId = reply ? comment.parent_id : comment.id;
  replyButton.addEventListener("click", () => startReply(state, parentId, comment.author.handle));
  reportButton?.addEventListener("click", () => openReport({
    kind: "comment", id: comment.id, what: `@${comment.author.handle}: “${comment.body.slice(0, 80)}${comment.body.length > 80 ? "…" : ""}”`,
    next: `/v/${state.item.id}`, opener: reportButton,
  }));
  if (!reply) {
    const replies = el("ul.replies");
    const toggle = el("button.link.replies-toggle", { type: "button", hidden: comment.reply_count === 0 });
    const label = (n) => `View ${n} ${n === 1 ? "reply" : "replies"}`;
    toggle.textContent = label(comment.reply_count);
    let cursor = null;
    toggle.addEventListener("click", async () => {
      toggle.disabled = true;
      try {
        const page = await api(withCursor(`/api/v1/comments/${comment.id}/replies`, cursor));
        const shown = new Set([...replies.children].map((li) => li.dataset.id));
        for (const item of page.items) if (!shown.has(item.id)) replies.append(commentNode(state, item, { reply: true }));
        cursor = page.next_cursor;
        toggle.textContent = cursor ? "View more replies" : "";
        toggle.hidden = !cursor;
      } catch (error) {
        toast(error.message, { error: true });
      } finally {
        toggle.disabled = false;
      }
    });
    node.querySelector(".comment-main").append(replies, toggle);
    node.addReply = (item) => replies.append(commentNode(state, item, { reply: true }));
  }
  return node;
}

function startReply(state, parentId, handle) {
  if (!viewer()) {
    location.assign(loginUrl(`/v/${state.item.id}`));
    return;
  }
  state.parent = parentId;
  state.replying.replaceChildren(
    el("span", {}, "Replying to ", el("b", {}, `@${handle}`)),
    el("button.link", { type: "button", onclick: () => cancelReply(state), "aria-label": "Cancel reply" }, icon("close", "icon icon-xs")),
  );
  state.replying.hidden = false;
  if (!state.input.value.startsWith(`@${handle} `)) state.input.value = `@${handle} ${state.input.value}`;
  state.send.disabled = !state.input.value.trim();
  state.input.focus();
}

function cancelReply(state) {
  state.parent = null;
  state.replying.hidden = true;
}

async function loadPage(state) {
  const item = state.item;
  state.more.disabled = true;
  try {
    const page = await api(withCursor(`/api/v1/videos/${item.id}/comments`, state.cursor));
    if (state.item !== item) return;
    for (const comment of page.items) state.list.append(commentNode(state, comment));
    state.cursor = page.next_cursor;
    state.more.hidden = !state.cursor;
    state.empty.hidden = state.list.children.length > 0;
  } catch (error) {
    toast(error.message, { error: true });
  } finally {
    state.status.hidden = true;
    state.more.disabled = false;
  }
}

async function post(state) {
  const text = state.input.value.trim();
  if (!text) return;
  state.send.disabled = true;
  state.input.disabled = true;
  try {
    const comment = await api(`/api/v1/videos/${state.item.id}/comments`, {
      method: "POST", body: { body: text, parent_id: state.parent },
    });
    if (comment.parent_id) {
      const parent = state.list.querySelector(`li.comment[data-id="${CSS.escape(comment.parent_id)}"]`);
      parent?.addReply(comment);
    } else {
      state.list.prepend(commentNode(state, comment));
      state.list.firstElementChild.scrollIntoView({ block: "nearest" });
    }
    state.empty.hidden = true;
    state.input.value = "";
    cancelReply(state);
    setCount(state, Number(state.count.dataset.value) + 1);
    state.onCount?.(1);
  } catch (error) {
    if (error.status === 401) location.assign(loginUrl(`/v/${state.item.id}`));
    else toast(error.message, { error: true });
  } finally {
    state.input.disabled = false;
    state.send.disabled = !state.input.value.trim();
    state.input.focus();
  }
}

function setCount(state, n) {
  state.count.dataset.value = String(n);
  state.count.textContent = formatCount(n);
  state.noun.textContent = n === 1 ? " comment" : " comments";
}

/** Open the sheet for a feed item; `onCount(delta)` hears about comments posted from it. */
export function openComments(item, { onCount } = {}) {
  sheet ??= build();
  Object.assign(sheet, { item, cursor: null, parent: null, onCount });
  sheet.list.replaceChildren();
  sheet.more.hidden = true;
  sheet.empty.hidden = true;
  sheet.status.hidden = false;
  sheet.input.value = "";
  cancelReply(sheet);
  setCount(sheet, item.counts.comments);
  const login = sheet.root.querySelector("[data-login]");
  if (login) login.href = loginUrl(`/v/${item.id}`);
  sheet.root.hidden = false;
  requestAnimationFrame(() => sheet.root.classList.add("is-open"));
  sheet.panel.focus({ preventScroll: true });
  loadPage(sheet);
}

export function closeComments() {
  if (!sheet || sheet.root.hidden) return;
  sheet.root.classList.remove("is-open");
  sheet.root.hidden = true;
  document.getElementById("feed")?.focus({ preventScroll: true });
}

export function commentsOpen() {
  return Boolean(sheet && !sheet.root.hidden);
}

// The inbox: notifications grouped as the server words them, newest first, a page at a time. Opening it
// marks what it shows read (the lines stay marked as new on this visit) and clears the badge.

import { api, withCursor } from "./api.js";
import { avatar, el, icon, setInboxCount, timeAgo, toast } from "./ui.js";

const root = document.getElementById("inbox-list");
const more = document.getElementById("inbox-more");
const markAll = document.getElementById("inbox-mark-all");
const list = el("ul.inbox-list");
let cursor = null;

const ICONS = {
  like: "heart",
  comment: "comment",
  reply: "comment",
  follow: "friends",
  order_paid: "box",
  order_shipped: "box",
  order_delivered: "box",
  order_refunded: "box",
  commission: "wallet",
  moderation: "bell",
  appeal: "bell",
};

function picture(item) {
  const [first] = item.people;
  if (first) return avatar(first, "avatar inbox-avatar");
  return el("span.inbox-kind", {}, icon(ICONS[item.kind] || "bell"));
}

function line(item) {
  const body = [
    picture(item),
    el("span.inbox-text", {},
      el("span.inbox-words", {}, item.text),
      el("span.inbox-when.muted", {}, timeAgo(item.latest_at))),
  ];
  if (!item.read) body.push(el("span.inbox-dot", { title: "New" }, el("span.sr-only", {}, "New")));
  const row = item.link
    ? el("a.inbox-line", { href: item.link }, body)
    : el("div.inbox-line", {}, body);
  return el("li", { dataset: { notificationId: item.id, kind: item.kind, read: String(item.read) } }, row);
}

function empty() {
  return el("div.empty-state", {},
    el("span.empty-icon", {}, icon("bell")),
    el("h2", {}, "Nothing here yet"),
    el("p.muted", {}, "When people like or comment on your videos, follow you, or your orders move, you'll see it here."),
    el("a.btn.btn-primary", { href: "/" }, "Go to For You"));
}

async function markRead(upTo) {
  try {
    const result = await api("/api/v1/me/inbox/read", { method: "POST", body: upTo ? { up_to: upTo } : {} });
    setInboxCount(result.unread);
    // Only lines that arrived after this page loaded can still be unread.
    markAll.hidden = result.unread === 0;
  } catch (error) {
    toast(error.message, { error: true });
  }
}

async function load() {
  more.disabled = true;
  try {
    const page = await api(withCursor("/api/v1/me/inbox", cursor, { limit: "20" }));
    const first = cursor === null;
    cursor = page.next_cursor;
    if (first) {
      if (page.items.length === 0) {
        root.replaceChildren(empty());
        setInboxCount(0);
        return;
      }
      root.replaceChildren(list);
      // Everything from the newest line shown down is seen now; what arrives meanwhile stays unread.
      if (page.unread > 0) await markRead(page.items[0].id);
      else setInboxCount(0);
    }
    list.append(...page.items.map(line));
    more.hidden = !cursor;
  } catch (error) {
    if (cursor === null) root.replaceChildren(el("div.empty-state", {}, el("h2", {}, "Couldn't load your inbox"), el("p.muted", {}, error.message)));
    else toast(error.message, { error: true });
  } finally {
    more.disabled = false;
  }
}

more.addEventListener("click", load);
markAll.addEventListener("click", async () => {
  markAll.disabled = true;
  await markRead(null);
  for (const node of list.querySelectorAll(".inbox-dot")) node.remove();
  for (const node of list.querySelectorAll("li")) node.dataset.read = "true";
  markAll.disabled = false;
});

load();

// Small DOM helpers shared by every page: element builder, icons, avatars, captions, numbers, toasts, the
// cart and inbox badges.

const SVG = "http://www.w3.org/2000/svg";

/** el("a.creator", {href: "/"}, "text", child) — classes after dots; attributes; children (strings are text). */
export function el(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    // Through the CSS object model: the content security policy refuses a `style` attribute.
    else if (key === "style") node.style.cssText = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function icon(name, className = "icon") {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", className);
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS(SVG, "use");
  use.setAttribute("href", `#i-${name}`);
  svg.append(use);
  return svg;
}

const HUES = [340, 190, 265, 28, 150, 210, 0, 45];

function hueOf(text) {
  let hash = 0;
  for (const ch of text) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return HUES[hash % HUES.length];
}

/** An avatar: the picture when there is one, otherwise the first letter on a colour picked from the handle. */
export function avatar(person, className = "avatar") {
  const node = el(`span.${className.split(" ").join(".")}`, { "aria-hidden": "true" });
  fillAvatar(node, person);
  return node;
}

export function fillAvatar(node, { handle = "", display_name: name = "", avatar_url: url = null }) {
  node.replaceChildren();
  if (url) {
    node.append(el("img", { src: url, alt: "", loading: "lazy", decoding: "async" }));
    return;
  }
  const hue = hueOf(handle || name);
  node.style.background = `linear-gradient(135deg, hsl(${hue} 80% 58%), hsl(${(hue + 40) % 360} 75% 45%))`;
  node.textContent = (name || handle || "?").trim().charAt(0).toUpperCase();
}

/** Caption text with #hashtags linked to their page and @mentions to profiles. */
export function captionNodes(text) {
  const nodes = [];
  const pattern = /([#@])([\p{L}\p{N}_.]*[\p{L}\p{N}_])/gu;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const before = match.index > 0 ? text[match.index - 1] : " ";
    if (/[\p{L}\p{N}_]/u.test(before)) continue; // an email address or a word with # inside
    if (match.index > last) nodes.push(text.slice(last, match.index));
    const [whole, mark, word] = match;
    const href = mark === "#" ? `/tag/${encodeURIComponent(word.toLowerCase())}` : `/@${encodeURIComponent(word.toLowerCase())}`;
    nodes.push(el(`a.${mark === "#" ? "hashtag" : "mention"}`, { href }, whole));
    last = match.index + whole.length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

export function formatCount(n) {
  const value = Number(n) || 0;
  if (value < 1000) return String(value);
  const [unit, size] = value >= 1e9 ? ["B", 1e9] : value >= 1e6 ? ["M", 1e6] : ["K", 1e3];
  const scaled = value / size;
  return `${scaled >= 100 ? Math.floor(scaled) : Math.floor(scaled * 10) / 10}${unit}`;
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[i]}`;
}

export function timeAgo(iso) {
  const then = new Date(iso).getTime();
  const seconds = Math.max(0, (Date.now() - then) / 1000);
  if (seconds < 60) return "just now";
  const steps = [[60, "m"], [24, "h"], [7, "d"], [4.35, "w"]];
  let value = seconds / 60;
  for (const [size, unit] of steps) {
    if (value < size) return `${Math.floor(value)}${unit} ago`;
    value /= size;
  }
  return new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

let toastTimer = 0;

export function toast(message, { error = false, ms = 2600 } = {}) {
  const node = document.getElementById("toast");
  if (!node) return;
  node.textContent = message;
  node.classList.toggle("is-error", error);
  node.classList.add("is-shown");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => node.classList.remove("is-shown"), ms);
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const field = el("textarea", { readonly: true, style: "position:fixed;opacity:0" }, text);
    document.body.append(field);
    field.select();
    const ok = document.execCommand("copy");
    field.remove();
    return ok;
  }
}

/** The number on the cart in the navigation (and in its accessible name). */
export function setCartCount(count) {
  const n = Math.max(0, Number(count) || 0);
  for (const badge of document.querySelectorAll("[data-cart-count]")) {
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0;
    badge.closest("a")?.setAttribute("aria-label", n ? `Cart, ${n} ${n === 1 ? "item" : "items"}` : "Cart");
  }
}

/** The number of unread lines on the inbox in the navigation (and in its accessible name). */
export function setInboxCount(count) {
  const n = Math.max(0, Number(count) || 0);
  for (const badge of document.querySelectorAll("[data-inbox-count]")) {
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0;
    badge.closest("a")?.setAttribute("aria-label", n ? `Inbox, ${n} unread` : "Inbox");
  }
}

/** A date and time as people read it: "Jun 1, 2026, 2:05 PM". */
export function formatWhen(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function formatDay(iso) {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" });
}

let openMenuNode = null;

function closeMenu() {
  if (!openMenuNode) return;
  const { node, opener } = openMenuNode;
  openMenuNode = null;
  node.remove();
  opener.setAttribute("aria-expanded", "false");
  if (opener.isConnected) opener.focus({ preventScroll: true });
}

/** A small menu under (or above) `opener`: `entries` are {label, danger, onSelect}; closes on a choice,
 * Escape or a click elsewhere. Positioned through the CSS object model (the policy refuses style attributes). */
export function openMenu(opener, entries) {
  closeMenu();
  const items = entries.map(({ label, danger = false, onSelect }) => {
    const item = el(`button.menu-item${danger ? ".is-danger" : ""}`, { type: "button", role: "menuitem" }, label);
    item.addEventListener("click", (event) => {
      event.stopPropagation();
      closeMenu();
      onSelect();
    });
    return item;
  });
  const node = el("div.popover-menu", { role: "menu" }, items);
  node.addEventListener("keydown", (event) => {
    event.stopPropagation(); // the feed's keys must not move the video behind the menu
    if (event.key === "Escape") closeMenu();
  });
  document.body.append(node);
  const box = opener.getBoundingClientRect();
  const below = box.bottom + node.offsetHeight + 8 < window.innerHeight;
  node.style.top = `${Math.max(8, below ? box.bottom + 6 : box.top - node.offsetHeight - 6)}px`;
  node.style.left = `${Math.max(8, Math.min(window.innerWidth - node.offsetWidth - 8, box.right - node.offsetWidth))}px`;
  opener.setAttribute("aria-expanded", "true");
  openMenuNode = { node, opener };
  items[0]?.focus({ preventScroll: true });
  setTimeout(() => document.addEventListener("click", function outside(event) {
    if (!openMenuNode || openMenuNode.node !== node) return document.removeEventListener("click", outside);
    if (!node.contains(event.target)) {
      document.removeEventListener("click", outside);
      closeMenu();
    }
  }), 0);
}

export function menuOpen() {
  return Boolean(openMenuNode);
}

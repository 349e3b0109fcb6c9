// The JSON API client: same-origin fetch (the session cookie goes along), problem details turned into errors.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `Request failed (${status})`);
    this.status = status;
    this.code = problem.code || `http_${status}`;
    this.field = problem.field || null;
    this.problem = problem;
  }
}

export async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { detail: `The server answered ${response.status}; try again in a moment.` };
  }
}

/** Call the API; `body` goes as JSON, or as it is when `contentType` names another type (a CSV upload). */
export async function api(path, { method = "GET", body, headers = {}, keepalive = false, contentType } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin", keepalive };
  if (body !== undefined) {
    init.headers["Content-Type"] = contentType || "application/json";
    init.body = contentType ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path.startsWith("/") ? path : `/api/v1/${path}`, init);
  } catch {
    throw new ApiError(0, { code: "network", detail: "You seem to be offline; check the connection and try again." });
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (response.status === 204) return null;
  return response.json();
}

export function withCursor(path, cursor, extra = {}) {
  const params = new URLSearchParams(extra);
  if (cursor) params.set("cursor", cursor);
  const query = params.toString();
  return query ? `${path}${path.includes("?") ? "&" : "?"}${query}` : path;
}

/** The handle of who is logged in, as the server rendered it into the page; "" for a visitor. */
export function viewer() {
  return document.body.dataset.viewer || "";
}

/** The id of who is logged in (to know their own things in an answer); "" for a visitor. */
export function viewerId() {
  return document.body.dataset.viewerId || "";
}

export function loginUrl(next = location.pathname + location.search) {
  return `/login?next=${encodeURIComponent(next)}`;
}

/** True when logged in; otherwise sends the visitor to log in and come back to `next`. */
export function requireLogin(next) {
  if (viewer()) return true;
  location.assign(loginUrl(next));
  return false;
}

export function safeNext(value) {
  return value && /^\/(?![/\\])\S*$/.test(value) ? value : "/";
}

/** A fresh Idempotency-Key. randomUUID needs a secure context; plain http on a LAN address falls back. */
export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

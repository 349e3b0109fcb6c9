// An operator's view of a region's access audit log: newest decisions first, filtered by actor, purpose and
// result, paged back by sequence number.

import { api } from "./api.js";
import { el } from "./ui.js";

const form = document.getElementById("audit-filters");
const root = document.getElementById("audit-entries");
const more = document.getElementById("audit-more");
const PAGE = 50;
let oldest = null;

function query(before) {
  const data = new FormData(form);
  const params = new URLSearchParams({ limit: String(PAGE) });
  for (const name of ["actor", "purpose", "result"]) if (data.get(name)) params.set(name, String(data.get(name)));
  if (before) params.set("before", String(before));
  return `/api/v1/operator/audit/${encodeURIComponent(String(data.get("region")))}?${params}`;
}

function row(entry) {
  const when = new Date(entry.at).toLocaleString();
  return el("tr", { dataset: { seq: entry.seq, result: entry.result } },
    el("td.num", {}, String(entry.seq)),
    el("td", {}, when),
    el("td", {}, el("code", {}, entry.actor_id)),
    el("td", {}, `${entry.role} · ${entry.jurisdiction}`),
    el("td", {}, `${entry.data_class} for ${entry.purpose}`),
    el("td", {}, entry.records.length ? entry.records.join(", ") : "—"),
    el("td", {}, entry.reason || "—"),
    el(`td.${entry.result === "denied" ? "status-bad" : "status-ok"}`, {}, entry.result),
  );
}

async function show(append = false) {
  const entries = await api(query(append ? oldest : null));
  oldest = entries.length ? entries[entries.length - 1].seq : oldest;
  more.hidden = entries.length < PAGE;
  const rows = entries.map(row);
  if (append) {
    root.querySelector("tbody")?.append(...rows);
    return;
  }
  if (rows.length === 0) {
    root.replaceChildren(el("p.muted", {}, "No decision matches."));
    return;
  }
  root.replaceChildren(el("table.table", {},
    el("thead", {}, el("tr", {}, ["#", "When", "Actor", "Role", "Asked", "Records", "Why", "Result"].map((h) => el("th", {}, h)))),
    el("tbody", {}, rows)));
}

function failed(error) {
  root.replaceChildren(el("p.error", { role: "alert" }, error.message || "Could not load the audit log."));
}

form.addEventListener("submit", (event) => { event.preventDefault(); show().catch(failed); });
more.addEventListener("click", () => show(true).catch(failed));
show().catch(failed);

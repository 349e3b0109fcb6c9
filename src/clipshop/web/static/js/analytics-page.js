// A creator's analytics: totals, views per day as bars with watch time as a line, traffic sources, audience
// by region (suppressed regions shown as such), top videos and a table per day; for every video or one.

import { api } from "./api.js";
import { dayChart, dayLabel } from "./chart.js";
import { formatNumber, formatPercent, formatSeconds, regionsTable, statTiles } from "./figures.js";
import { table } from "./money-book.js";
import { el } from "./ui.js";

const $ = (id) => document.getElementById(id);
const MIN_GROUP = Number($("analytics-page").dataset.minGroup);
const videoSelect = $("analytics-video");
const daysSelect = $("analytics-days");
const SOURCES = {
  for_you: "For You", following: "Following", profile: "Your profile", search: "Search", shop: "Shop pages",
  hashtag: "Hashtag pages", ad: "Ads", other: "Elsewhere",
};
let asked = 0;

const failed = (error) => el("p.form-error", { role: "alert" }, error.message);

function describeVideo(id, captions) {
  return captions.get(id) || "A video";
}

async function load() {
  const ticket = ++asked;
  const days = Number(daysSelect.value);
  const video = videoSelect.value;
  const path = video ? `/api/v1/videos/${encodeURIComponent(video)}/analytics?days=${days}` : `/api/v1/me/analytics?days=${days}`;
  history.replaceState(null, "", video ? `${location.pathname}?video=${encodeURIComponent(video)}` : location.pathname);
  let body;
  try {
    body = await api(path);
  } catch (error) {
    $("analytics-chart").replaceChildren(failed(error));
    return;
  }
  if (ticket !== asked) return; // a newer choice answered first
  show(body, days, Boolean(video));
}

function show(body, days, single) {
  const { totals } = body;
  const captions = new Map([...videoSelect.options].map((o) => [o.value, o.textContent]));
  $("analytics-tiles").replaceChildren(...statTiles([
    { key: "views", label: "Views", value: formatNumber(totals.views) },
    { key: "watch_time", label: "Watch time", value: formatSeconds(totals.watch_time_s) },
    { key: "avg_watch_share", label: "Average watched", value: formatPercent(totals.avg_watch_share) },
    { key: "completion_rate", label: "Watched to the end", value: formatPercent(totals.completion_rate) },
    single ? null : { key: "followers_gained", label: "New followers", value: formatNumber(totals.followers_gained) },
    { key: "ad_impressions", label: "Ad impressions", value: formatNumber(totals.ad_impressions) },
  ].filter(Boolean)));

  const root = $("analytics-chart");
  root.replaceChildren(dayChart(body.days, {
    days, id: "analytics", width: root.clientWidth,
    bars: { key: "views", label: "Views", format: formatNumber, whole: true, className: "views-bar", data: "views" },
    line: { key: "watch_time_s", label: "Watch time", format: formatSeconds, className: "watch-line" },
    describe: (d) => `${dayLabel(d.day)}: ${formatNumber(d.bar)} views, ${formatSeconds(d.line)} watched`,
    summary: () => `${formatNumber(totals.views)} views and ${formatSeconds(totals.watch_time_s)} watched in the last ${days} days`,
  }));
  const note = $("analytics-note");
  note.hidden = !totals.excludes_suppressed;
  note.textContent = totals.excludes_suppressed
    ? `Regions with fewer than ${MIN_GROUP} people behind their figures are suppressed: they are left out of every figure here.`
    : "";

  $("analytics-sources").replaceChildren(el("ul.source-bars", {}, body.sources.filter((s) => s.views || s.source !== "other").map((s) =>
    el("li.source-bar", { dataset: { source: s.source } },
      el("span.source-name", {}, SOURCES[s.source] || s.source),
      el("span.source-track", { "aria-hidden": "true" }, el("span.source-fill", { style: `width: ${Math.round((s.share || 0) * 100)}%` })),
      el("span.source-value", {}, `${formatNumber(s.views)} · ${formatPercent(s.share)}`)))));

  $("analytics-regions").replaceChildren(regionsTable(body.regions, [["Viewers", "viewers"], ["Views", "views"]], { minGroup: MIN_GROUP }));

  const open = (id) => {
    const link = el("button.link", { type: "button" }, describeVideo(id, captions));
    link.addEventListener("click", () => {
      videoSelect.value = id;
      load();
    });
    return link;
  };
  $("top-videos-panel").hidden = single;
  $("analytics-videos").replaceChildren(table([["Video"], ["Views", true], ["Watch time", true], ["Average watched", true], ["To the end", true], ["Ad impressions", true], ["Ad clicks", true]],
    body.videos.map((v) => el("tr", { dataset: { videoId: v.video_id } },
      el("td", {}, open(v.video_id), " ", el("a.line-meta", { href: `/v/${encodeURIComponent(v.video_id)}` }, "watch")),
      el("td.num", {}, formatNumber(v.views)), el("td.num", {}, formatSeconds(v.watch_time_s)),
      el("td.num", {}, formatPercent(v.avg_watch_share)), el("td.num", {}, formatPercent(v.completion_rate)),
      el("td.num", {}, formatNumber(v.ad_impressions)), el("td.num", {}, formatNumber(v.ad_clicks)))),
    { empty: "No views in this period yet." }));

  const rows = [...body.days].reverse().map((d) => el("tr", { dataset: { day: d.day } },
    el("th", { scope: "row" }, dayLabel(d.day, { month: "short", day: "numeric", year: "numeric" })),
    el("td.num", { dataset: { figure: "views" } }, formatNumber(d.views)),
    el("td.num", {}, formatSeconds(d.watch_time_s)),
    el("td.num", {}, formatPercent(d.avg_watch_share)),
    el("td.num", {}, formatPercent(d.completion_rate)),
    single ? null : el("td.num", {}, formatNumber(d.followers_gained))));
  $("analytics-table").replaceChildren(table([["Day"], ["Views", true], ["Watch time", true], ["Average watched", true], ["To the end", true],
    ...(single ? [] : [["New followers", true]])], rows));
}

async function start() {
  const videos = await api("/api/v1/videos/mine").catch(() => []);
  videoSelect.append(...videos.map((v) => el("option", { value: v.id }, v.caption || `Video of ${new Date(v.created_at).toLocaleDateString()}`)));
  const wanted = new URLSearchParams(location.search).get("video");
  if (wanted && videos.some((v) => v.id === wanted)) videoSelect.value = wanted;
  for (const control of [videoSelect, daysSelect]) control.addEventListener("change", load);
  await load();
}

start();

// The ads manager: advertiser accounts (open one, switch), the prepaid balance and its top-ups, the report
// (chart, totals, a table per day and one per viewer region, CSV), campaigns (create, edit, pause, resume),
// a campaign's ad groups and their ads with their review, and the daily statements (the days with a
// movement).

import { api, newIdempotencyKey } from "./api.js";
import { dayChart, dayLabel } from "./chart.js";
import { formatNumber, formatPercent, formatSpend, formatTimes, regionsTable, statTiles } from "./figures.js";
import { busy, clearErrors, clearOnInput, showError, values } from "./forms.js";
import { table } from "./money-book.js";
import { formatMoney, moneyInput, parseMoney } from "./money.js";
import { statusChip } from "./orders.js";
import { el, formatWhen, toast } from "./ui.js";

const $ = (id) => document.getElementById(id);
const page = $("ads-page");
const REGIONS = page.dataset.regions.split(" ").filter(Boolean);
const MIN_GROUP = Number(page.dataset.minGroup);
const failed = (error) => el("p.form-error", { role: "alert" }, error.message);
const loading = () => el("div.loading", {}, el("span.spinner", { "aria-hidden": "true" }));

const OBJECTIVES = { views: "Views", product_visits: "Product visits", purchases: "Purchases" };
const BID_TYPES = { cpm: "CPM (per 1000 viewable impressions)", cpc: "CPC (per click)", ocpm: "Optimised CPM (target cost per purchase)" };
const PAUSED_BECAUSE = { advertiser: "paused by you", balance: "the balance ran out", budget: "the lifetime budget is spent",
  suspended: "the account is suspended" };
const LINE_LABELS = { impressions: "Impressions", clicks: "Clicks", reach: "Reach", conversions: "Conversions" };

const state = { accounts: [], account: null, campaigns: [], detail: null, videos: null, editing: null };
const money = (minor) => formatMoney(minor, state.account.currency);
const counted = (n, noun) => `${formatNumber(n)} ${n === 1 ? noun : `${noun}s`}`;

// -- accounts -------------------------------------------------------------------------------------------------

const accountForm = $("new-account");
const accountSelect = document.querySelector("#account-switch select");
clearOnInput(accountForm);
accountForm.elements.namedItem("kind").addEventListener("change", (event) => {
  accountForm.querySelector("[data-shop-field]").hidden = event.target.value !== "shop";
});

function showAccountForm(open) {
  accountForm.hidden = !open;
  $("new-account-cancel").hidden = state.accounts.length === 0;
  $("account").hidden = open || !state.account;
  if (open) accountForm.elements.namedItem("name").focus();
}

$("new-account-start").addEventListener("click", () => showAccountForm(true));
$("new-account-cancel").addEventListener("click", () => showAccountForm(false));
accountForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(accountForm);
  const body = values(accountForm);
  if (!body.name) {
    showError(accountForm, { field: "name", message: "Name the account: it is shown on your ads." });
    return;
  }
  if (body.kind !== "shop") delete body.shop_id;
  const button = accountForm.querySelector("[type=submit]");
  busy(button, true);
  try {
    const created = await api("/api/v1/advertisers", { method: "POST", body });
    state.accounts.push(created);
    toast(`${created.name} is open: top up its balance to start`);
    accountForm.reset();
    showAccountForm(false);
    listAccounts();
    chooseAccount(created.id);
  } catch (error) {
    showError(accountForm, error);
  } finally {
    busy(button, false);
  }
});

function listAccounts() {
  accountSelect.replaceChildren(...state.accounts.map((a) => el("option", { value: a.id }, `${a.name} (${a.currency})`)));
  $("account-switch").hidden = state.accounts.length < 2;
  $("new-account-start").hidden = state.accounts.length === 0;
}

accountSelect.addEventListener("change", () => chooseAccount(accountSelect.value));

function chooseAccount(id) {
  state.account = state.accounts.find((a) => a.id === id) || state.accounts[0];
  accountSelect.value = state.account.id;
  history.replaceState(null, "", `${location.pathname}?account=${encodeURIComponent(state.account.id)}`);
  for (const node of document.querySelectorAll("[data-currency]")) node.textContent = state.account.currency;
  $("account").hidden = false;
  closeDetail();
  showBalance();
  loadTopups();
  loadCampaigns().then(() => loadReport());
  loadStatements();
}

// -- balance and top-ups ----------------------------------------------------------------------------------------

function showBalance() {
  $("balance").textContent = money(state.account.balance);
}

async function refreshAccount() {
  try {
    state.account = Object.assign(state.account, await api(`/api/v1/advertisers/${state.account.id}`));
    showBalance();
  } catch (error) {
    toast(error.message, { error: true });
  }
}

const topupForm = $("topup-form");
clearOnInput(topupForm);
topupForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(topupForm);
  const form = values(topupForm);
  const amount = parseMoney(form.amount, state.account.currency);
  if (!amount) {
    showError(topupForm, { field: "amount", message: `Say how much to add, e.g. ${moneyInput(5000, state.account.currency)}.` });
    return;
  }
  const button = topupForm.querySelector("[type=submit]");
  busy(button, true);
  try {
    const topup = await api(`/api/v1/advertisers/${state.account.id}/topups`, {
      method: "POST", headers: { "Idempotency-Key": newIdempotencyKey() }, body: { amount, payment_method: form.payment_method },
    });
    if (topup.next_url) {
      location.assign(topup.next_url); // the provider's step (a bank's check); it brings the payer back
      return;
    }
    const sum = formatMoney(topup.amount, topup.currency);
    const said = { paid: `${sum} added`, pending: `${sum} on its way: it is added once the payment is confirmed`, failed: "The payment failed: nothing was added" };
    toast(said[topup.status] || `Top-up ${topup.status}`, { error: topup.status === "failed" });
    if (topup.status === "pending") waiting.add(topup.id);
    topupForm.reset();
    await Promise.all([refreshAccount(), loadTopups()]);
  } catch (error) {
    showError(topupForm, error);
  } finally {
    busy(button, false);
  }
});

// A top-up stays pending until the payment provider confirms it (a webhook, moments later): look again for a
// while, and fetch the balance again once one that was pending is settled.
const TOPUP_LOOKS = 20;
const TOPUP_EVERY_MS = 1500;
const waiting = new Set(); // top-ups last seen pending
let topupTimer = 0;

async function loadTopups({ looks = TOPUP_LOOKS } = {}) {
  const root = $("topups");
  const account = state.account;
  clearTimeout(topupTimer);
  try {
    const topups = await api(`/api/v1/advertisers/${account.id}/topups`);
    if (state.account !== account) return;
    root.replaceChildren(table([["Date"], ["Status"], ["Amount", true]], topups.slice(0, 10).map((t) => el("tr", { dataset: { topupId: t.id } },
      el("td", {}, formatWhen(t.created_at)), el("td", {}, statusChip(t.status)), el("td.num", {}, formatMoney(t.amount, t.currency)))),
    { empty: "No top-ups yet." }));
    const pending = topups.filter((t) => t.status === "pending").map((t) => t.id);
    const settled = [...waiting].some((id) => !pending.includes(id));
    waiting.clear();
    for (const id of pending) waiting.add(id);
    if (settled) refreshAccount();
    if (pending.length && looks > 0) topupTimer = setTimeout(() => loadTopups({ looks: looks - 1 }), TOPUP_EVERY_MS);
  } catch (error) {
    root.replaceChildren(failed(error));
  }
}

// -- the report -------------------------------------------------------------------------------------------------

const reportCampaign = $("report-campaign");
const reportDays = $("report-days");
const reportLine = $("report-line");
let lastReport = null;
for (const control of [reportCampaign, reportDays]) control.addEventListener("change", () => loadReport());
reportLine.addEventListener("change", () => lastReport && drawChart(lastReport));

function reportQuery() {
  const params = new URLSearchParams({ days: reportDays.value });
  if (reportCampaign.value) params.set("campaign_id", reportCampaign.value);
  return params.toString();
}

async function loadReport() {
  const account = state.account;
  $("report-csv").href = `/api/v1/advertisers/${account.id}/report.csv?${reportQuery()}`;
  $("report-chart").replaceChildren(loading());
  try {
    const report = await api(`/api/v1/advertisers/${account.id}/report?${reportQuery()}`);
    if (state.account !== account) return; // another account was chosen meanwhile
    lastReport = report;
    showReport(report);
  } catch (error) {
    $("report-chart").replaceChildren(failed(error));
  }
}

function drawChart(report) {
  const root = $("report-chart");
  const key = reportLine.value;
  const { currency } = report;
  const days = Number(reportDays.value);
  root.replaceChildren(dayChart(report.days, {
    days, id: "ads-report", width: root.clientWidth,
    bars: { key: "spend", label: `Spend (${currency})`, format: (v) => formatSpend(v, currency), className: "spend-bar", data: "spend" },
    line: { key, label: LINE_LABELS[key], format: formatNumber, whole: true, className: "figure-line" },
    describe: (d) => `${dayLabel(d.day)}: ${formatSpend(d.bar, currency)} spent, ${formatNumber(d.line)} ${LINE_LABELS[key].toLowerCase()}`,
    summary: () => `${formatSpend(report.totals.spend, currency)} spent, ${counted(report.totals.impressions, "impression")} and ${counted(report.totals.clicks, "click")} in the last ${days} days`,
  }));
}

function showReport(report) {
  const { totals, currency } = report;
  const cost = (v) => (v === null ? "—" : formatSpend(v, currency));
  $("report-tiles").replaceChildren(...statTiles([
    { key: "spend", label: "Spend", value: formatSpend(totals.spend, currency) },
    { key: "impressions", label: "Impressions", value: formatNumber(totals.impressions) },
    { key: "reach", label: "Reach", value: formatNumber(totals.reach) },
    { key: "clicks", label: "Clicks", value: formatNumber(totals.clicks) },
    { key: "ctr", label: "CTR", value: formatPercent(totals.ctr) },
    { key: "conversions", label: "Purchases", value: formatNumber(totals.conversions) },
    { key: "conversion_rate", label: "Conversion rate", value: formatPercent(totals.conversion_rate) },
    { key: "cost_per_purchase", label: "Cost per purchase", value: cost(totals.cost_per_purchase) },
    { key: "roas", label: "ROAS", value: formatTimes(totals.roas) },
  ]));
  drawChart(report);
  const note = $("report-note");
  note.hidden = !totals.excludes_suppressed;
  note.textContent = totals.excludes_suppressed
    ? `Regions with fewer than ${MIN_GROUP} people behind their figures are suppressed: they are left out of the chart, the totals and the days.`
    : "";
  const rows = [...report.days].reverse().map((d) => el("tr", { dataset: { day: d.day } },
    el("th", { scope: "row" }, dayLabel(d.day, { month: "short", day: "numeric", year: "numeric" })),
    el("td.num", { dataset: { figure: "spend" } }, formatSpend(d.spend, currency)),
    el("td.num", { dataset: { figure: "impressions" } }, formatNumber(d.impressions)),
    el("td.num", {}, formatNumber(d.reach)),
    el("td.num", { dataset: { figure: "clicks" } }, formatNumber(d.clicks)),
    el("td.num", {}, formatPercent(d.ctr)),
    el("td.num", {}, formatNumber(d.conversions)),
    el("td.num", {}, formatPercent(d.conversion_rate)),
    el("td.num", {}, cost(d.cost_per_purchase)),
    el("td.num", {}, formatTimes(d.roas))));
  $("report-table").replaceChildren(table([["Day"], ["Spend", true], ["Impressions", true], ["Reach", true], ["Clicks", true], ["CTR", true],
    ["Purchases", true], ["Conv. rate", true], ["Cost / purchase", true], ["ROAS", true]], rows));
  $("report-regions").replaceChildren(regionsTable(report.regions,
    [["Impressions", "impressions"], ["Reach", "reach"], ["Clicks", "clicks"], ["Purchases", "conversions"]], { minGroup: MIN_GROUP }));
}

// -- campaigns --------------------------------------------------------------------------------------------------

const campaignForm = $("campaign-form");
clearOnInput(campaignForm);

function campaignStatus(c) {
  const chip = statusChip(c.status);
  chip.textContent = { active: "Active", paused: "Paused", ended: "Ended" }[c.status] || c.status;
  return c.status === "paused" && PAUSED_BECAUSE[c.paused_reason]
    ? el("span", {}, chip, el("span.line-meta", {}, ` · ${PAUSED_BECAUSE[c.paused_reason]}`))
    : chip;
}

async function loadCampaigns() {
  const root = $("campaigns");
  const account = state.account;
  try {
    const campaigns = await api(`/api/v1/advertisers/${account.id}/campaigns`);
    if (state.account !== account) return;
    state.campaigns = campaigns;
  } catch (error) {
    state.campaigns = [];
    root.replaceChildren(failed(error));
    return;
  }
  const chosen = reportCampaign.value;
  reportCampaign.replaceChildren(el("option", { value: "" }, "All campaigns"),
    ...state.campaigns.map((c) => el("option", { value: c.id }, c.name)));
  reportCampaign.value = state.campaigns.some((c) => c.id === chosen) ? chosen : "";
  root.replaceChildren(table([["Campaign"], ["Objective"], ["Status"], ["Daily budget", true], ["Lifetime", true], [""]],
    state.campaigns.map(campaignRow), { empty: "No campaigns yet: create one, then add an ad group and an ad." }));
}

function campaignRow(c) {
  const open = el("button.link", { type: "button" }, c.name);
  open.addEventListener("click", () => openDetail(c));
  const actions = el("div.btn-row");
  if (c.status !== "ended") {
    const toggle = el("button.btn.btn-ghost.btn-sm", { type: "button" }, c.status === "paused" ? "Resume" : "Pause");
    toggle.addEventListener("click", () => setCampaignStatus(c, c.status === "paused" ? "active" : "paused", toggle));
    actions.append(toggle);
  }
  const edit = el("button.btn.btn-ghost.btn-sm", { type: "button" }, "Edit");
  edit.addEventListener("click", () => editCampaign(c));
  const report = el("button.btn.btn-ghost.btn-sm", { type: "button" }, "Report");
  report.addEventListener("click", () => {
    reportCampaign.value = c.id;
    loadReport();
    $("report-panel").scrollIntoView({ behavior: "smooth", block: "start" });
  });
  actions.append(edit, report);
  return el("tr", { dataset: { campaignId: c.id } },
    el("td", {}, open), el("td", {}, OBJECTIVES[c.objective] || c.objective), el("td", {}, campaignStatus(c)),
    el("td.num", {}, formatMoney(c.daily_budget, c.currency)),
    el("td.num", {}, c.lifetime_budget === null ? "—" : formatMoney(c.lifetime_budget, c.currency)),
    el("td", {}, actions));
}

async function setCampaignStatus(c, status, button) {
  busy(button, true);
  try {
    await api(`/api/v1/campaigns/${c.id}`, { method: "PATCH", body: { status } });
    toast(status === "paused" ? `${c.name} paused` : `${c.name} resumed`);
    await loadCampaigns();
  } catch (error) {
    toast(error.message, { error: true });
  } finally {
    busy(button, false);
  }
}

/** "2026-06-01T12:00" typed in local time -> an ISO instant; "" -> null. */
const instant = (local) => (local ? new Date(local).toISOString() : null);
/** An ISO instant -> the value of a datetime-local input, in local time. */
function localInput(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function showCampaignForm(campaign) {
  state.editing = campaign;
  campaignForm.reset();
  clearErrors(campaignForm);
  campaignForm.hidden = false;
  $("campaign-form-title").textContent = campaign ? `Edit ${campaign.name}` : "New campaign";
  campaignForm.querySelector("[type=submit]").textContent = campaign ? "Save campaign" : "Create campaign";
  for (const node of campaignForm.querySelectorAll("[data-create-only]")) node.hidden = Boolean(campaign);
  if (campaign) {
    const field = (name) => campaignForm.elements.namedItem(name);
    field("name").value = campaign.name;
    field("daily_budget").value = moneyInput(campaign.daily_budget, campaign.currency);
    field("lifetime_budget").value = campaign.lifetime_budget === null ? "" : moneyInput(campaign.lifetime_budget, campaign.currency);
    field("ends_at").value = localInput(campaign.ends_at);
  }
  campaignForm.elements.namedItem("name").focus();
}

const editCampaign = (c) => showCampaignForm(c);
$("new-campaign-start").addEventListener("click", () => showCampaignForm(null));
$("campaign-form-cancel").addEventListener("click", () => {
  campaignForm.hidden = true;
});

campaignForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(campaignForm);
  const form = values(campaignForm);
  const { currency } = state.account;
  if (!form.name) return showError(campaignForm, { field: "name", message: "Name the campaign." });
  const daily = parseMoney(form.daily_budget, currency);
  if (!daily) return showError(campaignForm, { field: "daily_budget", message: "A daily budget is an amount above zero." });
  const lifetime = form.lifetime_budget ? parseMoney(form.lifetime_budget, currency) : null;
  if (form.lifetime_budget && lifetime === null) return showError(campaignForm, { field: "lifetime_budget", message: "A lifetime budget is an amount, or empty for none." });
  const body = { name: form.name, daily_budget: daily, lifetime_budget: lifetime, ends_at: instant(form.ends_at) };
  const editing = state.editing;
  if (!editing) Object.assign(body, { objective: form.objective, starts_at: instant(form.starts_at) });
  const button = campaignForm.querySelector("[type=submit]");
  busy(button, true);
  try {
    const saved = editing
      ? await api(`/api/v1/campaigns/${editing.id}`, { method: "PATCH", body })
      : await api(`/api/v1/advertisers/${state.account.id}/campaigns`, { method: "POST", body });
    toast(editing ? `${saved.name} saved` : `${saved.name} created: add an ad group and an ad`);
    campaignForm.hidden = true;
    await loadCampaigns();
    if (!editing) openDetail(saved);
  } catch (error) {
    showError(campaignForm, error);
  } finally {
    busy(button, false);
  }
});

// -- a campaign's ad groups and ads ------------------------------------------------------------------------------

function closeDetail() {
  state.detail = null;
  $("campaign-detail").hidden = true;
}
$("detail-close").addEventListener("click", closeDetail);
$("new-group-start").addEventListener("click", () => $("group-form-slot").replaceChildren(groupForm(null)));

async function openDetail(campaign) {
  state.detail = campaign;
  const panel = $("campaign-detail");
  panel.hidden = false;
  $("detail-title").textContent = campaign.name;
  $("group-form-slot").replaceChildren();
  await loadGroups();
  panel.scrollIntoView({ behavior: "smooth", block: "start" });
}

async function loadGroups() {
  const root = $("ad-groups");
  const campaign = state.detail;
  root.replaceChildren(loading());
  try {
    const groups = await api(`/api/v1/campaigns/${campaign.id}/ad-groups`);
    if (state.detail !== campaign) return;
    root.replaceChildren(...groups.map(groupCard));
    if (!groups.length) root.replaceChildren(el("p.muted", {}, "No ad groups yet: an ad group says who sees the ads and what you bid."));
  } catch (error) {
    root.replaceChildren(failed(error));
  }
}

const field = (label, input, name, { hint, span } = {}) => el(`label.field${span ? ".span-2" : ""}`, {},
  el("span.field-label", {}, label), input, hint ? el("span.field-hint", {}, hint) : null,
  el("span.field-error", { dataset: { errorFor: name }, role: "alert" }));

function groupForm(group) {
  const { currency } = state.account;
  const bidType = el("select", { name: "bid_type" }, Object.entries(BID_TYPES).map(([value, label]) => el("option", { value }, label)));
  const regions = el("fieldset.option-group.span-2", {}, el("legend.option-name", {}, "Regions (none ticked: every region)"),
    el("div.btn-row", {}, REGIONS.map((r) => el("label.check", {}, el("input", { type: "checkbox", name: `region-${r}`, value: r }), r.toUpperCase()))),
    el("span.field-error", { dataset: { errorFor: "regions" }, role: "alert" }));
  const form = el("form.form-grid.panel.group-form", { novalidate: true, "aria-label": group ? `Edit ${group.name}` : "New ad group" },
    el("h3.span-2", {}, group ? `Edit ${group.name}` : "New ad group"),
    field("Name", el("input", { name: "name", maxlength: "120", required: true }), "name", { span: true }),
    field("Bid type", bidType, "bid_type"),
    field(`Bid (${currency})`, el("input", { name: "bid", inputmode: "decimal", required: true, placeholder: moneyInput(500, currency) }), "bid",
      { hint: "CPM: per 1000 viewable impressions; CPC: per click; optimised CPM: the cost per purchase you aim for." }),
    regions,
    field("Interests (hashtags, space-separated; empty: everyone)", el("input", { name: "interests", maxlength: "2000", placeholder: "linen summer" }), "interests", { span: true }),
    field("Retargeting", el("select", { name: "retarget" }, el("option", { value: "" }, "No retargeting"),
      el("option", { value: "shop_engagers" }, "People who engaged with my shop")), "retarget"),
    field("Frequency cap (impressions per viewer a day)", el("input", { name: "frequency_cap", type: "number", min: "1", max: "50", value: "3" }), "frequency_cap"),
    el("div.form-error.span-2", { dataset: { errorFor: "" }, role: "alert", hidden: true }),
    el("div.btn-row.span-2", {}, el("button.btn.btn-primary", { type: "submit" }, group ? "Save ad group" : "Create ad group"),
      el("button.btn.btn-ghost", { type: "button", onclick: () => form.remove() }, "Cancel")));
  if (group) {
    form.elements.namedItem("name").value = group.name;
    bidType.value = group.bid_type;
    form.elements.namedItem("bid").value = moneyInput(group.bid, currency);
    for (const r of group.regions) {
      const box = form.elements.namedItem(`region-${r}`);
      if (box) box.checked = true;
    }
    form.elements.namedItem("interests").value = group.interests.join(" ");
    form.elements.namedItem("retarget").value = group.retarget;
    form.elements.namedItem("frequency_cap").value = String(group.frequency_cap);
  }
  clearOnInput(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const v = values(form);
    if (!v.name) return showError(form, { field: "name", message: "Name the ad group." });
    const bid = parseMoney(v.bid, currency);
    if (!bid) return showError(form, { field: "bid", message: "A bid is an amount above zero." });
    const body = {
      name: v.name, bid_type: v.bid_type, bid, retarget: v.retarget, frequency_cap: Number(v.frequency_cap || 3),
      regions: REGIONS.filter((r) => v[`region-${r}`]),
      interests: v.interests.split(/[\s,]+/).map((t) => t.replace(/^#/, "").toLowerCase()).filter(Boolean),
    };
    const button = form.querySelector("[type=submit]");
    busy(button, true);
    try {
      await (group
        ? api(`/api/v1/ad-groups/${group.id}`, { method: "PATCH", body })
        : api(`/api/v1/campaigns/${state.detail.id}/ad-groups`, { method: "POST", body }));
      toast(group ? "Ad group saved" : "Ad group created: add an ad to it");
      form.remove();
      await loadGroups();
    } catch (error) {
      showError(form, error);
    } finally {
      busy(button, false);
    }
  });
  return form;
}

function groupCard(group) {
  const { currency } = state.account;
  const ads = el("div.ads-list", {}, loading());
  const slot = el("div");
  const toggle = el("button.btn.btn-ghost.btn-sm", { type: "button" }, group.paused ? "Resume" : "Pause");
  toggle.addEventListener("click", () => patchAndReload(`/api/v1/ad-groups/${group.id}`, { paused: !group.paused }, toggle,
    group.paused ? `${group.name} resumed` : `${group.name} paused`));
  const edit = el("button.btn.btn-ghost.btn-sm", { type: "button" }, "Edit");
  edit.addEventListener("click", () => slot.replaceChildren(groupForm(group)));
  const newAd = el("button.btn.btn-primary.btn-sm", { type: "button" }, "New ad");
  newAd.addEventListener("click", async () => slot.replaceChildren(await adForm(group, null, ads)));
  const facts = [
    `${BID_TYPES[group.bid_type]?.split(" (")[0] || group.bid_type} ${formatMoney(group.bid, currency)}`,
    group.regions.length ? `in ${group.regions.map((r) => r.toUpperCase()).join(", ")}` : "every region",
    group.interests.length ? `interests ${group.interests.map((t) => `#${t}`).join(" ")}` : "everyone",
    group.retarget === "shop_engagers" ? "retargeting shop engagers" : null,
    `at most ${group.frequency_cap} a day per viewer`,
  ].filter(Boolean).join(" · ");
  const card = el("article.ad-group", { dataset: { adGroupId: group.id } },
    el("div.panel-head", {}, el("div", {}, el("h3", {}, group.name, group.paused ? el("span.status.status-paused", {}, "Paused") : null),
      el("p.line-meta", {}, facts)), el("div.btn-row", {}, newAd, edit, toggle)),
    slot, ads);
  loadAds(group, ads);
  return card;
}

async function patchAndReload(path, body, button, done) {
  busy(button, true);
  try {
    await api(path, { method: "PATCH", body });
    toast(done);
    await loadGroups();
  } catch (error) {
    toast(error.message, { error: true });
    busy(button, false);
  }
}

const REVIEW = { pending: "In review", approved: "Approved", rejected: "Rejected" };

async function loadAds(group, root) {
  try {
    const ads = await api(`/api/v1/ad-groups/${group.id}/ads`);
    root.replaceChildren(table([["Ad"], ["Shows"], ["Review"], [""]], ads.map((ad) => adRow(group, ad, root)),
      { empty: "No ads in this group yet." }));
  } catch (error) {
    root.replaceChildren(failed(error));
  }
}

function adRow(group, ad, root) {
  const review = statusChip(ad.review);
  review.textContent = REVIEW[ad.review] || ad.review;
  const toggle = el("button.btn.btn-ghost.btn-sm", { type: "button" }, ad.paused ? "Resume" : "Pause");
  toggle.addEventListener("click", () => patchAndReload(`/api/v1/ads/${ad.id}`, { paused: !ad.paused }, toggle, ad.paused ? "Ad resumed" : "Ad paused"));
  const edit = el("button.btn.btn-ghost.btn-sm", { type: "button" }, "Edit");
  const row = el("tr", { dataset: { adId: ad.id } },
    el("td", {}, el("b", {}, ad.headline || "(no headline)"), el("span.line-meta", {}, ` · ${ad.call_to_action}`)),
    el("td", {}, el("a.link", { href: `/v/${encodeURIComponent(ad.video_id)}` }, ad.kind === "product" ? "Product in a video" : "Video"),
      ad.paused ? el("span.line-meta", {}, " · paused") : null),
    el("td", {}, review, ad.review === "rejected" && ad.review_reason ? el("span.line-meta", {}, ` · ${ad.review_reason.replace(/_/g, " ")}`) : null),
    el("td", {}, el("div.btn-row", {}, edit, toggle)));
  edit.addEventListener("click", async () => {
    const form = await adForm(group, ad, root);
    row.replaceWith(el("tr", {}, el("td", { colspan: "4" }, form)));
  });
  return row;
}

async function myVideos() {
  state.videos ??= api("/api/v1/videos/mine").then((videos) => videos.filter((v) => v.published_at), () => []);
  return state.videos;
}

async function adForm(group, ad, adsRoot) {
  const videos = await myVideos();
  const kind = el("select", { name: "kind" }, el("option", { value: "video" }, "Promote a video"), el("option", { value: "product" }, "Promote a product (through a video that tags it)"));
  const video = el("select", { name: "video_id" },
    ...videos.map((v) => el("option", { value: v.id }, v.caption || `Video of ${new Date(v.created_at).toLocaleDateString()}`)),
    el("option", { value: "" }, "A creator's video (with their code)…"));
  const otherVideo = field("Creator's video id", el("input", { name: "other_video_id", maxlength: "40", autocapitalize: "none", spellcheck: "false" }), "other_video_id");
  const code = field("Authorisation code", el("input", { name: "authorization_code", maxlength: "64", autocapitalize: "none", spellcheck: "false" }), "authorization_code",
    { hint: "The creator makes one for their video; it lets you promote it as a Spark ad." });
  const product = field("Product id", el("input", { name: "product_id", maxlength: "40", autocapitalize: "none", spellcheck: "false" }), "product_id");
  const form = el("form.form-grid.panel.ad-form", { novalidate: true, "aria-label": ad ? "Edit the ad" : `New ad in ${group.name}` },
    el("h3.span-2", {}, ad ? "Edit the ad" : "New ad"),
    ad ? null : field("What it promotes", kind, "kind"),
    ad ? null : field("Video", video, "video_id"),
    ad ? null : otherVideo, ad ? null : code, ad ? null : product,
    field("Headline", el("input", { name: "headline", maxlength: "100", required: true }), "headline", { span: true }),
    field("Call to action", el("input", { name: "call_to_action", maxlength: "24", required: true, placeholder: "Shop now" }), "call_to_action"),
    ad ? el("p.muted.span-2", {}, "A changed headline or call to action goes back to review before it shows again.") : null,
    el("div.form-error.span-2", { dataset: { errorFor: "" }, role: "alert", hidden: true }),
    el("div.btn-row.span-2", {}, el("button.btn.btn-primary", { type: "submit" }, ad ? "Save ad" : "Create ad"),
      el("button.btn.btn-ghost", { type: "button", onclick: () => loadAds(group, adsRoot).then(() => form.remove()) }, "Cancel")));
  const sync = () => {
    const other = video.value === "";
    otherVideo.hidden = !other;
    code.hidden = !other;
    product.hidden = kind.value !== "product";
  };
  if (!ad) {
    kind.addEventListener("change", sync);
    video.addEventListener("change", sync);
    sync();
  } else {
    form.elements.namedItem("headline").value = ad.headline;
    form.elements.namedItem("call_to_action").value = ad.call_to_action;
  }
  clearOnInput(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const v = values(form);
    if (!v.headline) return showError(form, { field: "headline", message: "Write the headline shown on the ad." });
    if (!v.call_to_action) return showError(form, { field: "call_to_action", message: "Say what to do, e.g. Shop now." });
    let body = { headline: v.headline, call_to_action: v.call_to_action };
    if (!ad) {
      const videoId = v.video_id || v.other_video_id;
      if (!videoId) return showError(form, { field: v.video_id === "" ? "other_video_id" : "video_id", message: "Choose the video the ad shows." });
      body = { ...body, kind: v.kind, video_id: videoId, product_id: v.kind === "product" ? v.product_id || null : null,
        authorization_code: v.video_id ? null : v.authorization_code || null };
    }
    const button = form.querySelector("[type=submit]");
    busy(button, true);
    try {
      await (ad
        ? api(`/api/v1/ads/${ad.id}`, { method: "PATCH", body })
        : api(`/api/v1/ad-groups/${group.id}/ads`, { method: "POST", body }));
      toast(ad ? "Ad saved: it goes back to review" : "Ad created: it shows once review approves it");
      form.remove();
      await loadAds(group, adsRoot);
    } catch (error) {
      showError(form, error);
    } finally {
      busy(button, false);
    }
  });
  return form;
}

// -- statements -------------------------------------------------------------------------------------------------

async function loadStatements() {
  const root = $("statements");
  const account = state.account;
  try {
    const days = await api(`/api/v1/advertisers/${account.id}/statements?days=30`);
    if (state.account !== account) return;
    const moved = days.filter((d) => d.topups || d.spend || d.opening !== d.closing);
    const rows = moved.sort((a, b) => (a.day < b.day ? 1 : -1)).map((d) => el("tr", { dataset: { day: d.day } },
      el("th", { scope: "row" }, dayLabel(d.day, { month: "short", day: "numeric", year: "numeric" })),
      el("td.num", {}, formatMoney(d.opening, d.currency)),
      el("td.num", {}, formatMoney(d.topups, d.currency)),
      el("td.num", { title: d.campaigns.map((c) => `${c.name}: ${formatMoney(c.spend, d.currency)}`).join("\n") }, formatMoney(d.spend, d.currency)),
      el("td.num", {}, formatMoney(d.closing, d.currency))));
    root.replaceChildren(table([["Day"], ["Opening", true], ["Top-ups", true], ["Spend", true], ["Closing", true]], rows,
      { empty: "No movements in the last 30 days." }));
  } catch (error) {
    root.replaceChildren(failed(error));
  }
}

// -- start ------------------------------------------------------------------------------------------------------

async function start() {
  try {
    state.accounts = await api("/api/v1/advertisers");
  } catch (error) {
    $("ads-loading").hidden = true;
    $("ads-error").textContent = error.message;
    $("ads-error").hidden = false;
    return;
  }
  $("ads-loading").hidden = true;
  listAccounts();
  if (!state.accounts.length) {
    showAccountForm(true);
    return;
  }
  chooseAccount(new URLSearchParams(location.search).get("account"));
}

start();

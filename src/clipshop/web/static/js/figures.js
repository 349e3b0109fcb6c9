// Reports' figures as the ads manager and creators' analytics show them: rates, durations, tiles of totals,
// and the table per viewer region, where a region with too few people shows as suppressed.

import { table } from "./money-book.js";
import { formatMoney, minorDigits } from "./money.js";
import { el } from "./ui.js";

const counts = new Intl.NumberFormat();

export const formatNumber = (n) => counts.format(Number(n) || 0);

/**
 * Spend in minor units, fractions kept: an impression costs a fraction of a cent, so a small spend shows
 * them (1.6 USD cents -> "$0.016"); from a whole unit of currency up it rounds to cents as usual.
 */
export function formatSpend(minor, currency) {
  const digits = minorDigits(currency);
  if (Number.isInteger(minor) || Math.abs(minor) >= 10 ** digits) return formatMoney(Math.round(minor), currency);
  return new Intl.NumberFormat(undefined, { style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits + 3 })
    .format(minor / 10 ** digits);
}

/** 0.4 -> "40%", 0.0123 -> "1.23%"; null (no base to divide by) -> "—". */
export function formatPercent(rate) {
  if (rate === null || rate === undefined) return "—";
  const percent = rate * 100;
  return `${percent.toLocaleString(undefined, { maximumFractionDigits: percent < 10 ? 2 : 1 })}%`;
}

/** 5.1852 -> "5.19×"; null -> "—". */
export function formatTimes(ratio) {
  if (ratio === null || ratio === undefined) return "—";
  return `${ratio.toLocaleString(undefined, { maximumFractionDigits: 2 })}×`;
}

/** 3725 -> "1h 2m", 200 -> "3m 20s", 12.4 -> "12s". */
export function formatSeconds(seconds) {
  const s = Math.round(Number(seconds) || 0);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** tiles: [{key, label, value}] -> the tiles of a row of totals (for a `.stat-tiles` container). */
export function statTiles(tiles) {
  return tiles.map(({ key, label, value }) => el("div.stat-tile", { dataset: { stat: key } }, el("span", {}, label), el("b", {}, value)));
}

/**
 * The figures per viewer region: columns [[label, key]]; a suppressed region says so in place of numbers
 * (fewer than `minGroup` people behind them).
 */
export function regionsTable(regions, columns, { minGroup, people = "people" }) {
  const rows = regions.map((r) => el(`tr${r.suppressed ? ".is-suppressed" : ""}`, { dataset: { region: r.region, suppressed: String(r.suppressed) } },
    el("th", { scope: "row" }, r.region.toUpperCase()),
    r.suppressed
      ? el("td.muted", { colspan: String(columns.length) }, `Suppressed: fewer than ${minGroup} ${people}, so not shown and left out of the totals`)
      : columns.map(([, key]) => el("td.num", { dataset: { figure: key } }, formatNumber(r[key])))));
  return table([["Region"], ...columns.map(([label]) => [label, true])], rows, { empty: "No regions." });
}

// Money as the API sends it: integer minor units beside an ISO 4217 code. Intl knows each currency's minor
// units (2 for USD, 0 for JPY, 3 for BHD), so amounts are never guessed as cents.

const formatters = new Map();

function formatter(currency) {
  if (!formatters.has(currency)) {
    formatters.set(currency, new Intl.NumberFormat(undefined, { style: "currency", currency }));
  }
  return formatters.get(currency);
}

/** How many decimals the currency has: the exponent between its minor and major units. */
export function minorDigits(currency) {
  return formatter(currency).resolvedOptions().maximumFractionDigits;
}

/** 2599, "USD" -> "$25.99"; 2599, "JPY" -> "¥2,599". */
export function formatMoney(minor, currency) {
  return formatter(currency).format(Number(minor) / 10 ** minorDigits(currency));
}

/** "$25.00" or "$25.00 – $29.00" for a product whose variants differ in price. */
export function formatRange(low, high, currency) {
  return low === high ? formatMoney(low, currency) : `${formatMoney(low, currency)} – ${formatMoney(high, currency)}`;
}

/** What someone typed ("25", "25.5", "25.50") in minor units, or null when it is not an amount. */
export function parseMoney(text, currency) {
  const digits = minorDigits(currency);
  const match = /^\s*(\d{1,9})(?:[.,](\d*))?\s*$/.exec(String(text));
  if (!match || (match[2] || "").length > digits) return null;
  return Number(match[1]) * 10 ** digits + Number((match[2] || "").padEnd(digits, "0") || 0);
}

/** Minor units as a plain number for an input field: 2550 USD -> "25.50". */
export function moneyInput(minor, currency) {
  const digits = minorDigits(currency);
  return (Number(minor) / 10 ** digits).toFixed(digits);
}

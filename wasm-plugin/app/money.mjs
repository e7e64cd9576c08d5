// Money on the card: the contract's decimal strings, added and compared as integer points
// (BigInt; 1 USD = 10,000,000 points, and every catalog price is whole points), never as
// floats. Floats appear only where a figure becomes a bar length on screen.

const POINTS_PER_USD = 10_000_000n;

/** Points of a decimal USD string ("2.5" → 25,000,000n). */
export function points(usd) {
  const text = String(usd);
  const negative = text.startsWith("-");
  const [whole, frac = ""] = text.replace(/^[-+]/, "").split(".");
  const value = BigInt(whole || "0") * POINTS_PER_USD + BigInt((frac + "0000000").slice(0, 7));
  return negative ? -value : value;
}

/** The decimal USD string of a number of points, with at least two decimals. */
export function usdOfPoints(value) {
  const sign = value < 0n ? "-" : "";
  const abs = value < 0n ? -value : value;
  const frac = (abs % POINTS_PER_USD).toString().padStart(7, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${sign}${abs / POINTS_PER_USD}.${frac}`;
}

/** Digits grouped by thousands: "20000000" → "20,000,000". */
export function grouped(digits) {
  return String(digits).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "$1,234.50" for "1234.50" (the string's own decimals are kept). */
export function money(usd) {
  const text = String(usd);
  const sign = text.startsWith("-") ? "-" : "";
  const [whole, frac] = text.replace(/^-/, "").split(".");
  return `${sign}$${grouped(whole)}${frac === undefined ? "" : `.${frac}`}`;
}

/** "$1.00" or "$1.00 – $2.00". */
export function interval(min, max) {
  return points(min) === points(max) ? money(max) : `${money(min)} – ${money(max)}`;
}

/** The sum of USD strings, as a USD string. */
export function sum(amounts) {
  return usdOfPoints(amounts.reduce((total, usd) => total + points(usd), 0n));
}

/** The larger of two USD strings. */
export function larger(a, b) {
  return points(a) >= points(b) ? a : b;
}

/** `part / whole` clamped to [0, 1], for drawing only. */
export function share(part, whole) {
  const w = points(whole);
  if (w <= 0n) return 0;
  const p = points(part);
  if (p <= 0n) return 0;
  if (p >= w) return 1;
  return Number((p * 1_000_000n) / w) / 1_000_000;
}

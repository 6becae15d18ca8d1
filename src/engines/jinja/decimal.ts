// Exact decimal formatting of doubles (round-half-even on the exact binary value), as Python's
// '%.nf', '%.ne' and round() do. JavaScript's toFixed/toExponential round ties away from zero.

import { currentBudget } from "./current.js";
import { doubleParts } from "./floatmath.js";

/** round_half_even(|x| * 10**scale) as a bigint (x finite). */
function scaledRound(x: number, scale: number): bigint {
  const { mant, exp } = doubleParts(x);
  let num = mant;
  let den = 1n;
  if (exp >= 0) num <<= BigInt(exp);
  else den <<= BigInt(-exp);
  if (scale >= 0) num *= 10n ** BigInt(scale);
  else den *= 10n ** BigInt(-scale);
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) return q + 1n;
  return q;
}

/** Fixed notation with `digits` decimals of |x| (no sign). */
export function fixedDigits(x: number, digits: number): string {
  currentBudget().checkString(digits);
  const q = scaledRound(x, digits).toString();
  if (digits === 0) return q;
  const padded = q.padStart(digits + 1, "0");
  return `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

/** Exponent notation with `prec` decimals of |x| (no sign), Python style exponent (e+05). */
export function expDigits(x: number, prec: number): string {
  currentBudget().checkString(prec);
  const ax = Math.abs(x);
  let e = ax === 0 ? 0 : Math.floor(Math.log10(ax));
  let q = scaledRound(ax, prec - e);
  const limit = 10n ** BigInt(prec + 1);
  if (q >= limit) {
    e++;
    q = scaledRound(ax, prec - e);
  } else if (ax !== 0 && q < limit / 10n) {
    e--;
    q = scaledRound(ax, prec - e);
  }
  const s = q.toString().padStart(prec + 1, "0");
  const mant = prec > 0 ? `${s[0]}.${s.slice(1)}` : s;
  return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

/** Python round(x, n) for a float x. */
export function roundHalfEven(x: number, n: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (n > 330) return x;
  const q = scaledRound(x, n);
  const s = n >= 0 ? `${q}e-${n}` : `${q}e${-n}`;
  const r = Number(s);
  return x < 0 ? -r : r === 0 && Object.is(x, -0) ? -0 : r;
}

// Python float arithmetic JavaScript does not give directly: C's correctly rounded pow() for
// integer exponents (V8's Math.pow is off by an ulp, e.g. 7 ** -2), float floor division with
// Python's divmod rules, and exact int/float comparison (Python never rounds the int).

import { pyError } from "./errors.js";

const scratch = new DataView(new ArrayBuffer(8));

/** |x| = mant * 2**exp exactly, with the integer mantissa as stored (x finite). */
export function doubleParts(x: number): { mant: bigint; exp: number } {
  scratch.setFloat64(0, Math.abs(x));
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  const mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  return expBits === 0 ? { mant, exp: -1074 } : { mant: mant | (1n << 52n), exp: expBits - 1075 };
}

/** |x| = m * 2**e with m odd, for finite non-zero x. */
function decompose(x: number): [bigint, number] {
  const parts = doubleParts(x);
  let m = parts.mant;
  let e = parts.exp;
  while ((m & 1n) === 0n) {
    m >>= 1n;
    e++;
  }
  return [m, e];
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** n * 2**e rounded once to a double, or null where the result would be subnormal (rounded twice). */
function scaleRounded(n: bigint, e: number): number | null {
  const extra = bitLength(n) - 64;
  if (extra > 0) {
    // Keep 64 bits plus a sticky bit: Number() then rounds exactly as one rounding of n would.
    const sticky = (n & ((1n << BigInt(extra)) - 1n)) !== 0n ? 1n : 0n;
    n = (n >> BigInt(extra)) | sticky;
    e += extra;
  }
  const mant = Number(n);
  const half = Math.trunc(e / 2);
  const r = mant * 2 ** half * 2 ** (e - half);
  if (r !== 0 && Math.abs(r) < 2 ** -1022) return null;
  return r;
}

/** x ** y as C's pow(): correctly rounded when y is an integer of moderate size. */
export function floatPow(x: number, y: number): number {
  if (!Number.isInteger(y) || Math.abs(y) > 2048 || !Number.isFinite(x) || x === 0 || y === 0) return Math.pow(x, y);
  const [m, e] = decompose(x);
  const n = Math.abs(y);
  const big = m ** BigInt(n);
  const exp = e * n;
  let r: number | null;
  if (y > 0) {
    r = scaleRounded(big, exp);
  } else {
    // 2**-exp / big with 64 significant bits and a sticky bit for the remainder.
    const k = bitLength(big) + 64;
    const num = 1n << BigInt(k);
    let q = num / big;
    if (num % big !== 0n) q |= 1n;
    r = scaleRounded(q, -k - exp);
  }
  if (r === null) return Math.pow(x, y);
  return x < 0 && n % 2 === 1 ? -r : r;
}

/** Python's float // float (float_floor_div via _float_div_mod): inf // 1 is nan, -5 // inf is -1.0. */
export function floatFloorDiv(vx: number, wx: number): number {
  let mod = vx % wx;
  let div = (vx - mod) / wx;
  // C tests `if (mod)` / `if (div)`: NaN counts as non-zero there.
  if (mod !== 0) {
    if (wx < 0 !== mod < 0) {
      mod += wx;
      div -= 1;
    }
  }
  if (div !== 0) {
    let floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
    return floordiv;
  }
  // A zero quotient takes the sign of the true quotient.
  return Object.is(vx / wx, -0) || vx / wx < 0 ? -0 : 0;
}

/** Three-way comparison of a big int with a float, exact as Python's; NaN when unordered. */
export function compareBigFloat(a: bigint, f: number): number {
  if (Number.isNaN(f)) return NaN;
  if (f === Infinity) return -1;
  if (f === -Infinity) return 1;
  const whole = Math.floor(f);
  const b = BigInt(whole);
  if (a < b) return -1;
  if (a > b) return 1;
  return whole === f ? 0 : -1;
}

/** float.as_integer_ratio(): the exact fraction, lowest terms, positive denominator. */
export function floatRatio(x: number): [bigint, bigint] {
  if (Number.isNaN(x)) throw pyError("ValueError", "cannot convert NaN to integer ratio");
  if (!Number.isFinite(x)) throw pyError("OverflowError", "cannot convert Infinity to integer ratio");
  if (x === 0) return [0n, 1n];
  const [m, e] = decompose(x);
  const n = x < 0 ? -m : m;
  return e >= 0 ? [n << BigInt(e), 1n] : [n, 1n << BigInt(-e)];
}

/** float.hex(): '0x1.4000000000000p+1'; subnormals as '0x0.<fraction>p-1022'. */
export function floatHex(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (x === 0) return `${sign}0x0.0p+0`;
  scratch.setFloat64(0, Math.abs(x));
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  const fraction = (hi & 0xfffff).toString(16).padStart(5, "0") + lo.toString(16).padStart(8, "0");
  const exp = expBits === 0 ? -1022 : expBits - 1023;
  return `${sign}0x${expBits === 0 ? 0 : 1}.${fraction}p${exp < 0 ? "-" : "+"}${Math.abs(exp)}`;
}

/** int / int as Python computes it: one correct rounding of the exact quotient (b is not zero). */
export function intTrueDiv(a: bigint, b: bigint): number {
  const negative = a < 0n !== b < 0n;
  const x = a < 0n ? -a : a;
  const y = b < 0n ? -b : b;
  if (x === 0n) return negative ? -0 : 0;
  // Scale so the integer quotient has at least 64 bits, then keep a sticky bit for the remainder.
  const k = bitLength(y) - bitLength(x) + 66;
  const num = k > 0 ? x << BigInt(k) : x;
  const den = k < 0 ? y << BigInt(-k) : y;
  let q = num / den;
  if (num % den !== 0n) q |= 1n;
  const r = scaleRounded(q, -k) ?? Number(a) / Number(b);
  if (!Number.isFinite(r)) throw pyError("OverflowError", "integer division result too large for a float");
  return negative ? -Math.abs(r) : Math.abs(r);
}

/** PHP 8 numeric-string rules and number formatting used by comparisons and json_encode. */

// PHP 8: optional leading whitespace, sign, digits with optional fraction, optional exponent,
// optional trailing whitespace. No hex, no "Infinity".
const NUMERIC_STRING = /^[ \t\n\r\v\f]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[ \t\n\r\v\f]*$/;

export function isNumericString(s: string): boolean {
  if (s.length === 0) return false;
  // Cheap reject before the regex: the first character must be a digit, sign, dot or whitespace.
  const c = s.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || c === 32 || (c >= 9 && c <= 13))) return false;
  return NUMERIC_STRING.test(s);
}

/** Value of a numeric string (caller checked isNumericString). */
export function numericStringValue(s: string): number {
  return Number(s.trim());
}

/**
 * PHP's zend_gcvt: `digits` significant digits, exponential notation when the decimal
 * exponent is < -4 or >= digits; mantissa always has a fractional part in exponential form.
 */
function gcvt(value: number, digits: number | null, expChar: "e" | "E"): string {
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  // toExponential() without argument gives the shortest round-trip digits (serialize_precision -1).
  const exp = digits === null ? value.toExponential() : value.toExponential(digits - 1);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp);
  if (!match) return String(value);
  const sign = match[1] ?? "";
  const mantissa = ((match[2] ?? "") + (match[3] ?? "")).replace(/0+$/, "") || "0";
  const exponent = Number(match[4]);
  const precision = digits ?? 17;
  const decpt = exponent + 1; // position of the decimal point relative to the first digit
  if (decpt < -3 || decpt > precision) {
    const rest = mantissa.length > 1 ? mantissa.slice(1) : "0";
    const expSign = exponent < 0 ? "-" : "+";
    return `${sign}${mantissa[0]}.${rest}${expChar}${expSign}${Math.abs(exponent)}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${mantissa}`;
  if (mantissa.length <= decpt) return `${sign}${mantissa}${"0".repeat(decpt - mantissa.length)}`;
  return `${sign}${mantissa.slice(0, decpt)}.${mantissa.slice(decpt)}`;
}

/** `(string)$float` in PHP 8 (precision = 14): 1.0 -> "1", 0.1 -> "0.1", 1e15 -> "1.0E+15". */
export function phpFloatToString(value: number): string {
  if (Number.isNaN(value)) return "NAN";
  if (!Number.isFinite(value)) return value > 0 ? "INF" : "-INF";
  return gcvt(value, 14, "E");
}

/** json_encode of a float with serialize_precision = -1: 1.0 -> "1.0", 1e25 -> "1.0e+25". */
export function phpFloatToJson(value: number): string {
  if (!Number.isFinite(value)) return "0";
  const text = gcvt(value, null, "e");
  return /[.e]/.test(text) ? text : `${text}.0`;
}

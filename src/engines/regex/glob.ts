/**
 * "*" wildcard patterns (allow-lists in settings) matched without a regex: the classic
 * two-pointer algorithm, O(pattern × subject) at worst, so no setting can stall a check.
 */
export function globMatch(pattern: string, subject: string, caseInsensitive = true): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const s = caseInsensitive ? subject.toLowerCase() : subject;
  let pi = 0;
  let si = 0;
  let star = -1;
  let resume = 0;
  while (si < s.length) {
    if (pi < p.length && p[pi] !== "*" && p[pi] === s[si]) {
      pi++;
      si++;
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++;
      resume = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++resume;
    } else return false;
  }
  while (pi < p.length && p[pi] === "*") pi++;
  return pi === p.length;
}

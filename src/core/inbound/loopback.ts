import { createHash, timingSafeEqual } from "node:crypto";

// Who may read operator pages (the console, /metrics): loopback clients, or whoever shows the
// console token (docs/console.md, "Access").

export function isLoopback(ip: string | undefined): boolean {
  if (!ip) return false;
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

/** Whether an Authorization header carries `token` as a Bearer token (constant time). */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  if (!authorization?.startsWith("Bearer ")) return false;
  return timingSafeEqual(digest(authorization.slice(7)), digest(token));
}

import { createHash } from "node:crypto";

// Outbox destination keys (docs/delivery.md, "Limits per destination"): a vendor limits per
// routing key, webhook or space, and those are credentials or close to them. The key names the
// host in clear and the rest only by a short hash, so it can be shown in metrics and logs.

/** `host/<12 hex digits of sha256(part)>`, or just the host when `part` is empty. */
export function hashedDestination(host: string, part: string): string {
  if (part === "") return host;
  return `${host}/${createHash("sha256").update(part).digest("hex").slice(0, 12)}`;
}

/** The host of a URL, "" when it does not parse (the parameter check reports it). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

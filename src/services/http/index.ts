export { createHttpClient, bindHttpClient } from "./client.js";
export type { HttpClientOptions, ServerHttpClient } from "./client.js";
export { createEgressGuard, resolveAllowed, normaliseHost, systemLookup } from "./egress-guard.js";
export type { EgressGuard, EgressOptions, DnsLookup } from "./egress-guard.js";
export * from "./types.js";

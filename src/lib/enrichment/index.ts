export * from "./ttl-cache.js";
export * from "./token-bucket.js";
export * from "./upstream-policy.js";
export * from "./upstream-gate.js";
export * from "./request-budget.js";
export * from "./queried-attribute.js";
export * from "./base-url.js";

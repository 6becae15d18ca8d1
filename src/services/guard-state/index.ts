export { openGuardState } from "./open.js";
export { SqliteGuardState } from "./sqlite-guard-state.js";
export { type GuardState, GuardStateUnavailable, hashKey, type OnceResult, type RateResult, unavailableGuardState } from "./types.js";

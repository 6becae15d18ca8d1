// How long a query may take before MISP stops waiting. Hover queries carry neither event_id
// nor attribute_uuid and get Plugin.Enrichment_hover_timeout (5 s); so does the "Attach
// enrichment" workflow action, recognisable by its `user` record (docs/protocol.md#timeouts, docs/protocol.md#hover, docs/protocol.md#attach-enrichment).
// Other queries are bounded by the core's deadline (set below MISP's 10 s).

/** Our share of MISP's 5 s hover timeout, leaving room for MISP and the network. */
export const HOVER_BUDGET_MS = 4500;

export function isHoverTimed(request: Readonly<Record<string, unknown>>): boolean {
  const hasEvent = typeof request.event_id === "string" || typeof request.event_id === "number";
  return !hasEvent || (typeof request.user === "object" && request.user !== null);
}

/** Epoch ms by which the reply must be out. */
export function budgetEnd(request: Readonly<Record<string, unknown>>, deadline: number, startedAt = Date.now()): number {
  return isHoverTimed(request) ? Math.min(deadline, startedAt + HOVER_BUDGET_MS) : deadline;
}

import { z } from "zod";
import type { RecordedRequest, Reply } from "../../../helpers/stand-in.js";

// PagerDuty Events API v2 (POST /v2/enqueue, https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
// no auth header, the integration key is in the body; 202 {"status":"success","message":"Event processed","dedup_key"}
// when accepted; 400 {"status":"invalid event","message":"Event object is invalid","errors":[...]} otherwise.
// Keeps the open alerts by dedup_key, as PagerDuty does per routing key.

export const PD_ROUTING_KEY = "R0ut1ngKeyForTheStandIn000000001";

const Link = z.object({ href: z.string().url(), text: z.string().optional() }).strict();
const Payload = z
  .object({
    summary: z.string().min(1).max(1024),
    source: z.string().min(1),
    severity: z.enum(["critical", "error", "warning", "info"]),
    timestamp: z.string().datetime({ offset: true }).optional(),
    component: z.string().optional(),
    group: z.string().optional(),
    class: z.string().optional(),
    custom_details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const Event = z
  .object({
    routing_key: z.string().length(32),
    event_action: z.enum(["trigger", "acknowledge", "resolve"]),
    dedup_key: z.string().max(255).optional(),
    payload: Payload.optional(),
    links: z.array(Link).optional(),
    images: z
      .array(z.object({ src: z.string().startsWith("https://"), href: z.string().optional(), alt: z.string().optional() }))
      .optional(),
    client: z.string().optional(),
    client_url: z.string().optional(),
  })
  .strict()
  .refine((e) => e.event_action !== "trigger" || e.payload !== undefined, { message: "'payload' is missing or blank", path: ["payload"] })
  .refine((e) => e.event_action === "trigger" || e.dedup_key !== undefined, {
    message: "'dedup_key' is missing or blank",
    path: ["dedup_key"],
  });

const invalid = (errors: string[]): Reply => ({
  status: 400,
  body: { status: "invalid event", message: "Event object is invalid", errors },
});

export interface PagerDutyState {
  /** Open alerts by dedup_key: "triggered" or "acknowledged". */
  alerts: Map<string, string>;
  /** How many alerts were opened. */
  opened: number;
}

export function pagerDutyStandIn(): { handler: (req: RecordedRequest) => Reply; state: PagerDutyState } {
  const state: PagerDutyState = { alerts: new Map(), opened: 0 };
  const handler = (req: RecordedRequest): Reply => {
    if (req.method !== "POST" || req.path !== "/v2/enqueue") return { status: 404, body: "Not Found" };
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json"))
      return invalid(["Content-Type must be application/json"]);
    if (Buffer.byteLength(req.body) > 512 * 1024) return { status: 413, body: "Request Entity Too Large" };
    let json: unknown;
    try {
      json = JSON.parse(req.body);
    } catch {
      return invalid(["Malformed JSON"]);
    }
    const parsed = Event.safeParse(json);
    if (!parsed.success) return invalid(parsed.error.issues.map((i) => `'${i.path.join(".")}' ${i.message}`));
    const e = parsed.data;
    if (e.routing_key !== PD_ROUTING_KEY) return invalid(["Invalid routing key"]);
    const key = e.dedup_key ?? `generated-${state.opened + 1}`;
    if (e.event_action === "trigger" && !state.alerts.has(key)) {
      state.alerts.set(key, "triggered");
      state.opened++;
    } else if (e.event_action === "acknowledge" && state.alerts.has(key)) state.alerts.set(key, "acknowledged");
    else if (e.event_action === "resolve") state.alerts.delete(key);
    return { status: 202, body: { status: "success", message: "Event processed", dedup_key: key } };
  };
  return { handler, state };
}

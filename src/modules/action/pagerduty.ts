import { defineActionModule, ModuleError, param } from "../../sdk/index.js";
import type { HttpResponse } from "../../sdk/index.js";
import { hashedDestination, hostOf } from "../shared/destination-key.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { jsonPost, sendPrepared, type PreparedRequest } from "../shared/messages/prepared-request.js";
import { eventSummary } from "../shared/messages/summary.js";
import { truncateText } from "../shared/messages/truncate.js";
import { eventFacts, eventLink, threatLevelName, type EventFacts } from "../shared/roaming/event-facts.js";
import { attributesOf } from "../shared/roaming/event-view.js";
import { MISP_LINK_SETTINGS, type MispLinkContext } from "../shared/roaming/misp-link-setting.js";

// PagerDuty Events API v2 (docs/actions-paging.md): trigger, acknowledge or resolve an alert.
// The dedup_key is derived from the event UUID, so a retried or repeated trigger for the same
// event updates the open alert instead of paging again, and a second node can resolve it.

export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com";
const MAX_SUMMARY = 1024;
const MAX_DEDUP_KEY = 255;
/** PagerDuty refuses payloads above 512 KB. */
const MAX_BODY_BYTES = 512 * 1024;

export type PagerDutyAction = "trigger" | "acknowledge" | "resolve";
export type PagerDutySeverity = "critical" | "error" | "warning" | "info";

/** MISP threat level → PagerDuty severity (High → critical … Undefined → info). */
export const SEVERITY_BY_THREAT_LEVEL: Readonly<Record<string, PagerDutySeverity>> = {
  "1": "critical",
  "2": "error",
  "3": "warning",
  "4": "info",
};

/** The default dedup_key: one PagerDuty alert per MISP event. */
export function defaultDedupKey(facts: EventFacts | undefined): string | undefined {
  return facts?.uuid ? `misp-event-${facts.uuid}` : undefined;
}

export interface PagerDutyEventInput {
  eventsUrl: string;
  routingKey: string;
  action: PagerDutyAction;
  dedupKey?: string;
  summary: string;
  severity: PagerDutySeverity;
  source: string;
  component?: string;
  group?: string;
  eventClass?: string;
  timestamp?: string;
  link?: { href: string; text: string };
  customDetails?: Record<string, unknown>;
}

/** The Events API v2 request (pure: no I/O); its idempotency key is the dedup_key. */
export function buildPagerDutyRequest(i: PagerDutyEventInput): PreparedRequest {
  const body: Record<string, unknown> = { routing_key: i.routingKey, event_action: i.action };
  if (i.dedupKey) body.dedup_key = i.dedupKey;
  if (i.action === "trigger") {
    const payload: Record<string, unknown> = { summary: truncateText(i.summary, MAX_SUMMARY), source: i.source, severity: i.severity };
    if (i.timestamp) payload.timestamp = i.timestamp;
    if (i.component) payload.component = i.component;
    if (i.group) payload.group = i.group;
    if (i.eventClass) payload.class = i.eventClass;
    if (i.customDetails) payload.custom_details = i.customDetails;
    body.payload = payload;
    body.client = "MISP";
    if (i.link) {
      body.client_url = i.link.href;
      body.links = [i.link];
    }
  }
  return jsonPost(`sending the event to PagerDuty`, `${i.eventsUrl.replace(/\/+$/, "")}/v2/enqueue`, body, {
    secrets: [i.routingKey],
    idempotencyKey: i.dedupKey,
    // With a dedup_key a resend cannot open a second alert.
    retry: i.dedupKey !== undefined,
  });
}

interface PagerDutyReply {
  status?: unknown;
  message?: unknown;
  dedup_key?: unknown;
  errors?: unknown;
}

/** "Event object is invalid: 'payload.summary' is missing" from a refusal's body. */
export function pagerDutyDetail(res: HttpResponse): string | undefined {
  const reply = jsonBody(res) as PagerDutyReply | undefined;
  if (!reply || typeof reply !== "object") return undefined;
  const message = typeof reply.message === "string" ? reply.message : typeof reply.status === "string" ? reply.status : "";
  const errors = Array.isArray(reply.errors) ? reply.errors.filter((e): e is string => typeof e === "string") : [];
  const text = [message, errors.join("; ")].filter((s) => s !== "").join(": ");
  return text === "" ? undefined : text;
}

type PagerDutyParams = {
  routing_key: string;
  event_action: PagerDutyAction;
  summary: string;
  severity: "auto" | PagerDutySeverity;
  dedup_key: string;
  source: string;
  component: string;
  group: string;
  event_class: string;
  events_url: string;
};

/** Checks the parameters and builds the request: run before queuing and on every attempt. */
function preparePagerDuty(
  params: PagerDutyParams,
  data: unknown,
  filteredItems: readonly unknown[] | undefined,
  ctx: MispLinkContext,
): { req: PreparedRequest; routingKey: string; dedupKey: string } {
  const routingKey = params.routing_key.trim();
  if (!/^[A-Za-z0-9]{32}$/.test(routingKey))
    throw new ModuleError("routing_key must be the 32-character integration key (letters and digits)");
  const facts = eventFacts(data);
  // Without an event UUID, a trigger still needs a key that stays the same on every attempt.
  const dedupKey =
    params.dedup_key.trim() !== ""
      ? params.dedup_key.trim()
      : (defaultDedupKey(facts) ?? (params.event_action === "trigger" ? `misp-delivery-${ctx.delivery.id}` : undefined));
  if (dedupKey === undefined) throw new ModuleError(`${params.event_action} needs a dedup_key: the data has no event UUID, set dedup_key`);
  if (dedupKey.length > MAX_DEDUP_KEY) throw new ModuleError(`dedup_key is ${dedupKey.length} characters long (at most ${MAX_DEDUP_KEY})`);
  const summaryText =
    params.summary.trim() !== ""
      ? params.summary.trim()
      : (eventSummary(data, { maxLength: MAX_SUMMARY }).split("\n")[0] ?? "[MISP] workflow notification");
  const severity = params.severity !== "auto" ? params.severity : (SEVERITY_BY_THREAT_LEVEL[facts?.threatLevelId ?? ""] ?? "info");
  const href = eventLink(ctx.settings.misp_base_url, facts?.id ?? "");
  const attributes = attributesOf(data);
  const customDetails: Record<string, unknown> | undefined = facts
    ? {
        event_id: facts.id,
        event_uuid: facts.uuid,
        info: facts.info,
        org: facts.orgName,
        threat_level: threatLevelName(facts.threatLevelId) ?? facts.threatLevelId,
        tags: facts.tags,
        attribute_count: attributes.length,
        ...(filteredItems && filteredItems.length > 0 ? { matching_attributes: filteredItems.slice(0, 50) } : {}),
      }
    : undefined;
  const input: PagerDutyEventInput = {
    eventsUrl: params.events_url,
    routingKey,
    action: params.event_action,
    dedupKey,
    summary: summaryText,
    severity,
    source: params.source.trim() || "MISP",
    component: params.component.trim() || undefined,
    group: params.group.trim() || undefined,
    eventClass: params.event_class.trim() || undefined,
    timestamp: facts?.timestamp ? new Date(facts.timestamp * 1000).toISOString() : undefined,
    link: href ? { href, text: `MISP event ${facts?.id}` } : undefined,
    customDetails,
  };
  let req = buildPagerDutyRequest(input);
  if (Buffer.byteLength(req.body ?? "") > MAX_BODY_BYTES && customDetails?.matching_attributes) {
    // Only the filtered attributes can make the event this large: leave them out.
    const { matching_attributes: _dropped, ...rest } = customDetails;
    req = buildPagerDutyRequest({
      ...input,
      customDetails: { ...rest, matching_attributes_omitted: "too large for PagerDuty (512 KB)" },
    });
    ctx.log.warn("pagerduty: the filtered attributes were left out of custom_details (payload above 512 KB)");
  }
  return { req, routingKey, dedupKey };
}

export default defineActionModule({
  meta: {
    description: "Trigger, acknowledge or resolve a PagerDuty alert (Events API v2) for a MISP event.",
    name: "PagerDuty",
    version: "1.0",
    features:
      "dedup_key derived from the event UUID (one alert per event; a second node resolves it), severity from the threat level, " +
      "a link back to the event (misp_base_url server setting), event facts as custom details. 202 is success; PagerDuty's own error text otherwise.",
    references: ["https://developer.pagerduty.com/docs/events-api-v2/trigger-events/"],
    input: "Roaming data in MISP core format (event or attribute triggers).",
    output: "A PagerDuty alert (and incident, per the service's rules).",
  },
  icon: { name: "bell", class: "fas" },
  params: {
    routing_key: param.secret({
      required: true,
      description: "Integration key of an Events API v2 integration or ruleset (32 characters).",
    }),
    event_action: param.oneOf(["trigger", "acknowledge", "resolve"] as const, {
      default: "trigger",
      description: "trigger opens (or updates) the alert; acknowledge and resolve act on the alert with the same dedup_key.",
    }),
    summary: param.template({
      multiline: false,
      placeholder: "MISP event {{ Event.id }}: {{ Event.info }}",
      description: "Alert summary (at most 1024 characters). Default: the first line of the event summary.",
    }),
    severity: param.oneOf(["auto", "critical", "error", "warning", "info"] as const, {
      default: "auto",
      description: "auto maps the threat level: High critical, Medium error, Low warning, Undefined info.",
    }),
    dedup_key: param.template({
      multiline: false,
      placeholder: "misp-event-{{ Event.uuid }}",
      description: "Deduplication key (at most 255 characters). Default: misp-event-<event UUID>.",
    }),
    source: param.string({
      default: "MISP",
      placeholder: "MISP",
      description: "The payload's source (the affected system or the reporter).",
    }),
    component: param.string({ placeholder: "threat-intel", description: "Optional payload component." }),
    group: param.string({ placeholder: "soc", description: "Optional payload group." }),
    event_class: param.string({ placeholder: "misp-event", description: "Optional payload class." }),
    events_url: param.url({
      default: PAGERDUTY_EVENTS_URL,
      placeholder: PAGERDUTY_EVENTS_URL,
      description: "Events API host (EU service region: https://events.eu.pagerduty.com).",
    }),
  },
  supportFilters: true,
  expectMispCoreFormat: true,
  serverSettings: MISP_LINK_SETTINGS,
  outbound: {
    // PagerDuty limits each integration key (about 120 events a minute): one destination per key.
    destination: (p) => hashedDestination(hostOf(p.events_url), p.routing_key.trim()),
    limits: { perMinute: 120 },
    validate({ params, data, filteredItems }, ctx) {
      preparePagerDuty(params, data, filteredItems, ctx);
    },
  },
  async handler({ params, data, filteredItems }, ctx) {
    const { req, routingKey, dedupKey } = preparePagerDuty(params, data, filteredItems, ctx);
    const res = await sendPrepared(ctx, req);
    if (res.status === 202) {
      const reply = jsonBody(res) as PagerDutyReply | undefined;
      ctx.log.info(
        { action: params.event_action, dedupKey: typeof reply?.dedup_key === "string" ? reply.dedup_key : dedupKey },
        "event accepted by PagerDuty",
      );
      return;
    }
    const detail = pagerDutyDetail(res);
    if (res.status === 400)
      throw new ModuleError(describeFailure(res, { prefix: "PagerDuty refused the event", detail, secrets: [routingKey] }));
    throw new ModuleError(
      describeFailure(res, { detail, secrets: [routingKey], rateLimitText: "rate limited by PagerDuty (the event was not accepted)" }),
    );
  },
});

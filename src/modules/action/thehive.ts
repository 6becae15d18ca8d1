import type { ParamValues } from "../../sdk/index.js";
import { defineActionModule, ModuleError, param, ParamError, parseParam } from "../../sdk/index.js";
import type { HttpResponse } from "../../sdk/index.js";
import { CASE_TEXT_PARAMS, defaultMarkdownDescription, defaultTitle, splitTags } from "../shared/cases/description.js";
import { theHiveObservables, type TheHiveObservable } from "../shared/cases/thehive-observables.js";
import { BaseUrlError, normaliseBaseUrl } from "../shared/messages/base-url.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { jsonPost, sendPrepared, type PreparedRequest } from "../shared/messages/prepared-request.js";
import { eventFacts, eventLink, papOf, tlpOf, type Marking } from "../shared/roaming/event-facts.js";
import { attributesOf, isObject, type Json } from "../shared/roaming/event-view.js";
import { MISP_LINK_SETTINGS, type MispLinkContext } from "../shared/roaming/misp-link-setting.js";

// TheHive 5 (docs/actions-cases.md): an alert, optionally promoted to a case. The alert's
// (type, source, sourceRef) is unique per organisation and sourceRef is the event (or
// attribute) UUID, so a second run finds the alert already there: TheHive answers 400
// CreateError "already exist(s)", which is success here, not an error.

/** TheHive's scales (TheHive 4 numbering for TLP; TLP 2.0's AMBER+STRICT is sent as AMBER). */
export const THEHIVE_TLP: Readonly<Record<Marking, number>> = { clear: 0, green: 1, amber: 2, "amber+strict": 2, red: 3 };
export const THEHIVE_PAP: Readonly<Record<Marking, number>> = { clear: 0, green: 1, amber: 2, "amber+strict": 2, red: 3 };
export const THEHIVE_SEVERITY = { low: 1, medium: 2, high: 3, critical: 4 } as const;
/** MISP threat level → TheHive severity (High 3, Medium 2, Low 1, Undefined 2). */
export const SEVERITY_BY_THREAT_LEVEL: Readonly<Record<string, number>> = { "1": 3, "2": 2, "3": 1, "4": 2 };

export interface TheHiveAlertInput {
  baseUrl: string;
  apiKey: string;
  organisation?: string;
  verifyTls: boolean;
  alert: {
    type: string;
    source: string;
    sourceRef: string;
    title: string;
    description: string;
    severity: number;
    tlp?: number;
    pap?: number;
    tags: string[];
    date?: number;
    externalLink?: string;
    observables: TheHiveObservable[];
    caseTemplate?: string;
    customFields?: Array<{ name: string; value: unknown; order: number }>;
  };
}

function headers(apiKey: string, organisation: string | undefined): Record<string, string> {
  return { authorization: `Bearer ${apiKey}`, ...(organisation ? { "x-organisation": organisation } : {}) };
}

/** POST /api/v1/alert (pure). The idempotency key is TheHive's own uniqueness key. */
export function buildTheHiveAlertRequest(i: TheHiveAlertInput): PreparedRequest {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(i.alert)) if (v !== undefined) body[k] = v;
  return jsonPost("creating the TheHive alert", `${i.baseUrl}/api/v1/alert`, body, {
    headers: headers(i.apiKey, i.organisation),
    secrets: [i.apiKey],
    idempotencyKey: `${i.alert.type}:${i.alert.source}:${i.alert.sourceRef}`,
    // A resend meets the first alert and is reported as already existing.
    retry: true,
    verifyTls: i.verifyTls,
  });
}

/** POST /api/v1/alert/{id}/case: turns the alert into a case (pure). */
export function buildTheHivePromoteRequest(i: Omit<TheHiveAlertInput, "alert">, alertId: string, caseTemplate?: string): PreparedRequest {
  return jsonPost(
    "promoting the TheHive alert to a case",
    `${i.baseUrl}/api/v1/alert/${encodeURIComponent(alertId)}/case`,
    caseTemplate ? { caseTemplate } : {},
    {
      headers: headers(i.apiKey, i.organisation),
      secrets: [i.apiKey],
      verifyTls: i.verifyTls,
    },
  );
}

/**
 * POST /api/v1/query: the alert with this uniqueness key (TheHive4py's alert.find), to learn
 * whether an alert an earlier run created was already promoted (pure).
 */
export function buildTheHiveFindAlertRequest(
  i: Omit<TheHiveAlertInput, "alert">,
  key: { type: string; source: string; sourceRef: string },
): PreparedRequest {
  const eq = (field: string, value: string) => ({ _eq: { _field: field, _value: value } });
  const query = [
    { _name: "listAlert" },
    { _name: "filter", _and: [eq("type", key.type), eq("source", key.source), eq("sourceRef", key.sourceRef)] },
    { _name: "page", from: 0, to: 1 },
  ];
  return jsonPost(
    "looking up the existing TheHive alert",
    `${i.baseUrl}/api/v1/query?name=misp-existing-alert`,
    { query },
    {
      headers: headers(i.apiKey, i.organisation),
      secrets: [i.apiKey],
      retry: true,
      verifyTls: i.verifyTls,
    },
  );
}

interface TheHiveError {
  type?: unknown;
  message?: unknown;
  errors?: unknown;
}

/** "AttributeCheckingError: [...] (title: MissingAttributeError)" — TheHive4py shows "type - message". */
export function theHiveDetail(res: HttpResponse): string | undefined {
  const e = jsonBody(res) as TheHiveError | undefined;
  if (!e || typeof e !== "object" || (typeof e.type !== "string" && typeof e.message !== "string")) return undefined;
  let text = [e.type, e.message].filter((s): s is string => typeof s === "string" && s !== "").join(": ");
  if (Array.isArray(e.errors)) {
    const names = e.errors
      .map((x) => (isObject(x) ? [x.name, x.type].filter((s) => typeof s === "string").join(": ") : ""))
      .filter((s) => s !== "");
    if (names.length > 0) text += ` (${names.slice(0, 5).join("; ")})`;
  }
  return text;
}

/** TheHive's duplicate-alert answer: CreateError "… already exist(s) …" (400; 500 on early versions). */
export function isAlreadyExists(res: HttpResponse): boolean {
  if (res.status !== 400 && res.status !== 500) return false;
  const e = jsonBody(res) as TheHiveError | undefined;
  return e?.type === "CreateError" && typeof e.message === "string" && /already exist/i.test(e.message);
}

const MARKING_CHOICES = ["auto", "clear", "white", "green", "amber", "amber+strict", "red"] as const;
function marking(choice: (typeof MARKING_CHOICES)[number], fromTags: Marking | undefined): Marking | undefined {
  if (choice === "auto") return fromTags;
  return choice === "white" ? "clear" : choice;
}

function parseCustomFields(raw: string): TheHiveAlertInput["alert"]["customFields"] {
  if (raw.trim() === "") return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new ParamError("custom_fields", 'must be a JSON object such as {"misp-event-id": "42"}');
  }
  if (!isObject(v)) throw new ParamError("custom_fields", 'must be a JSON object such as {"misp-event-id": "42"}');
  return Object.entries(v).map(([name, value], order) => ({ name, value, order }));
}

const THEHIVE_PARAMS = {
  thehive_url: param.url({ required: true, placeholder: "https://thehive.example.org", description: "TheHive base URL (without /api)." }),
  api_key: param.secret({ required: true, description: "API key of a TheHive user allowed to create alerts (and cases)." }),
  organisation: param.string({
    placeholder: "SOC",
    description: "Organisation (X-Organisation header) for users in several. Default: the user's default organisation.",
  }),
  create: param.oneOf(["alert", "case"] as const, {
    default: "alert",
    description: "alert, or case (the alert is created and promoted to a case).",
  }),
  ...CASE_TEXT_PARAMS,
  severity: param.oneOf(["auto", "low", "medium", "high", "critical"] as const, {
    default: "auto",
    description: "auto: from the threat level (High high, Medium and Undefined medium, Low low).",
  }),
  tlp: param.oneOf(MARKING_CHOICES, {
    default: "auto",
    description: "auto: the strictest tlp: tag of the event, else TheHive's default.",
  }),
  pap: param.oneOf(MARKING_CHOICES, {
    default: "auto",
    description: "auto: the strictest PAP: tag of the event, else TheHive's default.",
  }),
  observables: param.oneOf(["all", "ids", "none"] as const, {
    default: "all",
    description: "Attributes sent as observables: all, ids (only to_ids), none. With a node filter: the filtered attributes.",
  }),
  scope: param.oneOf(["event", "attribute"] as const, {
    default: "event",
    description: "event: sourceRef = event UUID; attribute (attribute triggers): sourceRef = the attribute's UUID.",
  }),
  alert_type: param.string({
    default: "misp-event",
    placeholder: "misp-event",
    description: "The alert's type (part of its uniqueness key).",
  }),
  source: param.string({
    default: "MISP",
    placeholder: "MISP",
    description: "The alert's source (part of its uniqueness key), e.g. the MISP instance name.",
  }),
  case_template: param.string({ placeholder: "MISP event", description: "Case template name. Default: none." }),
  custom_fields: param.largeString({
    placeholder: '{"misp-event-id": "42"}',
    description: "Custom fields as a JSON object name → value. Default: none.",
    jinja: true,
  }),
  verify_tls: param.boolean({ default: true, description: "Verify TheHive's TLS certificate." }),
};

/** Checks the parameters and builds the request: run before queuing and on every attempt. */
function prepareTheHive(
  params: ParamValues<typeof THEHIVE_PARAMS>,
  data: unknown,
  filteredItems: readonly unknown[] | undefined,
  ctx: MispLinkContext,
): { input: TheHiveAlertInput; apiKey: string; sourceRef: string } {
  const baseUrl: string = parseParam("thehive_url", BaseUrlError, () => normaliseBaseUrl(params.thehive_url).replace(/\/api$/, ""));
  const apiKey = params.api_key.trim();
  if (/[\s]/.test(apiKey)) throw new ParamError("api_key", "must be a single word");
  const organisation = params.organisation.trim();
  if (/[\r\n]/.test(organisation)) throw new ParamError("organisation", "must be a single line");
  const customFields = parseCustomFields(params.custom_fields);

  const facts = eventFacts(data);
  const all = attributesOf(data);
  const attributes = filteredItems ? filteredItems.filter(isObject) : all;
  let sourceRef = facts?.uuid ?? "";
  if (params.scope === "attribute") {
    const attr = all.length === 1 ? all[0] : undefined;
    if (!attr || typeof attr.uuid !== "string")
      throw new ModuleError("scope attribute needs an attribute trigger (data with exactly one attribute)");
    sourceRef = attr.uuid;
  }
  if (sourceRef === "")
    throw new ModuleError("the data has no event UUID to use as sourceRef (this node needs an event or attribute trigger)");

  const link = eventLink(ctx.settings.misp_base_url, facts?.id ?? "");
  const tlp = marking(params.tlp, tlpOf(facts?.tags ?? []));
  const pap = marking(params.pap, papOf(facts?.tags ?? []));
  const scoped: Json[] = params.scope === "attribute" ? all : attributes;
  const input: TheHiveAlertInput = {
    baseUrl,
    apiKey,
    organisation: organisation || undefined,
    verifyTls: params.verify_tls,
    alert: {
      type: params.alert_type.trim() || "misp-event",
      source: params.source.trim() || "MISP",
      sourceRef,
      title: params.title.trim() || defaultTitle(data),
      description:
        params.description.trim() !== ""
          ? params.description
          : defaultMarkdownDescription(data, { maxLength: 100_000, extraction: filteredItems, link }),
      severity:
        params.severity === "auto" ? (SEVERITY_BY_THREAT_LEVEL[facts?.threatLevelId ?? ""] ?? 2) : THEHIVE_SEVERITY[params.severity],
      tlp: tlp === undefined ? undefined : THEHIVE_TLP[tlp],
      pap: pap === undefined ? undefined : THEHIVE_PAP[pap],
      tags: params.tags.trim() !== "" ? splitTags(params.tags) : (facts?.tags ?? []),
      date: facts?.timestamp ? facts.timestamp * 1000 : undefined,
      externalLink: link,
      observables: params.observables === "none" ? [] : theHiveObservables(scoped, { idsOnly: params.observables === "ids" }),
      caseTemplate: params.create === "alert" ? params.case_template.trim() || undefined : undefined,
      customFields,
    },
  };
  return { input, apiKey, sourceRef };
}

export default defineActionModule({
  meta: {
    description: "Create a TheHive 5 alert (or case) from the MISP event, with its attributes as observables.",
    name: "TheHive",
    version: "1.0",
    features:
      "Alert with title, Markdown description and tags from templates, severity from the threat level, TLP and PAP from the event's tags, " +
      "observables with MISP types mapped to TheHive data types (ioc from to_ids); sourceRef = event or attribute UUID, so a repeated run " +
      "is recognised (already exists = success). Case mode promotes the alert (optionally with a case template). Organisation header, custom fields.",
    references: ["https://docs.strangebee.com/thehive/api-docs/", "https://github.com/TheHive-Project/TheHive4py"],
    input: "Roaming data in MISP core format (event or attribute triggers).",
    output: "A TheHive alert or case.",
  },
  icon: { name: "shield-alt", class: "fas" },
  params: THEHIVE_PARAMS,
  supportFilters: true,
  expectMispCoreFormat: true,
  serverSettings: MISP_LINK_SETTINGS,
  outbound: {
    // (type, source, sourceRef) is TheHive's own uniqueness key: a retried or repeated run finds
    // the alert already there, which counts as success (docs/delivery.md).
    validate({ params, data, filteredItems }, ctx) {
      prepareTheHive(params, data, filteredItems, ctx);
    },
  },
  async handler({ params, data, filteredItems }, ctx) {
    const { input, apiKey, sourceRef } = prepareTheHive(params, data, filteredItems, ctx);
    const res = await sendPrepared(ctx, buildTheHiveAlertRequest(input));
    let alertId: string;
    if (isAlreadyExists(res)) {
      ctx.log.info({ sourceRef }, "TheHive alert already exists (created by an earlier run)");
      if (params.create === "alert") return;
      // Case mode: promote it unless the earlier run (or an analyst) already did.
      const found = await sendPrepared(ctx, buildTheHiveFindAlertRequest(input, input.alert));
      const list = jsonBody(found);
      const existing = Array.isArray(list) && isObject(list[0]) ? list[0] : undefined;
      if (found.status !== 200 || typeof existing?._id !== "string") {
        throw new ModuleError(
          `the alert exists but could not be looked up to promote it: ${describeFailure(found, { detail: theHiveDetail(found), secrets: [apiKey] })}`,
        );
      }
      if (typeof existing.caseId === "string" && existing.caseId !== "") {
        ctx.log.info({ alertId: existing._id, caseId: existing.caseId }, "TheHive alert already promoted to a case");
        return;
      }
      alertId = existing._id;
    } else {
      if (res.status !== 201 && res.status !== 200)
        throw new ModuleError(describeFailure(res, { detail: theHiveDetail(res), secrets: [apiKey] }));
      const created = jsonBody(res) as { _id?: unknown } | undefined;
      if (typeof created?._id !== "string")
        throw new ModuleError(describeFailure(res, { prefix: "unexpected answer from TheHive", secrets: [apiKey] }));
      alertId = created._id;
      ctx.log.info({ alertId, observables: input.alert.observables.length }, "TheHive alert created");
      if (params.create === "alert") return;
    }

    const promoted = await sendPrepared(ctx, buildTheHivePromoteRequest(input, alertId, params.case_template.trim() || undefined));
    if (promoted.status !== 201 && promoted.status !== 200) {
      throw new ModuleError(
        `alert ${alertId} created, but not promoted to a case: ${describeFailure(promoted, { detail: theHiveDetail(promoted), secrets: [apiKey] })}`,
      );
    }
    const kase = jsonBody(promoted) as { _id?: unknown; number?: unknown } | undefined;
    ctx.log.info({ alertId, caseId: kase?._id, number: kase?.number }, "TheHive case created");
  },
});

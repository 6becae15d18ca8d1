import { defineActionModule, ModuleError, param, ParamError, parseParam } from "../../sdk/index.js";
import type { HttpResponse, ModuleContext } from "../../sdk/index.js";
import { CASE_TEXT_PARAMS, defaultMarkdownDescription, defaultTitle, splitTags } from "../shared/cases/description.js";
import { irisIocs, type IrisIoc } from "../shared/cases/iris-iocs.js";
import { deliver } from "../shared/messages/deliver.js";
import { BaseUrlError, normaliseBaseUrl } from "../shared/messages/base-url.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { jsonPost, sendPrepared, type PreparedRequest } from "../shared/messages/prepared-request.js";
import { eventFacts, eventLink, tlpOf } from "../shared/roaming/event-facts.js";
import { attributesOf, isObject } from "../shared/roaming/event-view.js";
import { MISP_LINK_SETTINGS } from "../shared/roaming/misp-link-setting.js";

// DFIR-IRIS (docs/actions-cases.md): an alert (default) or a case. IRIS 2.4 routes answer a
// {status, message, data} envelope with HTTP 200; IRIS 2.5+ has /api/v2 routes (201 with the
// bare object) and marks the old ones with a Deprecation header. "auto" uses the 2.4 route,
// falls back to /api/v2 when it is gone, and logs the deprecation. IRIS has no duplicate check
// on alert_source_ref: a repeated run creates another alert, so nothing is resent automatically.

/** Fresh-install severity ids: 1 Unspecified, 2 Informational, 3 Low, 4 Medium, 5 High, 6 Critical. */
export const IRIS_SEVERITY = { unspecified: 1, informational: 2, low: 3, medium: 4, high: 5, critical: 6 } as const;
/** MISP threat level → IRIS severity (High 5, Medium 4, Low 3, Undefined 1). */
export const SEVERITY_BY_THREAT_LEVEL: Readonly<Record<string, number>> = { "1": 5, "2": 4, "3": 3, "4": 1 };

export type IrisApi = "v2.4" | "v2";

export interface IrisTarget {
  baseUrl: string;
  apiKey: string;
  verifyTls: boolean;
}

function post(what: string, t: IrisTarget, path: string, body: unknown): PreparedRequest {
  return jsonPost(what, `${t.baseUrl}${path}`, body, {
    headers: { authorization: `Bearer ${t.apiKey}` },
    secrets: [t.apiKey],
    verifyTls: t.verifyTls,
  });
}

export interface IrisAlert {
  alert_title: string;
  alert_description: string;
  alert_severity_id: number;
  alert_status_id: number;
  alert_customer_id: number;
  alert_source: string;
  alert_source_ref?: string;
  alert_source_link?: string;
  alert_source_event_time?: string;
  alert_tags: string;
  alert_iocs: IrisIoc[];
  alert_source_content?: Record<string, unknown>;
}

/** POST /alerts/add (2.4) or /api/v2/alerts (pure). */
export function buildIrisAlertRequest(t: IrisTarget, api: IrisApi, alert: IrisAlert): PreparedRequest {
  return post("creating the IRIS alert", t, api === "v2" ? "/api/v2/alerts" : "/alerts/add", alert);
}

export interface IrisCase {
  case_name: string;
  case_description: string;
  case_soc_id: string;
  case_customer: number;
  case_tags: string;
  severity_id: number;
  case_template_id?: string;
}

/** POST /manage/cases/add (2.4) or /api/v2/cases (pure). */
export function buildIrisCaseRequest(t: IrisTarget, api: IrisApi, kase: IrisCase): PreparedRequest {
  return post("creating the IRIS case", t, api === "v2" ? "/api/v2/cases" : "/manage/cases/add", kase);
}

/** Whether IRIS accepted: a 2.4 success envelope, or a v2 201/200 with an object. */
export function irisAccepted(res: HttpResponse): boolean {
  const body = jsonBody(res);
  if (!isObject(body)) return false;
  if (res.status === 200 && "status" in body) return body.status === "success";
  return res.status === 201 || res.status === 200;
}

/** IRIS's message, with the field errors of a "Data error" envelope. */
export function irisDetail(res: HttpResponse): string | undefined {
  const body = jsonBody(res);
  if (!isObject(body) || typeof body.message !== "string") return undefined;
  let text = body.message;
  if (isObject(body.data)) {
    const fields = Object.entries(body.data)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(" ") : typeof v === "string" ? v : JSON.stringify(v)}`)
      .slice(0, 5);
    if (fields.length > 0) text += ` (${fields.join("; ")})`;
  }
  return text;
}

/** IOC type name → id from the server (GET /manage/ioc-types/list, else /api/v2/manage/ioc-types). */
async function iocTypeIds(ctx: ModuleContext, t: IrisTarget): Promise<Map<string, number> | undefined> {
  for (const path of ["/manage/ioc-types/list", "/api/v2/manage/ioc-types"]) {
    const res = await deliver(ctx, `${t.baseUrl}${path}`, {
      what: "listing the IRIS IOC types",
      headers: { authorization: `Bearer ${t.apiKey}` },
      secrets: [t.apiKey],
      verifyTls: t.verifyTls,
    });
    if (res.status === 404) continue;
    if (res.status !== 200)
      throw new ModuleError(describeFailure(res, { prefix: "cannot list the IOC types", detail: irisDetail(res), secrets: [t.apiKey] }));
    const body = jsonBody(res);
    const list = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.data) ? body.data : undefined;
    if (!list) return undefined;
    const map = new Map<string, number>();
    for (const e of list)
      if (isObject(e) && typeof e.type_name === "string" && typeof e.type_id === "number") map.set(e.type_name, e.type_id);
    return map;
  }
  return undefined;
}

/** The parameter checks that need no request: run before queuing and on every attempt. */
function checkIrisParams(params: { iris_url: string; api_key: string; customer_id: number | undefined }) {
  const baseUrl: string = parseParam("iris_url", BaseUrlError, () => normaliseBaseUrl(params.iris_url));
  const apiKey = params.api_key.trim().replace(/^Bearer\s+/i, "");
  if (/\s/.test(apiKey)) throw new ParamError("api_key", "must be a single word");
  const customer = params.customer_id;
  if (customer === undefined) throw new ParamError("customer_id", "is required");
  return { baseUrl, apiKey, customer };
}

export default defineActionModule({
  meta: {
    description: "Create a DFIR-IRIS alert (or case) from the MISP event, with its attributes as IOCs.",
    name: "DFIR-IRIS",
    version: "1.0",
    features:
      "IRIS 2.4 routes (enveloped replies) or the /api/v2 routes of 2.5+ (detected; the Deprecation header is logged). " +
      "Title, description and tags from templates, severity from the threat level, IOCs with types matched by name to the server's IOC types " +
      "and TLP from tags. Customer id required. IRIS's own error text.",
    references: ["https://docs.dfir-iris.org/latest/_static/iris_api_reference_v2.0.4.html", "https://github.com/dfir-iris/iris-web"],
    input: "Roaming data in MISP core format.",
    output: "A DFIR-IRIS alert or case.",
  },
  icon: { name: "search", class: "fas" },
  params: {
    iris_url: param.url({ required: true, placeholder: "https://iris.example.org", description: "IRIS base URL." }),
    api_key: param.secret({
      required: true,
      description: "API key of an IRIS user (My settings) with alerts_write (and case creation) on the customer.",
    }),
    customer_id: param.integer({
      required: true,
      min: 1,
      placeholder: "1",
      description: "IRIS customer (client) id the alert or case belongs to.",
    }),
    create: param.oneOf(["alert", "case"] as const, {
      default: "alert",
      description: "alert (with IOCs), or case (no IOCs: IRIS adds them per case).",
    }),
    ...CASE_TEXT_PARAMS,
    severity: param.oneOf(["auto", "unspecified", "informational", "low", "medium", "high", "critical"] as const, {
      default: "auto",
      description: "auto: from the threat level (High high, Medium medium, Low low, Undefined unspecified).",
    }),
    alert_status_id: param.integer({ default: 2, min: 1, description: "Alert status id (fresh install: 2 New)." }),
    iocs: param.oneOf(["all", "ids", "none"] as const, {
      default: "all",
      description: "Attributes sent as IOCs: all, ids (only to_ids), none. With a node filter: the filtered attributes.",
    }),
    case_soc_id: param.template({
      multiline: false,
      placeholder: "MISP-{{ Event.id }}",
      description: "SOC ticket id of a case. Default: MISP-<event id>.",
    }),
    case_template_id: param.string({ placeholder: "1", description: "Case template id. Default: none." }),
    api_version: param.oneOf(["auto", "v2.4", "v2"] as const, {
      default: "auto",
      description: "auto: the 2.4 routes, the /api/v2 routes when those are gone.",
    }),
    verify_tls: param.boolean({ default: true, description: "Verify IRIS's TLS certificate." }),
  },
  supportFilters: true,
  expectMispCoreFormat: true,
  serverSettings: MISP_LINK_SETTINGS,
  outbound: {
    // IRIS does not deduplicate alerts (no check on alert_source_ref): a retry after a lost
    // answer may create a second alert; alert_source_content carries the delivery id to spot it.
    validate({ params }) {
      checkIrisParams(params);
    },
  },
  async handler({ params, data, filteredItems }, ctx) {
    const { baseUrl, apiKey, customer } = checkIrisParams(params);
    const target: IrisTarget = { baseUrl, apiKey, verifyTls: params.verify_tls };
    const facts = eventFacts(data);
    const link = eventLink(ctx.settings.misp_base_url, facts?.id ?? "");
    const title = params.title.trim() || defaultTitle(data);
    const description =
      params.description.trim() !== ""
        ? params.description
        : defaultMarkdownDescription(data, { maxLength: 100_000, extraction: filteredItems, link });
    const tags = (params.tags.trim() !== "" ? splitTags(params.tags) : (facts?.tags ?? [])).map((t) => t.replace(/,/g, " ")).join(",");
    const severity =
      params.severity === "auto" ? (SEVERITY_BY_THREAT_LEVEL[facts?.threatLevelId ?? ""] ?? 1) : IRIS_SEVERITY[params.severity];

    let build: (api: IrisApi) => PreparedRequest;
    if (params.create === "case") {
      const socId = params.case_soc_id.trim() || (facts?.id ? `MISP-${facts.id}` : "MISP");
      const kase: IrisCase = {
        case_name: title.length >= 2 ? title : `${title}  `.slice(0, 2),
        case_description: description.length >= 2 ? description : "MISP event",
        case_soc_id: socId,
        case_customer: customer,
        case_tags: tags,
        severity_id: severity,
        ...(params.case_template_id.trim() ? { case_template_id: params.case_template_id.trim() } : {}),
      };
      build = (api) => buildIrisCaseRequest(target, api, kase);
    } else {
      const attributes = filteredItems ? filteredItems.filter(isObject) : attributesOf(data);
      let iocs: IrisIoc[] = [];
      if (params.iocs !== "none" && attributes.length > 0) {
        const typeIds = await iocTypeIds(ctx, target);
        if (!typeIds) ctx.log.warn("dfir_iris: the server did not list its IOC types; IOCs are sent without a type");
        iocs = irisIocs(attributes, { idsOnly: params.iocs === "ids", typeIds, defaultTlp: tlpOf(facts?.tags ?? []) ?? "amber" });
      }
      const alert: IrisAlert = {
        alert_title: title,
        alert_description: description,
        alert_severity_id: severity,
        alert_status_id: params.alert_status_id,
        alert_customer_id: customer,
        alert_source: "MISP",
        ...(facts?.uuid ? { alert_source_ref: facts.uuid } : {}),
        ...(link ? { alert_source_link: link } : {}),
        ...(facts?.timestamp ? { alert_source_event_time: new Date(facts.timestamp * 1000).toISOString() } : {}),
        alert_tags: tags,
        alert_iocs: iocs,
        ...(facts
          ? {
              alert_source_content: {
                misp_event_id: facts.id,
                misp_event_uuid: facts.uuid,
                org: facts.orgName,
                tags: facts.tags,
                delivery_id: ctx.delivery.id,
              },
            }
          : {}),
      };
      build = (api) => buildIrisAlertRequest(target, api, alert);
    }

    let api: IrisApi = params.api_version === "v2" ? "v2" : "v2.4";
    let res = await sendPrepared(ctx, build(api));
    if (res.status === 404 && params.api_version === "auto") {
      api = "v2";
      res = await sendPrepared(ctx, build(api));
    }
    if (res.headers.deprecation !== undefined) {
      ctx.log.warn({ link: res.headers.link }, "dfir_iris: IRIS marks this route as deprecated; set api_version to v2");
    }
    if (irisAccepted(res)) {
      ctx.log.info({ api, create: params.create }, `IRIS ${params.create} created`);
      return;
    }
    throw new ModuleError(describeFailure(res, { detail: irisDetail(res), secrets: [apiKey] }));
  },
});

import { z } from "zod";
import type { RecordedRequest, Reply } from "../../../helpers/stand-in.js";

// DFIR-IRIS (dfir-iris/iris-web). 2.4 routes: Authorization: Bearer <key> (or X-IRIS-AUTH), replies
// {"status","message","data"} with 200 on success, 400 on errors (401 "Authentication required", 403
// "Permission denied"). POST /alerts/add requires alert_title, alert_severity_id, alert_status_id,
// alert_customer_id; unknown keys are ignored; alert_tags and ioc_tags are comma-separated strings.
// POST /manage/cases/add requires case_name and case_description (≥2 chars), case_soc_id, case_customer;
// validation errors are 400 "Data error" with data {field: [messages]}. Version "2.5": the same old
// routes answer with a Deprecation header and /api/v2/alerts and /api/v2/cases answer 201 with the bare
// object (errors 400 {"message","data"}); version "v2-only": the old routes are gone (404).

export const IRIS_KEY = "irisApiKeyStandIn_0123456789abcdefABCDEF";
export const IRIS_CUSTOMER = 1;
export const IRIS_IOC_TYPES: Record<string, number> = {
  AS: 2,
  btc: 10,
  domain: 20,
  "email-src": 25,
  filename: 37,
  hostname: 69,
  "ip-dst": 76,
  "ip-dst|port": 77,
  "ip-src": 79,
  md5: 90,
  other: 96,
  sha1: 111,
  sha256: 113,
  url: 141,
};

const envelope = (status: number, ok: boolean, message: string, data: unknown = []): Reply => ({
  status,
  body: { status: ok ? "success" : "error", message, data },
});

const Ioc = z.object({
  ioc_value: z.string().min(1),
  ioc_type_id: z
    .number()
    .int()
    .refine((id) => Object.values(IRIS_IOC_TYPES).includes(id), "Invalid IOC type id")
    .optional(),
  ioc_tlp_id: z.number().int().min(1).max(5).optional(),
  ioc_description: z.string().optional(),
  ioc_tags: z.string().optional(),
});
const Alert = z.object({
  alert_title: z.string(),
  alert_severity_id: z.number().int().min(1).max(6),
  alert_status_id: z
    .number()
    .int()
    .refine((id) => id >= 1 && id <= 8, "Invalid alert status ID"),
  alert_customer_id: z.number().int(),
  alert_description: z.string().optional(),
  alert_source: z.string().optional(),
  alert_source_ref: z.string().optional(),
  alert_source_link: z.string().optional(),
  alert_source_event_time: z.string().datetime({ offset: true }).optional(),
  alert_source_content: z.record(z.string(), z.unknown()).optional(),
  alert_tags: z.string().optional(),
  alert_iocs: z.array(Ioc).optional(),
});
const Case = z.object({
  case_name: z.string().min(2, "Shorter than minimum length 2."),
  case_description: z.string().min(2, "Shorter than minimum length 2."),
  case_soc_id: z.string(),
  case_customer: z.number().int(),
  case_tags: z.string().optional(),
  severity_id: z.number().int().min(1).max(6).optional(),
  case_template_id: z.string().optional(),
});

/** marshmallow's message shape: {'field': ['Missing data for required field.']} */
function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of error.issues) {
    const k = i.path.join(".");
    (out[k] ??= []).push(i.code === "invalid_type" && i.message.includes("undefined") ? "Missing data for required field." : i.message);
  }
  return out;
}

/** Python's repr of a dict of lists of strings: {'f': ['m']} */
function pythonDict(d: Record<string, string[]>): string {
  return `{${Object.entries(d)
    .map(([k, v]) => `'${k}': [${v.map((m) => `'${m}'`).join(", ")}]`)
    .join(", ")}}`;
}

export type IrisVersion = "2.4" | "2.5" | "v2-only";

export function irisStandIn(version: IrisVersion = "2.4"): {
  handler: (req: RecordedRequest) => Reply;
  alerts: unknown[];
  cases: unknown[];
} {
  const alerts: unknown[] = [];
  const cases: unknown[] = [];
  const handler = (req: RecordedRequest): Reply => {
    const auth = req.headers.authorization ?? req.headers["x-iris-auth"];
    const key = typeof auth === "string" ? auth.replace(/^Bearer /, "") : undefined;
    if (key !== IRIS_KEY) return envelope(401, false, "Authentication required");
    const v2 = req.path.startsWith("/api/v2/");
    if (!v2 && version === "v2-only") return { status: 404, body: "" };
    if (v2 && version === "2.4") return envelope(404, false, "Not found");
    const deprecated = !v2 && version === "2.5" ? { deprecation: "True" } : undefined;
    const fail = (message: string, data: unknown = []): Reply =>
      v2 ? { status: 400, body: { message, data } } : { ...envelope(400, false, message, data), headers: deprecated };
    const done = (message: string, obj: Record<string, unknown>): Reply =>
      v2 ? { status: 201, body: obj } : { ...envelope(200, true, message, obj), headers: deprecated };

    if (req.method === "GET" && (req.path === "/manage/ioc-types/list" || req.path === "/api/v2/manage/ioc-types")) {
      const list = Object.entries(IRIS_IOC_TYPES).map(([type_name, type_id]) => ({
        type_id,
        type_name,
        type_description: type_name,
        type_taxonomy: null,
      }));
      return v2 ? { status: 200, body: list } : { ...envelope(200, true, "", list), headers: deprecated };
    }
    if (req.method !== "POST") return envelope(405, false, "Method not allowed");
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) return fail("Invalid request");
    let json: unknown;
    try {
      json = JSON.parse(req.body);
    } catch {
      return fail("Invalid JSON");
    }
    if (req.path === "/alerts/add" || req.path === "/api/v2/alerts") {
      const parsed = Alert.safeParse(json);
      // 2.4 puts the exception text (marshmallow's dict) in the message.
      if (!parsed.success) return fail(pythonDict(fieldErrors(parsed.error)));
      if (parsed.data.alert_customer_id !== IRIS_CUSTOMER) return fail("User not entitled to create alerts for the client");
      const alert = { alert_id: alerts.length + 1, alert_uuid: `0000-${alerts.length + 1}`, ...parsed.data };
      alerts.push(alert);
      return done("Alert created", alert);
    }
    if (req.path === "/manage/cases/add" || req.path === "/api/v2/cases") {
      const parsed = Case.safeParse(json);
      if (!parsed.success) return fail("Data error", fieldErrors(parsed.error));
      if (parsed.data.case_customer !== IRIS_CUSTOMER) return fail("Data error", { case_customer: ["Invalid customer ID"] });
      const kase = { case_id: cases.length + 1, ...parsed.data };
      cases.push(kase);
      return done("Case created", kase);
    }
    return v2 ? { status: 404, body: "" } : envelope(404, false, "Not found");
  };
  return { handler, alerts, cases };
}

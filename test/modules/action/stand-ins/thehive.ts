import { z } from "zod";
import type { RecordedRequest, Reply } from "../../../helpers/stand-in.js";

// TheHive 5 API v1 as TheHive4py uses it: Authorization: Bearer <key>, optional X-Organisation,
// JSON bodies. POST /api/v1/alert → 201 with the alert; (type, source, sourceRef) unique per
// organisation → 400 {"type":"CreateError","message":"Alert <type>:<source>:<ref> already exists in organisation <org>"}.
// Missing attributes → 400 AttributeCheckingError with errors[]. POST /api/v1/alert/{id}/case → 201 with the case.
// Errors are {"type", "message"}: AuthenticationError 401, AuthorizationError 403, NotFoundError 404.

export const THEHIVE_KEY = "thehiveApiKeyStandIn0123456789ab";
export const THEHIVE_ORGS = ["SOC", "CERT"];
export const THEHIVE_DATA_TYPES = [
  "autonomous-system",
  "domain",
  "file",
  "filename",
  "fqdn",
  "hash",
  "hostname",
  "ip",
  "mail",
  "mail-subject",
  "other",
  "regexp",
  "registry",
  "uri_path",
  "url",
  "user-agent",
];

const err = (status: number, type: string, message: string, extra: object = {}): Reply => ({ status, body: { type, message, ...extra } });

const Observable = z.object({
  dataType: z.string(),
  data: z.union([z.string().min(1), z.array(z.string())]),
  message: z.string().optional(),
  tags: z.array(z.string()).optional(),
  ioc: z.boolean().optional(),
  sighted: z.boolean().optional(),
  tlp: z.number().int().min(0).max(4).optional(),
  pap: z.number().int().min(0).max(3).optional(),
});
const Alert = z.object({
  type: z.string().min(1),
  source: z.string().min(1),
  sourceRef: z.string().min(1),
  title: z.string().min(1),
  description: z.string().min(1),
  externalLink: z.string().optional(),
  severity: z.number().int().min(1).max(4).optional(),
  date: z.number().int().optional(),
  tags: z.array(z.string()).optional(),
  flag: z.boolean().optional(),
  tlp: z.number().int().min(0).max(4).optional(),
  pap: z.number().int().min(0).max(3).optional(),
  customFields: z.array(z.object({ name: z.string(), value: z.unknown(), order: z.number().int().optional() })).optional(),
  summary: z.string().optional(),
  caseTemplate: z.string().optional(),
  observables: z.array(Observable).optional(),
});

export interface TheHiveState {
  alerts: Map<string, z.infer<typeof Alert> & { _id: string; org: string }>;
  cases: Array<{ _id: string; number: number; alertId: string; caseTemplate?: string }>;
}

export function theHiveStandIn(): { handler: (req: RecordedRequest) => Reply; state: TheHiveState } {
  const state: TheHiveState = { alerts: new Map(), cases: [] };
  let n = 0;
  const handler = (req: RecordedRequest): Reply => {
    if (req.headers.authorization !== `Bearer ${THEHIVE_KEY}`) return err(401, "AuthenticationError", "Authentication failure");
    const orgHeader = req.headers["x-organisation"];
    const org = typeof orgHeader === "string" ? orgHeader : THEHIVE_ORGS[0]!;
    if (!THEHIVE_ORGS.includes(org)) return err(403, "AuthorizationError", `Organisation ${org} not found or not accessible`);
    if (req.method !== "POST") return err(404, "NotFoundError", `${req.path} not found`);
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) return err(400, "BadRequest", "Expecting JSON data");
    let json: unknown;
    try {
      json = JSON.parse(req.body);
    } catch {
      return err(400, "BadRequest", "Invalid Json");
    }
    if (req.path === "/api/v1/alert") {
      const parsed = Alert.safeParse(json);
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({
          name: i.path.join("."),
          type: i.code === "invalid_type" && i.message.includes("undefined") ? "MissingAttributeError" : "InvalidFormatAttributeError",
        }));
        return err(400, "AttributeCheckingError", JSON.stringify(errors.map((e) => e.name)), { errors });
      }
      const a = parsed.data;
      const bad = (a.observables ?? []).find((o) => !THEHIVE_DATA_TYPES.includes(o.dataType));
      if (bad) return err(400, "BadRequest", `Observable type ${bad.dataType} not found`);
      const seen = new Set<string>();
      for (const o of a.observables ?? []) {
        const k = `${o.dataType}:${String(o.data)}`;
        if (seen.has(k)) return err(400, "CreateError", "Observable already exists");
        seen.add(k);
      }
      const key = `${org}\n${a.type}:${a.source}:${a.sourceRef}`;
      if (state.alerts.has(key)) {
        return err(400, "CreateError", `Alert ${a.type}:${a.source}:${a.sourceRef} already exists in organisation ${org}`, {
          object: { sourceRef: a.sourceRef },
        });
      }
      const alert = { ...a, _id: `~${4096 + ++n}`, org };
      state.alerts.set(key, alert);
      return {
        status: 201,
        body: {
          ...alert,
          _type: "Alert",
          _createdBy: "misp@thehive.local",
          _createdAt: Date.now(),
          status: "New",
          stage: "New",
          observableCount: (a.observables ?? []).length,
        },
      };
    }
    if (req.path === "/api/v1/query") {
      // TheHive's query DSL as TheHive4py sends it: listAlert, filter (_and of _eq), page.
      const q = (json as { query?: unknown }).query;
      if (!Array.isArray(q) || (q[0] as { _name?: unknown })?._name !== "listAlert") return err(400, "BadRequest", "Invalid query");
      const filter = q.find((x: { _name?: unknown }) => x._name === "filter") as
        | { _and?: Array<{ _eq?: { _field: string; _value: unknown } }> }
        | undefined;
      const conds = (filter?._and ?? []).map((c) => c._eq).filter((c): c is { _field: string; _value: unknown } => c !== undefined);
      const hits = [...state.alerts.values()].filter(
        (a) => a.org === org && conds.every((c) => (a as Record<string, unknown>)[c._field] === c._value),
      );
      return { status: 200, body: hits.map((a) => ({ ...a, caseId: state.cases.find((k) => k.alertId === a._id)?._id })) };
    }
    const promote = /^\/api\/v1\/alert\/([^/]+)\/case$/.exec(req.path);
    if (promote) {
      const id = decodeURIComponent(promote[1]!);
      const alert = [...state.alerts.values()].find((a) => a._id === id && a.org === org);
      if (!alert) return err(404, "NotFoundError", `Alert ${id} not found`);
      if (state.cases.some((k) => k.alertId === id)) return err(400, "BadRequest", `Alert ${id} has already been imported`);
      const body = z.object({ caseTemplate: z.string().optional() }).safeParse(json);
      if (!body.success) return err(400, "BadRequest", "Invalid case");
      const kase = { _id: `~${8192 + ++n}`, number: state.cases.length + 1, alertId: id, caseTemplate: body.data.caseTemplate };
      state.cases.push(kase);
      return { status: 201, body: { ...kase, title: alert.title, severity: alert.severity, status: "New" } };
    }
    return err(404, "NotFoundError", `${req.path} not found`);
  };
  return { handler, state };
}

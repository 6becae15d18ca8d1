// A local stand-in for Microsoft Entra's token endpoint and Sentinel's STIX objects upload
// API, enforcing the documented contract: client-credentials form with the right secret and
// scope, bearer tokens it issued (until they expire), api-version, `sourcesystem` and at most
// 100 `stixobjects`, required STIX properties and pattern syntax per object (refused objects
// come back as `errors` with their recordIndex in a 200), and the per-user rate limit with
// Sentinel's 429 body ("Try again in N seconds.").

import type { Answer, RecordedRequest, StandIn } from "./stand-in.js";
import { startStandIn } from "./stand-in.js";

type Json = Record<string, any>;

export interface SentinelStandIn {
  standIn: StandIn;
  url: string;
  tenant: string;
  clientId: string;
  clientSecret: string;
  workspace: string;
  /** STIX id → object, as accepted. */
  objects: Map<string, Json>;
  /** Upload requests accepted or refused, with their arrival times. */
  uploads: { at: number; count: number; status: number }[];
  tokenRequests: number;
  /** Lifetime of issued tokens in seconds. */
  tokenLifetime: number;
  /** Requests per minute before 429, and the seconds the 429 message names. */
  limitPerMinute: number;
  retrySeconds: number;
  /** Ids whose objects are refused with this message (200 + errors). */
  refuse: Map<string, string>;
  /** Tokens to treat as revoked. */
  revoked: Set<string>;
  /** Revokes every token issued so far. */
  revokeAll(): void;
  reset(): void;
  close(): Promise<void>;
}

const TYPES = new Set(["indicator", "attack-pattern", "threat-actor", "identity", "relationship"]);
const ID = /^([a-z-]+)--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const STR = "'(?:[^'\\\\]|\\\\['\\\\])*'";
const PATH = "[a-z0-9-]+:[a-z0-9_]+(?:\\.(?:[A-Za-z0-9_]+|'[A-Za-z0-9-]+')|\\[\\*\\])*";
const COMPARISON = `${PATH} = ${STR}`;
const PATTERN = new RegExp(`^\\[${COMPARISON}(?: (?:AND|OR) ${COMPARISON})*\\]$`);
const TLP = new Set([
  "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
  "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
  "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
  "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
]);

const missing = (p: string) => `Error for Property=${p}: Required property is missing. Actual value: NULL.`;

/** What Sentinel would say about one object ([] = valid). */
export function objectErrors(o: Json): string[] {
  const errors: string[] = [];
  if (typeof o.id !== "string") errors.push(missing("id"));
  else if (!ID.test(o.id) || ID.exec(o.id)![1] !== o.type) errors.push(`Error for Property=id: Invalid value. Actual value: ${o.id}.`);
  if (typeof o.type !== "string") errors.push(missing("type"));
  else if (!TYPES.has(o.type)) errors.push(`Error for Property=type: Unsupported type. Actual value: ${o.type}.`);
  for (const p of ["created", "modified"]) {
    if (o[p] === undefined) errors.push(missing(p));
    else if (typeof o[p] !== "string" || !ISO.test(o[p])) errors.push(`Error for Property=${p}: Invalid timestamp. Actual value: ${o[p]}.`);
  }
  if (o.spec_version !== undefined && o.spec_version !== "2.1" && o.spec_version !== "2.0")
    errors.push(`Error for Property=spec_version: Invalid value. Actual value: ${o.spec_version}.`);
  if (o.type === "indicator") {
    if (typeof o.pattern !== "string") errors.push(missing("pattern"));
    else if (o.pattern_type === "stix" && !PATTERN.test(o.pattern))
      errors.push(`Error for Property=pattern: Invalid STIX pattern. Actual value: ${o.pattern}.`);
    if (typeof o.pattern_type !== "string") errors.push(missing("pattern_type"));
    if (typeof o.valid_from !== "string") errors.push(missing("valid_from"));
    if (o.valid_until !== undefined && !(Date.parse(o.valid_until) > Date.parse(o.valid_from)))
      errors.push("Error for Property=valid_until: must be later than valid_from.");
  }
  if (o.confidence !== undefined && !(Number.isInteger(o.confidence) && o.confidence >= 0 && o.confidence <= 100))
    errors.push(`Error for Property=confidence: Invalid value. Actual value: ${o.confidence}.`);
  if (
    o.object_marking_refs !== undefined &&
    !(Array.isArray(o.object_marking_refs) && o.object_marking_refs.every((r: unknown) => typeof r === "string" && TLP.has(r)))
  ) {
    errors.push("Error for Property=object_marking_refs: Unknown marking definition.");
  }
  if (o.labels !== undefined && !(Array.isArray(o.labels) && o.labels.every((l: unknown) => typeof l === "string")))
    errors.push("Error for Property=labels: Invalid value.");
  return errors;
}

export async function startSentinelStandIn(o: { tls?: boolean } = {}): Promise<SentinelStandIn> {
  const issued = new Map<string, number>();
  const s: SentinelStandIn = {
    standIn: await startStandIn({ tls: o.tls }),
    url: "",
    tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    clientId: "1b730954-1685-4b74-9bfd-dac224a7b894",
    clientSecret: "Zx8Q~s3cr3t.value-for-tests_0123456789",
    workspace: "3f6c9b5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
    objects: new Map(),
    uploads: [],
    tokenRequests: 0,
    tokenLifetime: 3599,
    limitPerMinute: 100,
    retrySeconds: 1,
    refuse: new Map(),
    revoked: new Set(),
    revokeAll() {
      for (const t of issued.keys()) s.revoked.add(t);
    },
    reset() {
      s.objects.clear();
      s.uploads.length = 0;
      s.tokenRequests = 0;
      s.tokenLifetime = 3599;
      s.limitPerMinute = 100;
      s.retrySeconds = 1;
      s.refuse.clear();
      // Issued tokens stay valid, as Entra's do: a cached token must keep working across tests.
      s.standIn.reset();
    },
    close: () => s.standIn.close(),
  };
  s.url = s.standIn.url;
  s.standIn.handle((req) => handle(s, req, issued));
  return s;
}

function handle(s: SentinelStandIn, req: RecordedRequest, issued: Map<string, number>): Answer {
  if (req.path === `/${s.tenant}/oauth2/v2.0/token`) return token(s, req, issued);
  if (/\/oauth2\/v2\.0\/token$/.test(req.path))
    return { status: 400, body: { error: "invalid_tenant", error_description: "AADSTS90002: Tenant not found." } };
  const m = /^\/workspaces\/([^/]+)\/threat-intelligence-stix-objects:upload$/.exec(req.path);
  if (!m) return { status: 404, body: { error: { code: "NotFound", message: "Resource not found" } } };
  const auth = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ""));
  const expires = auth ? issued.get(auth[1]) : undefined;
  if (!auth || expires === undefined || expires < Date.now() || s.revoked.has(auth[1])) {
    return { status: 401, body: { error: { code: "InvalidAuthenticationToken", message: "The access token is invalid or has expired." } } };
  }
  if (req.query.get("api-version") !== "2024-02-01-preview")
    return {
      status: 400,
      body: { error: { code: "InvalidApiVersion", message: `The api-version '${req.query.get("api-version")}' is invalid.` } },
    };
  if (decodeURIComponent(m[1]) !== s.workspace)
    return { status: 404, body: { error: { code: "WorkspaceNotFound", message: `Workspace ${decodeURIComponent(m[1])} not found` } } };
  const now = Date.now();
  const recent = s.uploads.filter((u) => u.at > now - 60_000 && u.status !== 429).length;
  if (recent >= s.limitPerMinute) {
    s.uploads.push({ at: now, count: 0, status: 429 });
    return { status: 429, body: { statusCode: 429, message: `Rate limit is exceeded. Try again in ${s.retrySeconds} seconds.` } };
  }
  if (!String(req.headers["content-type"] ?? "").startsWith("application/json"))
    return { status: 415, body: { error: { code: "UnsupportedMediaType", message: "Content-Type must be application/json" } } };
  let body: Json;
  try {
    body = JSON.parse(req.body) as Json;
  } catch {
    return { status: 400, body: { error: { code: "BadRequest", message: "The request body is not valid JSON." } } };
  }
  if (typeof body.sourcesystem !== "string" || body.sourcesystem === "")
    return { status: 400, body: { error: { code: "BadRequest", message: "sourcesystem is required." } } };
  if (body.sourcesystem.toLowerCase() === "microsoft sentinel")
    return { status: 400, body: { error: { code: "BadRequest", message: "sourcesystem 'Microsoft Sentinel' is reserved." } } };
  if (!Array.isArray(body.stixobjects) || body.stixobjects.length === 0)
    return { status: 400, body: { error: { code: "BadRequest", message: "stixobjects is required." } } };
  if (body.stixobjects.length > 100)
    return {
      status: 400,
      body: { error: { code: "BadRequest", message: `At most 100 objects per request; got ${body.stixobjects.length}.` } },
    };
  const errors: Json[] = [];
  for (const [i, o] of (body.stixobjects as Json[]).entries()) {
    const problems = objectErrors(o);
    const refused = s.refuse.get(o.id);
    if (refused) problems.push(refused);
    if (problems.length > 0) errors.push({ recordIndex: i, errorMessages: problems });
    else s.objects.set(o.id, o);
  }
  s.uploads.push({ at: now, count: body.stixobjects.length, status: 200 });
  return errors.length === 0 ? { status: 200, body: "" } : { status: 200, body: { errors } };
}

function token(s: SentinelStandIn, req: RecordedRequest, issued: Map<string, number>): Answer {
  s.tokenRequests++;
  if (req.method !== "POST")
    return { status: 405, body: { error: "invalid_request", error_description: "AADSTS900561: The endpoint only accepts POST requests." } };
  if (!String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
    return {
      status: 400,
      body: {
        error: "invalid_request",
        error_description: "AADSTS900144: The request body must contain the following parameter: 'grant_type'.",
      },
    };
  }
  const form = new URLSearchParams(req.body);
  if (form.get("grant_type") !== "client_credentials")
    return {
      status: 400,
      body: { error: "unsupported_grant_type", error_description: "AADSTS70003: The app requested an unsupported grant type." },
    };
  if (form.get("client_id") !== s.clientId)
    return {
      status: 400,
      body: {
        error: "unauthorized_client",
        error_description: `AADSTS700016: Application with identifier '${form.get("client_id")}' was not found in the directory.`,
      },
    };
  if (form.get("client_secret") !== s.clientSecret) {
    return {
      status: 401,
      body: {
        error: "invalid_client",
        error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${s.clientId}'.\r\nTrace ID: 0`,
      },
    };
  }
  if (form.get("scope") !== "https://management.azure.com/.default") {
    return {
      status: 400,
      body: { error: "invalid_scope", error_description: `AADSTS1002012: The provided value for scope ${form.get("scope")} is not valid.` },
    };
  }
  const value = `eyJ0eXAiOiJKV1Qi.${s.tokenRequests}.${Math.random().toString(36).slice(2)}`;
  issued.set(value, Date.now() + s.tokenLifetime * 1000);
  return { status: 200, body: { token_type: "Bearer", expires_in: s.tokenLifetime, ext_expires_in: s.tokenLifetime, access_token: value } };
}

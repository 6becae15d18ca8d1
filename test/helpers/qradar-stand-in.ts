// A local QRadar reference-data stand-in enforcing the documented contract: `SEC` token,
// `Version` header, JSON array of strings for bulk_load, element types (IP holds IPv4
// addresses), 404/1002 for a missing set, 201 on creation and 409/1004 for an existing
// name. Error bodies have QRadar's shape.

import net from "node:net";
import type { Answer, RecordedRequest, StandIn } from "./stand-in.js";
import { startStandIn } from "./stand-in.js";

export interface QradarSet {
  elementType: string;
  values: Set<string>;
  timeToLive?: string;
}

export interface QradarStandIn {
  standIn: StandIn;
  url: string;
  token: string;
  sets: Map<string, QradarSet>;
  close(): Promise<void>;
}

const ELEMENT_TYPES = new Set(["ALN", "ALNIC", "NUM", "IP", "PORT", "DATE"]);

export function qradarError(status: number, message: string, code: number, description: string): Answer {
  return { status, body: { http_response: { code: status, message }, code, description, details: {}, message: description } };
}

const metadata = (name: string, s: QradarSet) => ({
  creation_time: 1717000000000,
  element_type: s.elementType,
  name,
  number_of_elements: s.values.size,
  timeout_type: s.timeToLive ? "LAST_SEEN" : "UNKNOWN",
  ...(s.timeToLive ? { time_to_live: s.timeToLive } : {}),
});

export async function startQradarStandIn(token: string, o: { tls?: boolean } = {}): Promise<QradarStandIn> {
  const q: QradarStandIn = { standIn: await startStandIn({ tls: o.tls }), url: "", token, sets: new Map(), close: () => q.standIn.close() };
  q.url = q.standIn.url;
  q.standIn.handle((req) => handle(q, req));
  return q;
}

function handle(q: QradarStandIn, req: RecordedRequest): Answer {
  const sec = req.headers.sec;
  if (sec === undefined)
    return qradarError(
      401,
      "You are unauthorized to access the requested resource.",
      13,
      'No SEC header present in request. Please provide it via "SEC: token".',
    );
  if (sec !== q.token)
    return qradarError(401, "You are unauthorized to access the requested resource.", 13, "Invalid authentication token.");
  const version = req.headers.version;
  if (version !== undefined && !/^\d+\.\d+$/.test(String(version)))
    return qradarError(406, "The requested version is not supported.", 1, `Invalid version [${version}]`);
  if (req.headers.accept !== undefined && !/application\/json|\*\/\*/.test(String(req.headers.accept)))
    return qradarError(406, "Not Acceptable", 1, "Accept must be application/json");
  const bulk = /^\/api\/reference_data\/sets\/bulk_load\/([^/]+)$/.exec(req.path);
  if (bulk && req.method === "POST") {
    const name = decodeURIComponent(bulk[1]);
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json"))
      return qradarError(415, "Unsupported Media Type", 1001, "Content-Type must be application/json");
    let values: unknown;
    try {
      values = JSON.parse(req.body);
    } catch {
      return qradarError(400, "The request was not well-formed", 1001, "The JSON body could not be parsed");
    }
    if (!Array.isArray(values) || !values.every((v) => typeof v === "string"))
      return qradarError(400, "The request was not well-formed", 1001, "The body must be an array of strings");
    const set = q.sets.get(name);
    if (!set) return qradarError(404, "The requested resource could not be found.", 1002, `The reference set ${name} does not exist`);
    for (const v of values as string[]) {
      if (set.elementType === "IP" && net.isIPv4(v) === false) {
        return qradarError(
          422,
          "The request was well-formed but was unable to be followed due to semantic errors",
          1005,
          `Value [${v}] is not a valid IP address`,
        );
      }
    }
    for (const v of values as string[]) set.values.add(set.elementType === "ALNIC" ? v.toLowerCase() : v);
    return { status: 200, body: metadata(name, set) };
  }
  if (req.path === "/api/reference_data/sets" && req.method === "POST") {
    const name = req.query.get("name");
    const elementType = req.query.get("element_type");
    if (!name || !elementType || !ELEMENT_TYPES.has(elementType)) {
      return qradarError(
        422,
        "The request was well-formed but was unable to be followed due to semantic errors",
        1005,
        "name and a valid element_type are required",
      );
    }
    if (q.sets.has(name))
      return qradarError(409, "The request could not be completed due to a conflict", 1004, `The reference set ${name} already exists`);
    const ttl = req.query.get("time_to_live") ?? undefined;
    if (ttl && req.query.get("timeout_type") !== "LAST_SEEN" && req.query.get("timeout_type") !== "FIRST_SEEN") {
      return qradarError(
        422,
        "The request was well-formed but was unable to be followed due to semantic errors",
        1005,
        "timeout_type is required with time_to_live",
      );
    }
    const set: QradarSet = { elementType, values: new Set(), timeToLive: ttl };
    q.sets.set(name, set);
    return { status: 201, body: metadata(name, set) };
  }
  return qradarError(404, "The requested resource could not be found.", 1002, `No endpoint ${req.method} ${req.path}`);
}

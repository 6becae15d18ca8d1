import type { RecordedRequest, Reply } from "../../../helpers/stand-in.js";

// Flowintel API (flowintel/flowintel, Flask-RESTX under /api): X-API-KEY header, missing or unknown
// key → 403 {"message": "You don't have the permission…"}. POST /api/case/create and
// /api/case/create_with_event: title required and unique (cases and tasks share the check),
// tags must exist in Flowintel's taxonomies, deadline_date %Y-%m-%d, is_private bool;
// 201 {"message": "Case created, id: N", "case_id": N}; 400 {"message": …} otherwise.
// POST /api/case/<id>/create_task → 201 {"message": "Task T created for case id: N", "task_id": T}.

export const FLOWINTEL_KEY = "flowintelKeyStandIn0123456789";
export const FLOWINTEL_READONLY_KEY = "flowintelReadOnlyKey000000000";
export const FLOWINTEL_TAGS = ["tlp:amber", "tlp:green", "tlp:red", "tlp:white", "tlp:clear", "PAP:GREEN", "PAP:AMBER", "PAP:RED"];

const FORBIDDEN = {
  message: "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server.",
};

export function flowintelStandIn(): {
  handler: (req: RecordedRequest) => Reply;
  cases: Array<Record<string, any>>;
  tasks: Array<{ caseId: number; title: string }>;
} {
  const cases: Array<Record<string, any>> = [];
  const tasks: Array<{ caseId: number; title: string }> = [];
  const titleTaken = (t: string) => cases.some((c) => c.title === t) || tasks.some((k) => k.title === t);
  const handler = (req: RecordedRequest): Reply => {
    const key = req.headers["x-api-key"];
    if (key !== FLOWINTEL_KEY && key !== FLOWINTEL_READONLY_KEY) return { status: 403, body: FORBIDDEN };
    if (req.method !== "POST") return { status: 405, body: { message: "The method is not allowed for the requested URL." } };
    if (key === FLOWINTEL_READONLY_KEY) return { status: 403, body: FORBIDDEN };
    let json: any;
    try {
      json = JSON.parse(req.body);
    } catch {
      return { status: 400, body: { message: "Please give data" } };
    }
    if (!json || typeof json !== "object") return { status: 400, body: { message: "Please give data" } };
    if (req.path === "/api/case/create" || req.path === "/api/case/create_with_event") {
      if (typeof json.title !== "string" || json.title.trim() === "") return { status: 400, body: { message: "Please give a title" } };
      if (titleTaken(json.title)) return { status: 400, body: { message: "Title already exist" } };
      if (json.deadline_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(json.deadline_date))
        return { status: 400, body: { message: "deadline_date bad format" } };
      if (json.is_private !== undefined && typeof json.is_private !== "boolean")
        return { status: 400, body: { message: "'is_private' need a bool" } };
      for (const t of json.tags ?? [])
        if (!FLOWINTEL_TAGS.includes(t)) return { status: 400, body: { message: `Tag '${t}' doesn't exist` } };
      if (req.path.endsWith("create_with_event") && (typeof json.event !== "object" || typeof json.event?.Event !== "object"))
        return { status: 400, body: { message: "Please give an event" } };
      const id = cases.length + 1;
      cases.push({ id, ...json });
      return { status: 201, body: { message: `Case created, id: ${id}`, case_id: id } };
    }
    const task = /^\/api\/case\/(\d+)\/create_task$/.exec(req.path);
    if (task) {
      const caseId = Number(task[1]);
      if (!cases.some((c) => c.id === caseId)) return { status: 404, body: { message: "Case not found" } };
      if (typeof json.title !== "string" || json.title.trim() === "") return { status: 400, body: { message: "Please give a title" } };
      if (titleTaken(json.title)) return { status: 400, body: { message: "Title already exist" } };
      tasks.push({ caseId, title: json.title });
      return { status: 201, body: { message: `Task ${tasks.length} created for case id: ${caseId}`, task_id: tasks.length } };
    }
    return { status: 404, body: { message: "The requested URL was not found on the server." } };
  };
  return { handler, cases, tasks };
}

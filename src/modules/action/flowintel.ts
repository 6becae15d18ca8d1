import { defineActionModule, ModuleError, param, ParamError, parseParam } from "../../sdk/index.js";
import type { HttpResponse } from "../../sdk/index.js";
import { defaultMarkdownDescription, splitTags } from "../shared/cases/description.js";
import { BaseUrlError, normaliseBaseUrl } from "../shared/messages/base-url.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { jsonPost, sendPrepared, type PreparedRequest } from "../shared/messages/prepared-request.js";
import { eventFacts, eventLink } from "../shared/roaming/event-facts.js";
import { eventOf, isObject } from "../shared/roaming/event-view.js";
import { MISP_LINK_SETTINGS } from "../shared/roaming/misp-link-setting.js";

// Flowintel (docs/actions-cases.md): a case, from the MISP event itself (create_with_event)
// or from title and description only, then optional tasks. Case titles are unique in
// Flowintel: with the event id appended (the default) a title that already exists is the case
// an earlier run created, and the run succeeds; without it, the clash is reported.

const MAX_TASKS = 20;

export interface FlowintelTarget {
  baseUrl: string;
  apiKey: string;
  verifyTls: boolean;
}

export interface FlowintelCase {
  title: string;
  description: string;
  tags?: string[];
  is_private?: boolean;
  deadline_date?: string;
  /** {"Event": {...}}: the case is created from the event (create_with_event). */
  event?: Record<string, unknown>;
}

function post(what: string, t: FlowintelTarget, path: string, body: unknown, idempotencyKey?: string): PreparedRequest {
  return jsonPost(what, `${t.baseUrl}${path}`, body, {
    headers: { "x-api-key": t.apiKey },
    secrets: [t.apiKey],
    verifyTls: t.verifyTls,
    idempotencyKey,
  });
}

/** POST /api/case/create or /api/case/create_with_event (pure); the unique title is the idempotency key. */
export function buildFlowintelCaseRequest(t: FlowintelTarget, kase: FlowintelCase): PreparedRequest {
  return post(
    "creating the Flowintel case",
    t,
    kase.event ? "/api/case/create_with_event" : "/api/case/create",
    kase,
    `title:${kase.title}`,
  );
}

/** POST /api/case/<id>/create_task (pure). */
export function buildFlowintelTaskRequest(t: FlowintelTarget, caseId: number | string, title: string): PreparedRequest {
  return post("creating a Flowintel task", t, `/api/case/${encodeURIComponent(String(caseId))}/create_task`, { title });
}

export function flowintelMessage(res: HttpResponse): string | undefined {
  const body = jsonBody(res);
  return isObject(body) && typeof body.message === "string" ? body.message : undefined;
}

/** The clearest sentence for a 400 of case creation. */
export function explainCaseRefusal(message: string, title: string): string {
  const tag = /^Tag '(.*)' doesn't exist$/.exec(message.trim());
  if (tag) return `Flowintel does not know the tag '${tag[1]}' (enable its taxonomy in Flowintel, or remove it from tags)`;
  if (/^Title already exist/i.test(message.trim()))
    return `a Flowintel case titled "${title}" already exists (case titles are unique: set title_suffix to true, or change the title)`;
  return message;
}

function addDays(days: number, now = new Date()): string {
  const d = new Date(now.getTime() + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** The parameter checks that need no request: run before queuing and on every attempt. */
function checkFlowintelParams(params: { flowintel_url: string; api_key: string; tasks: string }) {
  const baseUrl: string = parseParam("flowintel_url", BaseUrlError, () => normaliseBaseUrl(params.flowintel_url).replace(/\/api$/, ""));
  const apiKey = params.api_key.trim();
  if (/\s/.test(apiKey)) throw new ParamError("api_key", "must be a single word");
  const tasks = [
    ...new Set(
      params.tasks
        .split(/\r?\n/)
        .map((t) => t.trim())
        .filter((t) => t !== ""),
    ),
  ];
  if (tasks.length > MAX_TASKS) throw new ParamError("tasks", `has ${tasks.length} lines (at most ${MAX_TASKS})`);
  return { baseUrl, apiKey, tasks };
}

export default defineActionModule({
  meta: {
    description: "Create a Flowintel case (from the MISP event, with its objects and known tags) and optional tasks.",
    name: "Flowintel",
    version: "1.0",
    features:
      "create_with_event (Flowintel imports the event's objects and maps its tags and galaxy clusters it knows) or a plain case; " +
      "unique titles with the event id appended (an existing case is then the one created earlier: success), tasks from a list, " +
      "unknown tags named in the error, Flowintel's own messages.",
    references: ["https://github.com/flowintel/flowintel"],
    input: "Roaming data in MISP core format.",
    output: "A Flowintel case with tasks.",
  },
  icon: { name: "tasks", class: "fas" },
  params: {
    flowintel_url: param.url({
      required: true,
      placeholder: "https://flowintel.example.org",
      description: "Flowintel base URL (without /api).",
    }),
    api_key: param.secret({ required: true, description: "API key of a Flowintel user (editor; misp_editor for with_event)." }),
    with_event: param.boolean({
      default: true,
      description: "Create the case from the MISP event (create_with_event): its objects and known tags come along.",
    }),
    title: param.template({
      multiline: false,
      placeholder: "{{ Event.info }}",
      description: "Case title (unique in Flowintel). Default: the event's info.",
    }),
    title_suffix: param.boolean({
      default: true,
      description: 'Append " (MISP event <id>)" to the title; an existing case with that title then counts as created.',
    }),
    description: param.template({
      placeholder: "Created from MISP event {{ Event.id }}",
      description: "Case description (Markdown). Default: the event summary with a link back to MISP.",
    }),
    tags: param.template({
      multiline: false,
      placeholder: "tlp:amber, PAP:GREEN",
      description: "Taxonomy tags that exist in Flowintel, comma-separated. Default: none.",
    }),
    tasks: param.largeString({
      placeholder: "Triage\nBlock indicators",
      description: "One task title per line (at most 20). Default: no tasks.",
      jinja: true,
    }),
    is_private: param.boolean({ default: false, description: "Make the case private." }),
    deadline_days: param.integer({ min: 1, max: 3650, placeholder: "7", description: "Deadline this many days from now. Default: none." }),
    verify_tls: param.boolean({ default: true, description: "Verify Flowintel's TLS certificate." }),
  },
  expectMispCoreFormat: true,
  serverSettings: MISP_LINK_SETTINGS,
  outbound: {
    // The case title is Flowintel's uniqueness key: with title_suffix a retried run finds the
    // case already there, which counts as success (docs/delivery.md).
    validate({ params, data }) {
      checkFlowintelParams(params);
      if (params.with_event && !eventOf(data))
        throw new ModuleError("with_event needs event data (this trigger sends none): set with_event to false");
    },
  },
  async handler({ params, data }, ctx) {
    const { baseUrl, apiKey, tasks } = checkFlowintelParams(params);
    const target: FlowintelTarget = { baseUrl, apiKey, verifyTls: params.verify_tls };
    const facts = eventFacts(data);
    const event = eventOf(data);
    if (params.with_event && !event)
      throw new ModuleError("with_event needs event data (this trigger sends none): set with_event to false");

    let title = params.title.trim() || facts?.info || "MISP workflow notification";
    if (params.title_suffix && facts?.id) title = `${title} (MISP event ${facts.id})`;
    const link = eventLink(ctx.settings.misp_base_url, facts?.id ?? "");
    const kase: FlowintelCase = {
      title,
      description: params.description.trim() !== "" ? params.description : defaultMarkdownDescription(data, { maxLength: 100_000, link }),
      ...(params.tags.trim() !== "" ? { tags: splitTags(params.tags) } : {}),
      ...(params.is_private ? { is_private: true } : {}),
      ...(params.deadline_days !== undefined ? { deadline_date: addDays(params.deadline_days) } : {}),
      ...(params.with_event && event ? { event: { Event: event } } : {}),
    };
    const res = await sendPrepared(ctx, buildFlowintelCaseRequest(target, kase));
    const message = flowintelMessage(res);
    if (res.status === 400 && message && /^Title already exist/i.test(message.trim()) && params.title_suffix && facts?.id) {
      ctx.log.info({ title }, "Flowintel case already exists (created by an earlier run)");
      return;
    }
    if (res.status === 400 && message) throw new ModuleError(`${explainCaseRefusal(message, title)} (HTTP 400)`);
    if (res.status !== 201 && res.status !== 200) throw new ModuleError(describeFailure(res, { detail: message, secrets: [apiKey] }));
    const caseId = (jsonBody(res) as { case_id?: unknown } | undefined)?.case_id;
    if (typeof caseId !== "number" && typeof caseId !== "string")
      throw new ModuleError(describeFailure(res, { prefix: "unexpected answer from Flowintel", secrets: [apiKey] }));
    ctx.log.info({ caseId, withEvent: params.with_event }, "Flowintel case created");

    for (const [i, task] of tasks.entries()) {
      const t = await sendPrepared(ctx, buildFlowintelTaskRequest(target, caseId, task));
      if (t.status === 201 || t.status === 200) continue;
      const m = flowintelMessage(t);
      const why =
        m && /^Title already exist/i.test(m.trim())
          ? `Flowintel refused the task title "${task}": a case or task already has it (HTTP 400)`
          : describeFailure(t, { detail: m, secrets: [apiKey] });
      // Not retried by the outbox: a new attempt would find the case (title taken) and stop
      // there, so the missing tasks would pass unnoticed; a dead letter shows them.
      throw new ModuleError(`case ${caseId} created, task ${i + 1}/${tasks.length} failed: ${why}`, { retryable: false });
    }
  },
});

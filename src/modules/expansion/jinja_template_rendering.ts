// jinja_template_rendering: MISP's workflow engine sends every jinja_supported parameter here
// (docs/protocol.md#jinja-params, docs/protocol.md#jinja-rendering; docs/modules.md#jinja_template_rendering). MISP reads results[0].values[0] without any check, so every
// reply — success or failure, including the core's own timeout reply — carries that string.
import { defineExpansionModule, type ModuleLogger, serverSetting } from "../../sdk/index.js";
import { configureTemplatePool, describeRenderFailure, getTemplatePool, isTemplateError, renderInPool } from "../../engines/jinja/pool.js";

/** Past the core's deadline, so that its Timeout reply, not ours, is the one MISP gets. */
const DEADLINE_GRACE_MS = 20;

type TextReply = { results: [{ types: ["text"]; values: [string] }] };

function textReply(rendered: string): TextReply {
  return { results: [{ types: ["text"], values: [rendered] }] };
}

function failureReply(reason: string): { error: string } & TextReply {
  return { error: reason, ...textReply("") };
}

function logFailure(log: ModuleLogger, error: unknown, reason: string): void {
  // Never the data or the template text: only the error's own description and position.
  const fields = isTemplateError(error) ? { kind: error.kind, line: error.line, column: error.column } : {};
  log.warn(fields, reason);
}

const positive = (description: string) => serverSetting.integer({ min: 1, description: `${description} Default: the engine's own.` });

/** Size the process-wide template pool and the engine's limits; unset keys keep the defaults. */
const RENDERING_SERVER_SETTINGS = {
  workers: positive("Render worker threads."),
  timeout_ms: positive("Time one render may take, in ms."),
  max_queue: positive("Renders waiting for a worker at most."),
  idle_ms: positive("An idle worker exits after this long, in ms."),
  max_heap_mb: positive("V8 old-generation cap of one render worker, in MiB."),
  max_young_mb: positive("V8 young-generation cap of one render worker, in MiB (small keeps the RSS down)."),
  max_output_bytes: positive("Size of one rendered text at most, in bytes."),
  max_range_size: positive("Length of one range() at most."),
  max_loop_iterations: positive("Loop iterations of one render at most."),
  warm_start: serverSetting.boolean({
    default: false,
    description: "Start the worker threads when the server starts instead of with the first render.",
  }),
};

export default defineExpansionModule({
  meta: {
    name: "Jinja Template Rendering",
    description: "Render a Jinja2 template against the data MISP passes (used by workflows for jinja_supported parameters).",
    version: "1.0",
    author: "misp-modules-ts",
    logo: "",
    requirements: [],
    features:
      'Takes a JSON string {"template": ..., "data": ...} in `text` and returns the rendered text. Rendering is ' +
      "sandboxed, follows Jinja2 semantics and runs in worker threads with time and size limits.",
    references: ["https://jinja.palletsprojects.com/"],
    input: "text: a JSON string with the keys template (Jinja2 template text) and data (template context).",
    output: "The rendered template as a text value.",
  },
  moduleType: ["expansion"],
  input: ["text"],
  output: ["text"],

  // Server-side settings (modules.jinja_template_rendering.<key> or MISP_MODULES_JINJA_TEMPLATE_RENDERING_<KEY>).
  serverSettings: RENDERING_SERVER_SETTINGS,

  async init(ctx) {
    const s = ctx.settings;
    const pool = {
      size: s.workers,
      timeoutMs: s.timeout_ms,
      maxQueue: s.max_queue,
      idleMs: s.idle_ms,
      maxHeapMb: s.max_heap_mb,
      maxYoungMb: s.max_young_mb,
    };
    const limits = Object.fromEntries(
      Object.entries({
        maxOutputBytes: s.max_output_bytes,
        maxRangeSize: s.max_range_size,
        maxLoopIterations: s.max_loop_iterations,
      }).filter(([, value]) => value !== undefined),
    );
    const anySet = Object.values(pool).some((value) => value !== undefined) || Object.keys(limits).length > 0;
    if (anySet) await configureTemplatePool({ ...pool, limits: Object.keys(limits).length ? limits : undefined });
    // Worker threads start with the first render (they cost memory an idle server need not
    // hold); warm_start=true starts them now so the first workflow run does not wait for them.
    if (s.warm_start) await getTemplatePool().ready();
  },

  async handler({ request }, ctx) {
    const text = request.text;
    if (typeof text !== "string" || text.trim() === "") {
      return failureReply('Invalid request: text must be a JSON string {"template": ..., "data": ...}');
    }
    try {
      // Stopped just after the core's deadline (when the core answers MISP). A deadline, not
      // ctx.signal: under load, an abort listener on each request's signal (Node 20) kept every
      // request's text alive into the old generation, and garbage collection then took about a
      // fifth of the event loop's time per render.
      return textReply(await renderInPool(text, { deadline: ctx.deadline + DEADLINE_GRACE_MS }));
    } catch (error) {
      const reason = describeRenderFailure(error);
      logFailure(ctx.log, error, reason);
      return failureReply(reason);
    }
  },

  errorReply: failureReply,
});

import { z } from "zod";

// The console API's schemas: they validate requests and describe them in /openapi.json.

export const ApiError = z.object({ error: z.string().describe("What was wrong, in one sentence") });

const intString = (what: string) => z.string().regex(/^\d+$/, `${what} must be a whole number`);
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$|^\d{4}-\d{2}-\d{2}/, "since/until: a duration such as 90s, 15m, 1h, 7d, or an ISO date");

export const QueryListParams = z.object({
  module: z.string().max(200).optional(),
  outcome: z.enum(["ok", "error", "timeout", "unknown_module", "crash"]).optional(),
  since: duration.optional(),
  until: duration.optional(),
  q: z.string().max(500).optional().describe("Text searched in module, outcome, error, masked parameters and request id"),
  before: intString("before").optional().describe("Cursor: list records with a smaller id (the `next` of the previous page)"),
  limit: intString("limit").optional().describe("Page size, 1-500 (default 50)"),
  run: intString("run").optional(),
});

export const RunListParams = z.object({
  trigger: z.string().max(200).optional(),
  outcome: z.string().max(50).optional(),
  since: duration.optional(),
  before: intString("before").optional(),
  limit: intString("limit").optional(),
});

export const IdParams = z.object({ id: intString("id") });
export const HashParams = z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/, "hash must be a SHA-256 in hex") });
export const NameParams = z.object({ name: z.string().min(1).max(200) });

const ParamValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const ReplayBody = z.object({
  params: z
    .record(z.string(), ParamValue)
    .optional()
    .describe("Parameters to replace (by name, id or label); masked ones not given are reused server-side"),
});

export const RenderBody = z.object({
  template: z.string().max(1_000_000),
  data: z.unknown().optional().describe("Template context (the roaming data)"),
  dataText: z.string().optional().describe("The context as JSON text (kept as MISP would decode it)"),
});

export const ExtractBody = z.object({
  path: z.string().max(10_000),
  data: z.unknown().optional(),
  dataText: z.string().optional(),
});

export const FilterBody = z.object({
  selector: z.string().max(10_000).default(""),
  path: z.string().max(10_000).default(""),
  operator: z.string().max(50),
  value: z.unknown(),
  data: z.unknown().optional(),
  dataText: z.string().optional(),
});

export const TryBody = z.object({
  params: z.record(z.string(), z.string()).default({}).describe("Action modules: values stored in the node (name, id or label)"),
  data: z.unknown().optional(),
  dataText: z.string().optional(),
  filter: z.object({ selector: z.string(), value: z.unknown(), operator: z.string(), path: z.string() }).optional(),
  attribute: z.record(z.string(), z.unknown()).optional().describe("Expansion modules: the attribute to enrich ({type, value})"),
  config: z.record(z.string(), z.string()).optional().describe("Expansion modules: MISP-side settings"),
  dryRun: z.boolean().default(false).describe("Only build the request"),
});

export const LoginBody = z.object({ token: z.string().min(1) });

import { z } from "zod";

// Shapes of the HTTP API. The same zod schemas validate requests and, converted to JSON
// Schema, make up /openapi.json.

export const QueryBody = z
  .looseObject({
    module: z.string().min(1).describe("Name of the module to run"),
    timeout: z.number().int().positive().optional().describe("Deadline in seconds (reference parity; MISP never sends it)"),
    data: z.unknown().optional().describe("Action modules: the workflow roaming data"),
    params: z
      .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
      .optional()
      .describe("Action modules: parameter values keyed by slugged id ([] when none)"),
    matchingData: z.record(z.string(), z.unknown()).optional().describe("Action modules: hash-path extractions keyed by parameter label"),
    filteredItems: z.unknown().optional().describe("Action modules with support_filters: items kept by the node filter"),
    config: z
      .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
      .optional()
      .describe("Expansion modules: settings (null when unset)"),
    attribute: z.record(z.string(), z.unknown()).optional().describe("misp_standard expansions: the attribute"),
  })
  .describe("A misp-modules query. Other keys depend on the module (e.g. `<attribute type>: value` for simplified expansions).");
export type QueryBody = z.infer<typeof QueryBody>;

export const ErrorReply = z.object({ error: z.string() }).describe("Failure, reported with HTTP 200 so MISP reads it");

export const QueryReply = z
  .looseObject({
    data: z.unknown().optional(),
    results: z.unknown().optional(),
    error: z.string().optional(),
  })
  .describe("Action: {data: true} or {error}. Expansion: {results} or {error, results: []}.");

export const BadRequestReply = z.object({ error: z.string() }).describe("Malformed request (not JSON, not an object, no module)");

export const ModuleDescriptorSchema = z.looseObject({
  name: z.string(),
  type: z.enum(["action_mod", "expansion"]),
  mispattributes: z.record(z.string(), z.unknown()),
  meta: z.looseObject({
    version: z.string(),
    author: z.string(),
    description: z.string(),
    "module-type": z.array(z.enum(["expansion", "hover", "action"])),
    name: z.string(),
    logo: z.string(),
    requirements: z.array(z.string()),
    features: z.string(),
    references: z.array(z.string()),
    input: z.string(),
    output: z.string(),
    config: z.union([z.array(z.string()), z.record(z.string(), z.unknown())]),
  }),
});
export const ModulesReply = z.array(ModuleDescriptorSchema).describe("Every module descriptor (docs/protocol.md#get-modules)");

export const HealthReply = z
  .looseObject({
    status: z.literal(true),
    modules: z.object({
      loaded: z.number().int(),
      initialising: z.array(z.string()),
      failed: z.array(z.object({ name: z.string().optional(), file: z.string(), error: z.string(), at: z.string() })),
      isolated: z
        .array(
          z.object({
            name: z.string(),
            state: z.enum(["starting", "running", "restarting", "backoff", "stopped"]),
            restarts: z.number().int(),
            lastError: z.string().optional(),
            lastErrorAt: z.string().optional(),
          }),
        )
        .optional()
        .describe("Custom modules running in isolates (worker threads)"),
    }),
  })
  .describe("Always {status: true} while the server runs, plus per-module status");

export const VersionReply = z.object({ version: z.string() });

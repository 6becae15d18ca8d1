import { defineActionModule, ModuleError, param } from "../../sdk/index.js";
import { formatSpan, guardKey, showKey, stateUnavailable } from "../shared/guards/guard-key.js";

// Blocks a path when it already ran N times for the same key within a sliding window (e.g. at
// most 20 chat notifications per event per hour): a brake on floods. Same state as once_guard
// (docs/guards.md); blocked runs are not counted.

export default defineActionModule({
  meta: {
    description:
      "Lets a workflow path run at most N times per key (e.g. per event) within a time window; runs over the limit are blocked with the reason.",
    name: "Rate guard",
    features:
      "Sliding window. Key from a Jinja template MISP renders ({{ Event.uuid }}) and/or a hash path. State in the server's store or Redis (shared by every server). Fails closed when the state is unavailable.",
    input: "Roaming data of any trigger.",
    output: "Success while under the limit; an error (blocks the path) once the limit is reached.",
  },
  icon: { name: "tachometer-alt", class: "fas" },
  blocking: true,
  params: {
    subject: param.template({
      multiline: false,
      placeholder: "{{ Event.uuid }}",
      description: "What is counted (rendered by MISP). With Subject Path, both together form the key.",
    }),
    subject_path: param.hashPath({ placeholder: "Event.uuid", description: "Hash path whose value is the key (alternative to Subject)." }),
    limit: param.integer({ default: 20, min: 1, max: 1_000_000, description: "Runs allowed per key within the window." }),
    window: param.duration({ default: "1h", max: "3650d", description: "Length of the sliding window." }),
    guard_name: param.string({
      default: "default",
      placeholder: "chat-notifications",
      description: "Separates the counts of different workflows: guards with the same name share their counts.",
    }),
    message: param.template({
      multiline: false,
      placeholder: "Too many notifications for {{ Event.info }}",
      description: "Optional first line of the error shown when the run is blocked.",
    }),
  },
  async handler({ params, rawParams, matchingData, data }, ctx) {
    const key = guardKey({ key: params.subject, keyPath: rawParams.subject_path ?? "", extracted: matchingData.subject_path, data });
    let r: Awaited<ReturnType<typeof ctx.guardState.hit>>;
    try {
      r = await ctx.guardState.hit(`rate:${params.guard_name}`, key, params.limit, params.window);
    } catch (e) {
      throw stateUnavailable(e);
    }
    if (r.allowed) return;
    const head = params.message.trim() || `rate limit reached for key ${showKey(key)}`;
    throw new ModuleError(
      `${head} (${r.count} runs within ${formatSpan(params.window)}, limit ${params.limit}, guard "${params.guard_name}"; next run allowed after ${new Date(r.resetAt).toISOString()}): the path stops here`,
    );
  },
});

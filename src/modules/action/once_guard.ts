import { defineActionModule, ModuleError, param } from "../../sdk/index.js";
import { formatSpan, guardKey, showKey, stateUnavailable } from "../shared/guards/guard-key.js";

// Blocks a path the second time it runs for the same key within a window: the answer to a
// workflow that re-triggers itself (attribute-after-save → enrichment → save → ...). State in
// the embedded store or Redis, so it holds across restarts and servers (docs/guards.md).

export default defineActionModule({
  meta: {
    description: "Lets a workflow path run once per key (e.g. per attribute) within a time window; later runs are blocked with the reason.",
    name: "Once guard",
    features:
      "Key from a Jinja template MISP renders (the attribute's uuid) and/or a hash path. Window default 30 days. State in the server's store or Redis (shared by every server). Fails closed when the state is unavailable.",
    input: "Roaming data of any trigger.",
    output: "Success the first time a key is seen in the window; an error (blocks the path) afterwards.",
  },
  icon: { name: "fingerprint", class: "fas" },
  blocking: true,
  params: {
    subject: param.template({
      multiline: false,
      // Attribute triggers wrap the attribute into its event (Event._AttributeFlattened), hence not {{ Attribute.uuid }}.
      placeholder: "{{ Event._AttributeFlattened[0].uuid }}",
      description: "What makes a run 'the same' (rendered by MISP). With Subject Path, both together form the key.",
    }),
    subject_path: param.hashPath({
      placeholder: "Event._AttributeFlattened.{n}.uuid",
      description: "Hash path whose value is the key (alternative to Subject).",
    }),
    window: param.duration({
      default: "30d",
      max: "3650d",
      description: "How long a key stays seen; after that it may run once again.",
    }),
    guard_name: param.string({
      default: "default",
      placeholder: "onion-enrichment",
      description: "Separates the keys of different workflows: guards with the same name share their keys.",
    }),
    message: param.template({
      multiline: false,
      placeholder: "Already handled: {{ Event.info }}",
      description: "Optional first line of the error shown when the run is blocked.",
    }),
  },
  async handler({ params, rawParams, matchingData, data }, ctx) {
    const key = guardKey({ key: params.subject, keyPath: rawParams.subject_path ?? "", extracted: matchingData.subject_path, data });
    let seen: Awaited<ReturnType<typeof ctx.guardState.once>>;
    try {
      seen = await ctx.guardState.once(`once:${params.guard_name}`, key, params.window);
    } catch (e) {
      throw stateUnavailable(e);
    }
    if (seen.first) return;
    const head = params.message.trim() || `already ran for key ${showKey(key)}`;
    throw new ModuleError(
      `${head} (first run ${new Date(seen.firstSeen).toISOString()}, window ${formatSpan(params.window)}, guard "${params.guard_name}"; runs again after ${new Date(seen.expiresAt).toISOString()}): the path stops here`,
    );
  },
});

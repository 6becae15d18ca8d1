import { internalRangeOf, ipsInAttribute } from "../shared/roaming/internal-ips.js";
import { attributeTagNames, attributesOf, describeAttribute, eventOf, tagNames } from "../shared/roaming/event-view.js";
import { Violations } from "../shared/roaming/violations.js";
import { compileUserPattern, type UserPattern } from "../../engines/regex/index.js";
import { defineActionModule, ModuleError, param } from "../../sdk/index.js";

// Blocking sanity checks before an event is published (trigger `event-publish`). Every
// rule is off while its parameter is empty; the error lists every failed rule at once.

/** MISP distribution levels from most to least restricted (4 = sharing group sits after "your org only"). */
const DISTRIBUTION_ORDER = ["0", "4", "1", "2", "3"];
const DISTRIBUTION_NAMES: Record<string, string> = {
  "0": "your organisation only",
  "1": "this community only",
  "2": "connected communities",
  "3": "all communities",
  "4": "sharing group",
};

function rank(distribution: unknown): number {
  return DISTRIBUTION_ORDER.indexOf(String(distribution));
}

const lower = (s: string) => s.toLowerCase();

export default defineActionModule({
  meta: {
    description: "Blocks publishing an event that fails the configured sanity checks, and says which ones.",
    name: "Publish guard",
    features:
      "Rules: required tag namespaces, forbidden tags, minimum attributes, minimum to_ids attributes, no to_ids internal/documentation IPs, event info checks, maximum distribution when a tag is present.",
    input: "Roaming data of the event-publish trigger.",
    output: "An error listing every violated rule (blocks the publish), or success.",
  },
  icon: { name: "shield-alt", class: "fas" },
  blocking: true,
  expectMispCoreFormat: true,
  params: {
    required_tag_namespaces: param.list({
      placeholder: "tlp",
      description: "The event must carry a tag of each namespace (e.g. tlp, PAP). Empty: rule off.",
    }),
    forbidden_tags: param.list({
      placeholder: "tlp:red, PAP:RED",
      description: "Tags that must not be on the event or any attribute (case-insensitive). Empty: rule off.",
    }),
    min_attributes: param.integer({ placeholder: "1", description: "Minimum number of attributes. Empty: rule off." }),
    min_ids_attributes: param.integer({
      placeholder: "1",
      description: "Minimum number of attributes with the IDS flag. Empty: rule off.",
    }),
    forbid_internal_ids_ips: param.boolean({
      default: false,
      placeholder: "true",
      description: "Refuse IDS-flagged IP attributes in private, loopback, link-local or documentation ranges.",
    }),
    require_info: param.boolean({ default: false, placeholder: "true", description: "The event info must not be empty." }),
    forbidden_info_pattern: param.string({
      placeholder: "(?i)^(test|todo)",
      description:
        "PCRE regular expression (PHP syntax, no delimiters) the event info must not match; (?i) makes it case-insensitive. Empty: rule off.",
    }),
    restricted_tag: param.string({
      placeholder: "tlp:amber",
      description: "With max_distribution: when this tag is on the event, the event and its attributes may not be distributed wider.",
    }),
    max_distribution: param.oneOf(["0", "4", "1", "2", "3"], {
      default: "",
      placeholder: "1",
      description:
        "Widest distribution allowed when restricted_tag is present: 0 org only, 4 sharing group, 1 community, 2 connected, 3 all.",
    }),
  },
  handler({ params, data }) {
    const event = eventOf(data);
    if (!event) throw new ModuleError("the roaming data has no Event: use this module with the event-publish trigger");
    const v = new Violations();
    const eventTags = tagNames(event.Tag);
    const attributes = attributesOf(data).filter((a) => a.deleted !== true);

    for (const ns of params.required_tag_namespaces) {
      const prefix = lower(ns.replace(/:$/, "")) + ":";
      if (!eventTags.some((t) => lower(t).startsWith(prefix))) v.add(`missing a tag of the "${ns}" namespace on the event`);
    }

    if (params.forbidden_tags.length > 0) {
      const forbidden = new Set(params.forbidden_tags.map(lower));
      const hits = eventTags.filter((t) => forbidden.has(lower(t))).map((t) => `${t} (event)`);
      for (const a of attributes) {
        for (const t of attributeTagNames(a, false)) if (forbidden.has(lower(t))) hits.push(`${t} on ${describeAttribute(a)}`);
      }
      if (hits.length) v.add("forbidden tag present", hits);
    }

    if (params.min_attributes !== undefined && attributes.length < params.min_attributes) {
      v.add(`the event has ${attributes.length} attribute(s), at least ${params.min_attributes} required`);
    }
    if (params.min_ids_attributes !== undefined) {
      const ids = attributes.filter((a) => a.to_ids === true).length;
      if (ids < params.min_ids_attributes)
        v.add(`the event has ${ids} attribute(s) with the IDS flag, at least ${params.min_ids_attributes} required`);
    }

    if (params.forbid_internal_ids_ips) {
      const hits: string[] = [];
      for (const a of attributes) {
        if (a.to_ids !== true || typeof a.value !== "string") continue;
        for (const ip of ipsInAttribute(String(a.type), a.value)) {
          const kind = internalRangeOf(ip);
          if (kind) hits.push(`${describeAttribute(a)} is ${kind}`);
        }
      }
      if (hits.length) v.add("IDS-flagged IP in an internal or documentation range", hits);
    }

    const info = typeof event.info === "string" ? event.info.trim() : "";
    if ((params.require_info || params.forbidden_info_pattern !== "") && info === "") v.add("the event info is empty");
    if (params.forbidden_info_pattern !== "" && info !== "") {
      // Bounded matcher: a backtracking pattern answers an error instead of stalling the server.
      let re: UserPattern;
      try {
        re = compileUserPattern("forbidden_info_pattern", params.forbidden_info_pattern);
      } catch (e) {
        throw new ModuleError((e as Error).message);
      }
      let hit: boolean;
      try {
        hit = re.test(info);
      } catch (e) {
        throw new ModuleError((e as Error).message);
      }
      if (hit) v.add(`the event info matches the forbidden pattern ${params.forbidden_info_pattern}`, [JSON.stringify(info)]);
    }

    if (params.restricted_tag !== "" && params.max_distribution !== "") {
      if (eventTags.some((t) => lower(t) === lower(params.restricted_tag))) {
        const max = rank(params.max_distribution);
        const hits: string[] = [];
        if (rank(event.distribution) > max) hits.push(`event (${DISTRIBUTION_NAMES[String(event.distribution)] ?? event.distribution})`);
        for (const a of attributes) {
          // "5" = inherit the event's distribution.
          if (String(a.distribution) !== "5" && rank(a.distribution) > max)
            hits.push(`${describeAttribute(a)} (${DISTRIBUTION_NAMES[String(a.distribution)] ?? a.distribution})`);
        }
        if (hits.length)
          v.add(`distribution wider than "${DISTRIBUTION_NAMES[params.max_distribution]}" while ${params.restricted_tag} is present`, hits);
      }
    } else if ((params.restricted_tag === "") !== (params.max_distribution === "")) {
      throw new ModuleError("restricted_tag and max_distribution must be set together");
    }

    if (v.count > 0) throw new ModuleError(v.message(`event ${String(event.id ?? "?")} "${info}" cannot be published`));
  },
});

import { attributeTagNames, attributesOf, describeAttribute, eventOf, isObject, tagNames } from "../shared/roaming/event-view.js";
import { Violations } from "../shared/roaming/violations.js";
import { defineActionModule, param } from "../../sdk/index.js";
import { ModuleError } from "../../sdk/errors.js";

// Blocks when the event or any attribute carries a configured tag — typically to keep
// tlp:red / PAP:RED data away from third-party enrichment (trigger enrichment-before-query)
// or from any other attribute/event trigger.

export default defineActionModule({
  meta: {
    description: "Blocks the operation when the event or one of its attributes carries a configured tag (default tlp:red, PAP:RED).",
    name: "Tag gate",
    features:
      "Checks event tags, attribute tags and inherited tags (_allTags), case-insensitively; optionally matches variants such as tlp:amber+strict.",
    input: "Roaming data of enrichment-before-query or any event/attribute trigger.",
    output: "An error naming the tags found and where (blocks), or success.",
  },
  icon: { name: "ban", class: "fas" },
  blocking: true,
  expectMispCoreFormat: true,
  params: {
    tags: param.list({ placeholder: "tlp:red, PAP:RED", description: "Tags that block (case-insensitive). Default: tlp:red, PAP:RED." }),
    match_variants: param.boolean({
      default: false,
      placeholder: "false",
      description: "When true, a configured tag also matches its '+' variants (tlp:amber matches tlp:amber+strict).",
    }),
    message: param.template({
      multiline: false,
      placeholder: "Blocked by policy: {{ Event.info }}",
      description: "Optional first line of the error shown to the user.",
    }),
  },
  handler({ params, data }) {
    const wanted = (params.tags.length ? params.tags : ["tlp:red", "PAP:RED"]).map((t) => t.toLowerCase());
    const matches = (tag: string): boolean => {
      const t = tag.toLowerCase();
      return wanted.some((w) => t === w || (params.match_variants && t.startsWith(w + "+")));
    };
    const event = eventOf(data);
    if (!event && !(isObject(data) && isObject(data.Attribute))) {
      throw new ModuleError(
        "the roaming data has neither an Event nor an Attribute: use this module with an event, attribute or enrichment trigger",
      );
    }
    const v = new Violations();
    const attributes = attributesOf(data);
    // Event tags: Event.Tag, plus the inherited entries of _allTags (light events sent by
    // attribute-scope triggers may lack Event.Tag).
    const eventTags = new Set(event ? tagNames(event.Tag) : []);
    for (const a of attributes) {
      if (Array.isArray(a._allTags))
        for (const t of a._allTags) if (isObject(t) && t.inherited === true && typeof t.name === "string") eventTags.add(t.name);
    }
    const onEvent = [...eventTags].filter(matches);
    if (onEvent.length) v.add("tagged event", onEvent);
    const onAttributes: string[] = [];
    for (const a of attributes) {
      for (const t of attributeTagNames(a, false)) if (matches(t)) onAttributes.push(`${t} on ${describeAttribute(a)}`);
    }
    if (onAttributes.length) v.add("tagged attribute", onAttributes);
    if (v.count > 0) {
      const headline = params.message.trim() || `blocked: ${wanted.join(", ")} data must not go further`;
      throw new ModuleError(v.message(headline));
    }
  },
});

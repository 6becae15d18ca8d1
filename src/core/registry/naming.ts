import { paramId, underscore } from "../../engines/cakephp-hash/inflector.js";

// Naming rules of docs/protocol.md#naming, checked when a module loads.

export const MODULE_NAME_RE = /^[a-z][a-z0-9_]*$/;

/**
 * Ids of MISP's built-in workflow modules (MISP 2.4.199/2.5.1). A misp-module whose
 * underscored name equals one of them silently replaces the built-in in every workflow.
 */
export const MISP_BUILTIN_WORKFLOW_IDS: ReadonlySet<string> = new Set([
  // actions
  "webhook",
  "ms-teams-webhook",
  "splunk-hec-export",
  "send-mail",
  "send-log-mail",
  "telegram-send-alert",
  "push-zmq",
  "stop-execution",
  "publish-event",
  "enrich-event",
  "attach-enrichment",
  "attach-warninglist",
  "attach-decay-score",
  "proposal-action",
  "reload-full-event",
  "add_eventblocklist_entry",
  "add_to_warninglist",
  "assign_country",
  "attribute_edition_operation",
  "attribute_ids_flag_operation",
  "tag_operation",
  "tag_replacement_generic",
  "tag_replacement_pap",
  "tag_replacement_tlp",
  "Module_attribute_comment_operation",
  "Module_event_distribution_operation",
  "blueprint-action-module",
  // logic
  "concurrent-task",
  "count-if",
  "distribution-if",
  "generic-filter-data",
  "generic-filter-reset",
  "generic-if",
  "organisation-if",
  "published-if",
  "tag-if",
  "threat-level-if",
  "blueprint-logic-module",
  // triggers
  "attribute-after-save",
  "enrichment-before-query",
  "event-after-save",
  "event-after-save-new",
  "event-after-save-new-from-pull",
  "event-before-save",
  "event-publish",
  "event-report-after-save",
  "log-after-save",
  "object-after-save",
  "post-after-save",
  "shadow-attribute-after-save",
  "shadow-attribute-before-save",
  "sighting-after-save",
  "tag-attached-after-save",
  "user-after-save",
  "user-before-save",
]);

/** MISP's own per-module settings; an expansion must not declare them. */
export const RESERVED_SETTING_NAMES: ReadonlySet<string> = new Set(["enabled", "restrict"]);

/** Returns why `name` cannot be a module name, or undefined when it is fine. */
export function moduleNameProblem(name: string, kind: "action" | "expansion"): string | undefined {
  if (!MODULE_NAME_RE.test(name))
    return `invalid module name "${name}": must match ${MODULE_NAME_RE.source} (lower-case letters, digits, underscores)`;
  if (kind === "action" && MISP_BUILTIN_WORKFLOW_IDS.has(underscore(name)))
    return `module name "${name}" collides with MISP's built-in workflow module id "${underscore(name)}" and would replace it in every workflow`;
  return undefined;
}

/** Problems with a module's parameter names: ids must be unique after slugging and not purely numeric. */
export function paramNameProblems(names: string[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const id = paramId(name);
    if (id === "") problems.push(`parameter "${name}" has an empty id after slugging`);
    else if (/^\d+$/.test(id)) problems.push(`parameter "${name}" has a purely numeric id "${id}" (MISP drops it)`);
    const prev = seen.get(id);
    if (prev !== undefined) problems.push(`parameters "${prev}" and "${name}" share the id "${id}"`);
    seen.set(id, name);
  }
  return problems;
}

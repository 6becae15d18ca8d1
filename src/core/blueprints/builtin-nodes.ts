// MISP's own workflow nodes that blueprints may hold (docs/blueprints.md): trigger, logic and
// action modules written in PHP, by their ids (MISP 2.4.199 / 2.5). Parameters are listed only
// for the nodes our shipped blueprints use; the others are known by id and shape only.

export type BuiltinKind = "trigger" | "logic" | "action";

export interface BuiltinNode {
  kind: BuiltinKind;
  /** Output ports (`output_1`...); IF nodes have two: then and else. */
  outputs: number;
  /** Several connections may leave one output (concurrent-task fans out). */
  multipleOutputs?: boolean;
  /** Parameter ids MISP stores in `indexed_params`, when we check them. */
  params?: readonly string[];
  /** Triggers: whether the trigger waits for the workflow (blocking) and its data scope. */
  blocking?: boolean;
  scope?: string;
}

const trigger = (blocking: boolean, scope: string): BuiltinNode => ({ kind: "trigger", outputs: 1, blocking, scope });
const logic = (outputs = 1): BuiltinNode => ({ kind: "logic", outputs });
const action = (): BuiltinNode => ({ kind: "action", outputs: 1 });

export const BUILTIN_NODES: Readonly<Record<string, BuiltinNode>> = {
  // Triggers (blocking ones gate the user's operation).
  "attribute-after-save": trigger(false, "attribute"),
  "enrichment-before-query": trigger(true, "others"),
  "event-after-save": trigger(false, "event"),
  "event-after-save-new": trigger(false, "event"),
  "event-after-save-new-from-pull": trigger(false, "event"),
  "event-before-save": trigger(true, "event"),
  "event-publish": trigger(true, "event"),
  "event-report-after-save": trigger(false, "event-report"),
  "log-after-save": trigger(false, "log"),
  "object-after-save": trigger(false, "object"),
  "post-after-save": trigger(false, "post"),
  "shadow-attribute-after-save": trigger(false, "shadow-attribute"),
  "shadow-attribute-before-save": trigger(true, "shadow-attribute"),
  "sighting-after-save": trigger(false, "sighting"),
  "tag-attached-after-save": trigger(false, "tag"),
  "user-after-save": trigger(false, "user"),
  "user-before-save": trigger(true, "user"),
  // Logic.
  "concurrent-task": { kind: "logic", outputs: 1, multipleOutputs: true, params: [] },
  "generic-if": { kind: "logic", outputs: 2, params: ["value", "value_list", "operator", "hash_path"] },
  "count-if": logic(2),
  "distribution-if": logic(2),
  "organisation-if": logic(2),
  "published-if": logic(2),
  "tag-if": logic(2),
  "threat-level-if": logic(2),
  "generic-filter-data": logic(),
  "generic-filter-reset": logic(),
  // Actions.
  "attach-enrichment": { kind: "action", outputs: 1, params: ["modules"] },
  "enrich-event": action(),
  "attach-warninglist": action(),
  "attach-decay-score": action(),
  "publish-event": action(),
  "reload-full-event": action(),
  "stop-execution": action(),
  webhook: action(),
  "ms-teams-webhook": action(),
  "splunk-hec-export": action(),
  "send-mail": action(),
  "send-log-mail": action(),
  "telegram-send-alert": action(),
  "push-zmq": action(),
  "proposal-action": action(),
  add_eventblocklist_entry: action(),
  add_to_warninglist: action(),
  assign_country: action(),
  attribute_comment_operation: action(),
  attribute_edition_operation: action(),
  attribute_ids_flag_operation: action(),
  event_distribution_operation: action(),
  tag_operation: action(),
  tag_replacement_generic: action(),
  tag_replacement_pap: action(),
  tag_replacement_tlp: action(),
};

/** Operators of MISP's conditions (IF :: Generic, node filters). */
export const CONDITION_OPERATORS = ["in", "not_in", "equals", "not_equals", "any_value", "in_or", "in_and", "not_in_or", "not_in_and"];

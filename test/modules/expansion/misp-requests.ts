// The /query bodies MISP sends to expansion modules (docs/protocol.md#expansion-requests), built the way
// MISP builds them: ids as strings, unset settings as null, hover without event_id, the
// "Attach enrichment" workflow action with the user record and the {"_": "_"} placeholder.

export const EVENT_ID = "42";

let counter = 0;

/** A MISP attribute row (docs/protocol.md#expansion-requests common points) with a fresh uuid. */
export function attributeRow(type: string, value: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  const suffix = counter.toString(16).padStart(12, "0");
  return {
    id: String(1000 + counter),
    event_id: EVENT_ID,
    object_id: "0",
    object_relation: null,
    category: type.startsWith("ip-") ? "Network activity" : "Payload delivery",
    type,
    value,
    to_ids: true,
    uuid: `6b3c1f7e-1111-4c4c-9a9a-${suffix}`,
    timestamp: "1700000000",
    distribution: "5",
    sharing_group_id: "0",
    comment: "",
    deleted: false,
    disable_correlation: false,
    first_seen: null,
    last_seen: null,
    ...extra,
  };
}

/** docs/protocol.md#standard-request: interactive enrichment of a misp_standard module. */
export function interactive(module: string, attribute: Record<string, unknown>, config: Record<string, unknown>): Record<string, unknown> {
  return { module, event_id: EVENT_ID, attribute, config };
}

/** docs/protocol.md#hover: hover — no event_id, no attribute_uuid, `persistent` sometimes present. */
export function hover(module: string, attribute: Record<string, unknown>, config: Record<string, unknown>): Record<string, unknown> {
  return { module, attribute, config, persistent: 1 };
}

/** docs/protocol.md#batch-enrichment: batch enrichment (background job). */
export function batch(module: string, attribute: Record<string, unknown>, config: Record<string, unknown>): Record<string, unknown> {
  return { module, event_id: EVENT_ID, attribute_uuid: attribute.uuid, attribute, config };
}

/** The workflow user record "Attach enrichment" sends along. */
export const WORKFLOW_USER = {
  id: "1",
  email: "admin@admin.test",
  org_id: "1",
  role_id: "1",
  Role: { id: "1", name: "admin", perm_site_admin: true },
  Organisation: { id: "1", name: "ORGNAME", uuid: "c0ffee00-0000-4000-8000-000000000001" },
};

/** docs/protocol.md#attach-enrichment: "Attach enrichment" — a flattened attribute with workflow extras and the placeholder config. */
export function attachEnrichment(
  module: string,
  attribute: Record<string, unknown>,
  config: Record<string, unknown> = { _: "_" },
): Record<string, unknown> {
  const tag = { id: "2", name: "tlp:amber", colour: "#FFC000", exportable: true, local: false, relationship_type: null };
  return {
    user: WORKFLOW_USER,
    event_id: EVENT_ID,
    config,
    module,
    attribute: { ...attribute, Galaxy: [], ShadowAttribute: [], Tag: [tag], _allTags: [{ ...tag, inherited: true }], enrichment: [] },
  };
}

/** docs/protocol.md#simplified-request: interactive enrichment of a simplified module (`<type>: value`). */
export function simplifiedInteractive(
  module: string,
  type: string,
  value: string,
  config: Record<string, unknown>,
): Record<string, unknown> {
  return { module, [type]: value, event_id: EVENT_ID, attribute_uuid: "6b3c1f7e-2222-4c4c-9a9a-0123456789ab", config };
}

/** docs/protocol.md#hover: hover of a simplified module. */
export function simplifiedHover(module: string, type: string, value: string, config: Record<string, unknown>): Record<string, unknown> {
  return { module, [type]: value, config, persistent: 1 };
}

/** docs/protocol.md#attach-enrichment for a simplified module: the attribute is replaced by `<type>: value`. */
export function simplifiedAttach(
  module: string,
  type: string,
  value: string,
  config: Record<string, unknown> = { _: "_" },
): Record<string, unknown> {
  return { user: WORKFLOW_USER, event_id: EVENT_ID, config, module, [type]: value };
}

// Reading the attribute a misp_standard expansion is asked about (docs/protocol.md#standard-request, docs/protocol.md#expansion-requests)
// and echoing it back harmlessly (docs/protocol.md#standard-reply). MISP's batch enrichment updates the original
// attribute from the echo, so the echo carries the received columns unchanged — no comment of
// ours (the reference's onion_lookup wrote "custom comment" into users' attributes) — and
// none of the lists a workflow adds (Tag, _allTags, Galaxy, enrichment...).
import { ModuleError } from "../../../sdk/errors.js";
import type { MispAttribute } from "../misp-format/schemas.js";
import { tagList } from "../misp-format/builder.js";

export const ATTRIBUTE_REQUIRED =
  'This module requires an "attribute" field as input, which should contain at least a type, a value and an uuid.';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface QueriedAttribute {
  type: string;
  value: string;
  uuid: string;
  /** The attribute row as received. */
  row: Readonly<Record<string, unknown>>;
}

/**
 * The request's `attribute`, checked: type/value/uuid present, type among `acceptedTypes`
 * (else `wrongTypeMessage`). Throws ModuleError with the reference's texts.
 */
export function requireAttribute(
  attribute: Readonly<Record<string, unknown>> | undefined,
  acceptedTypes: readonly string[],
  wrongTypeMessage: string,
): QueriedAttribute {
  const { type, value, uuid } = attribute ?? {};
  if (
    !attribute ||
    typeof type !== "string" ||
    typeof value !== "string" ||
    value.trim() === "" ||
    typeof uuid !== "string" ||
    !UUID_RE.test(uuid)
  ) {
    throw new ModuleError(ATTRIBUTE_REQUIRED);
  }
  if (!acceptedTypes.includes(type)) throw new ModuleError(wrongTypeMessage);
  return { type, value, uuid, row: attribute };
}

/** The received attribute for `results.Attribute`: scalar columns unchanged, `Tag` = the tags to add (if any). */
export function echoAttribute(queried: QueriedAttribute, addTags: readonly string[] = []): MispAttribute {
  const echo: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(queried.row)) {
    if (key.startsWith("_")) continue;
    if (value !== null && typeof value === "object") continue;
    echo[key] = value;
  }
  const tags = tagList(addTags);
  if (tags.length) echo.Tag = tags;
  return echo as MispAttribute;
}

/**
 * For simplified modules: the first `<type>: value` key of the request among `types`
 * (MISP puts the attribute's type as key, docs/protocol.md#simplified-request). Undefined when none holds a non-empty string.
 */
export function simplifiedInput(
  request: Readonly<Record<string, unknown>>,
  types: readonly string[],
): { type: string; value: string } | undefined {
  for (const type of types) {
    const value = request[type];
    if (typeof value === "string" && value.trim() !== "") return { type, value: value.trim() };
  }
  return undefined;
}

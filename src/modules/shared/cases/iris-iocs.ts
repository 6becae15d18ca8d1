import type { Marking } from "../roaming/event-facts.js";
import { tlpOf } from "../roaming/event-facts.js";
import { attributeTagNames, type Json } from "../roaming/event-view.js";

// MISP attributes → DFIR-IRIS IOCs (docs/actions-cases.md). IRIS's IOC type names mirror MISP's
// attribute types, but their ids differ per installation: the module reads the list from the
// server and maps by name. A type IRIS does not have becomes `other` (kept in the description).

/** IRIS TLP ids of a fresh install: 1 red, 2 amber, 3 green, 4 clear, 5 amber+strict. */
export const IRIS_TLP: Readonly<Record<Marking, number>> = { red: 1, amber: 2, green: 3, clear: 4, "amber+strict": 5 };

export interface IrisIoc {
  ioc_value: string;
  ioc_type_id?: number;
  ioc_tlp_id: number;
  ioc_description?: string;
  ioc_tags: string;
}

function text(v: unknown): string {
  return typeof v === "string" ? v.trim() : typeof v === "number" ? String(v) : "";
}

/** IRIS type name for a MISP type: the same name when IRIS has it, else `other` (undefined when IRIS has neither). */
export function irisTypeName(mispType: string, known: ReadonlySet<string>): string | undefined {
  if (known.has(mispType)) return mispType;
  return known.has("other") ? "other" : undefined;
}

export function irisIocs(
  attributes: readonly Json[],
  o: { idsOnly: boolean; typeIds?: ReadonlyMap<string, number>; defaultTlp: Marking },
): IrisIoc[] {
  const known = new Set(o.typeIds?.keys() ?? []);
  const out: IrisIoc[] = [];
  const seen = new Set<string>();
  for (const a of attributes) {
    const type = text(a.type);
    const value = text(a.value);
    if (type === "" || value === "" || a.deleted === true) continue;
    if (o.idsOnly && a.to_ids !== true) continue;
    const typeName = o.typeIds ? irisTypeName(type, known) : undefined;
    const key = `${typeName ?? type}\n${value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const own = attributeTagNames(a, false);
    const description = [typeName && typeName !== type ? `MISP type ${type}` : "", text(a.comment)].filter((s) => s !== "").join(": ");
    out.push({
      ioc_value: value,
      ...(typeName !== undefined && o.typeIds ? { ioc_type_id: o.typeIds.get(typeName)! } : {}),
      ioc_tlp_id: IRIS_TLP[tlpOf(attributeTagNames(a, true)) ?? o.defaultTlp],
      ...(description ? { ioc_description: description } : {}),
      ioc_tags: [`misp:type="${type}"`, ...own].map((t) => t.replace(/,/g, " ")).join(","),
    });
  }
  return out;
}

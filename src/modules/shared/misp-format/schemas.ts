// zod schemas of the two expansion reply formats MISP parses (docs/protocol.md#simplified-reply, docs/protocol.md#standard-reply, docs/protocol.md#expansion-errors).
// They are strict where MISP is picky (misp_standard top-level keys: anything else shows up
// as a spurious "No result" line in hover popups) and check the objects against the template
// facts we know (docs/protocol.md#misp-objects), so tests catch a wrong relation, type or template uuid.
import { z } from "zod";
import { OBJECT_TEMPLATES } from "./templates.js";

const nonEmpty = z.string().min(1);
const uuid = z.uuid();
/** MISP accepts ints or numeric strings for distribution, sharing group and template version. */
const numericId = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]);

export const TagSchema = z.strictObject({
  name: nonEmpty,
  local: z.boolean().optional(),
  relationship_type: z.string().optional(),
});

/** Fields every result attribute may carry (object attributes and standalone ones). */
const attributeFields = {
  uuid,
  type: nonEmpty,
  value: nonEmpty,
  category: nonEmpty.optional(),
  to_ids: z.boolean().optional(),
  disable_correlation: z.boolean().optional(),
  distribution: numericId.optional(),
  sharing_group_id: numericId.optional(),
  comment: z.string().optional(),
  first_seen: z.string().nullable().optional(),
  last_seen: z.string().nullable().optional(),
  Tag: z.array(TagSchema).optional(),
};

/**
 * A standalone attribute. Loose because the echoed input attribute keeps every column MISP
 * sent (id, event_id, timestamp...), but never lists or objects other than `Tag`.
 */
export const MispAttributeSchema = z.looseObject(attributeFields).superRefine((attr, ctx) => {
  for (const [key, value] of Object.entries(attr)) {
    if (key !== "Tag" && value !== null && typeof value === "object") {
      ctx.addIssue({
        code: "custom",
        message: `attribute field ${key} must be a scalar (workflow extras must not be echoed)`,
        path: [key],
      });
    }
  }
});

export const ObjectAttributeSchema = z.strictObject({ ...attributeFields, object_relation: nonEmpty });

export const ObjectReferenceSchema = z.strictObject({
  uuid,
  object_uuid: uuid,
  referenced_uuid: uuid,
  relationship_type: nonEmpty,
  comment: z.string().optional(),
});

export const MispObjectSchema = z
  .strictObject({
    name: nonEmpty,
    "meta-category": nonEmpty,
    description: z.string(),
    template_uuid: uuid,
    template_version: numericId,
    uuid,
    distribution: numericId,
    sharing_group_id: numericId,
    comment: z.string().optional(),
    first_seen: z.string().optional(),
    last_seen: z.string().optional(),
    Attribute: z.array(ObjectAttributeSchema).min(1),
    ObjectReference: z.array(ObjectReferenceSchema),
  })
  .superRefine((obj, ctx) => {
    for (const [i, ref] of obj.ObjectReference.entries()) {
      if (ref.object_uuid !== obj.uuid)
        ctx.addIssue({ code: "custom", message: "object_uuid must be the object's own uuid", path: ["ObjectReference", i] });
    }
    const template = OBJECT_TEMPLATES[obj.name];
    if (!template) return;
    if (obj.template_uuid !== template.uuid)
      ctx.addIssue({ code: "custom", message: `template_uuid of ${obj.name} must be ${template.uuid}`, path: ["template_uuid"] });
    if (obj["meta-category"] !== template.metaCategory)
      ctx.addIssue({ code: "custom", message: `meta-category of ${obj.name} must be ${template.metaCategory}`, path: ["meta-category"] });
    const seen = new Map<string, number>();
    for (const [i, attr] of obj.Attribute.entries()) {
      const relation = template.relations[attr.object_relation];
      if (!relation) {
        ctx.addIssue({ code: "custom", message: `${obj.name} has no relation ${attr.object_relation}`, path: ["Attribute", i] });
        continue;
      }
      if (attr.type !== relation.type)
        ctx.addIssue({
          code: "custom",
          message: `${obj.name}.${attr.object_relation} must have type ${relation.type}`,
          path: ["Attribute", i, "type"],
        });
      const count = (seen.get(attr.object_relation) ?? 0) + 1;
      seen.set(attr.object_relation, count);
      if (count > 1 && !relation.multiple)
        ctx.addIssue({ code: "custom", message: `${obj.name}.${attr.object_relation} may appear once`, path: ["Attribute", i] });
    }
    for (const name of template.required ?? []) {
      if (!seen.has(name)) ctx.addIssue({ code: "custom", message: `${obj.name} requires ${name}`, path: ["Attribute"] });
    }
    if (template.requiredOneOf && !template.requiredOneOf.some((name) => seen.has(name))) {
      ctx.addIssue({ code: "custom", message: `${obj.name} requires one of ${template.requiredOneOf.join(", ")}`, path: ["Attribute"] });
    }
  });

export const EventReportSchema = z.strictObject({
  uuid: uuid.optional(),
  name: nonEmpty,
  content: z.string(),
  distribution: numericId.optional(),
  sharing_group_id: numericId.optional(),
});

/** `results` of a misp_standard reply: only the keys MISP reads. */
export const MispStandardResultsSchema = z
  .strictObject({
    Attribute: z.array(MispAttributeSchema).optional(),
    Object: z.array(MispObjectSchema).optional(),
    EventReport: z.array(EventReportSchema).optional(),
    Tag: z.array(TagSchema).optional(),
  })
  .superRefine((results, ctx) => {
    const uuids = new Set<string>();
    const note = (u: string, path: (string | number)[]) => {
      if (uuids.has(u)) ctx.addIssue({ code: "custom", message: `duplicate uuid ${u}`, path });
      uuids.add(u);
    };
    results.Attribute?.forEach((a, i) => note(a.uuid, ["Attribute", i, "uuid"]));
    results.Object?.forEach((o, i) => {
      note(o.uuid, ["Object", i, "uuid"]);
      o.Attribute.forEach((a, j) => note(a.uuid, ["Object", i, "Attribute", j, "uuid"]));
      o.ObjectReference.forEach((r, j) => note(r.uuid, ["Object", i, "ObjectReference", j, "uuid"]));
    });
  });

/** One entry of a simplified reply (docs/protocol.md#simplified-reply). */
export const SimplifiedResultSchema = z
  .strictObject({
    types: z.union([nonEmpty, z.array(nonEmpty).min(1)]).optional(),
    type: nonEmpty.optional(),
    values: z.union([z.string(), z.array(z.string())]),
    categories: z.union([nonEmpty, z.array(nonEmpty)]).optional(),
    comment: z.string().optional(),
    to_ids: z.boolean().optional(),
    tags: z.array(nonEmpty).optional(),
    distribution: numericId.optional(),
    data: z.string().optional(),
  })
  .refine((r) => r.types !== undefined || r.type !== undefined, "a result needs types or type");

export const SimplifiedResultsSchema = z.array(SimplifiedResultSchema);

/** A failure or "nothing found" reply of an expansion (docs/protocol.md#expansion-errors): results is always present. */
export const ExpansionErrorReplySchema = z.strictObject({ error: nonEmpty, results: z.tuple([]) });

export const MispStandardReplySchema = z.union([z.strictObject({ results: MispStandardResultsSchema }), ExpansionErrorReplySchema]);
export const SimplifiedReplySchema = z.union([
  z.strictObject({ results: SimplifiedResultsSchema, comment: z.string().optional() }),
  ExpansionErrorReplySchema,
]);

export type MispTag = z.infer<typeof TagSchema>;
export type MispAttribute = z.infer<typeof MispAttributeSchema>;
export type MispObjectAttribute = z.infer<typeof ObjectAttributeSchema>;
export type MispObjectReference = z.infer<typeof ObjectReferenceSchema>;
export type MispObject = z.infer<typeof MispObjectSchema>;
export type MispStandardResults = z.infer<typeof MispStandardResultsSchema>;
export type SimplifiedResult = z.infer<typeof SimplifiedResultSchema>;

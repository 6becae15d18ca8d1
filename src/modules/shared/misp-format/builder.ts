// Builds misp_standard `results` the way PyMISP does for the reference modules
// (docs/protocol.md#standard-reply): objects from known templates with fresh v4 uuids, typed relations, correlation
// flags from the template, tags as [{name}], references from the object to the queried
// attribute. Empty values are skipped (MISP would reject them) and objects left without
// attributes are dropped.
import { randomUUID } from "node:crypto";
import type { MispAttribute, MispObject, MispObjectAttribute, MispObjectReference, MispStandardResults, MispTag } from "./schemas.js";
import type { ObjectTemplateFact } from "./templates.js";

/** "5" = inherit from the event, as PyMISP emits for module results. */
export const INHERIT_DISTRIBUTION = "5";

export function newUuid(): string {
  return randomUUID();
}

export interface AttributeExtras {
  tags?: readonly string[];
  comment?: string;
  category?: string;
  /** Omitted by default so MISP applies the type's own default (as PyMISP does). */
  toIds?: boolean;
  /** Overrides the template's flag. */
  disableCorrelation?: boolean;
}

/** `[{name}]` for each distinct non-empty tag name, in first-seen order. */
export function tagList(names: readonly string[]): MispTag[] {
  return [...new Set(names.map((n) => n.trim()).filter(Boolean))].map((name) => ({ name }));
}

/** A value MISP would drop or refuse: null/undefined, blank strings, non-finite numbers. */
function valueText(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value !== "string") return undefined;
  return value.trim() === "" ? undefined : value;
}

function applyExtras<T extends Record<string, unknown>>(target: T, extras: AttributeExtras): T {
  if (extras.category) Object.assign(target, { category: extras.category });
  if (extras.toIds !== undefined) Object.assign(target, { to_ids: extras.toIds });
  if (extras.comment) Object.assign(target, { comment: extras.comment });
  if (extras.tags?.length) {
    const tags = tagList(extras.tags);
    if (tags.length) Object.assign(target, { Tag: tags });
  }
  return target;
}

export class MispObjectBuilder {
  readonly uuid = newUuid();
  private readonly attributes: MispObjectAttribute[] = [];
  private readonly references: MispObjectReference[] = [];

  constructor(
    readonly template: ObjectTemplateFact,
    private readonly options: { comment?: string } = {},
  ) {}

  /** Adds one relation; empty values are skipped. Throws for relations the template lacks or repeats it forbids. */
  add(relation: string, value: unknown, extras: AttributeExtras = {}): this {
    const fact = this.template.relations[relation];
    if (!fact) throw new Error(`object template ${this.template.name} has no relation ${relation}`);
    const text = valueText(value);
    if (text === undefined) return this;
    if (!fact.multiple && this.attributes.some((a) => a.object_relation === relation)) {
      throw new Error(`relation ${relation} of ${this.template.name} may appear only once`);
    }
    const attribute: MispObjectAttribute = {
      uuid: newUuid(),
      object_relation: relation,
      type: fact.type,
      value: text,
      disable_correlation: extras.disableCorrelation ?? fact.disableCorrelation,
    };
    this.attributes.push(applyExtras(attribute, extras));
    return this;
  }

  /** Adds each value of a list under the same (multiple) relation. */
  addAll(relation: string, values: readonly unknown[], extras: AttributeExtras = {}): this {
    for (const v of values) this.add(relation, v, extras);
    return this;
  }

  addReference(referencedUuid: string, relationshipType: string, comment?: string): this {
    const ref: MispObjectReference = {
      uuid: newUuid(),
      object_uuid: this.uuid,
      referenced_uuid: referencedUuid,
      relationship_type: relationshipType,
    };
    if (comment) ref.comment = comment;
    this.references.push(ref);
    return this;
  }

  get attributeCount(): number {
    return this.attributes.length;
  }

  build(): MispObject {
    const obj: MispObject = {
      name: this.template.name,
      "meta-category": this.template.metaCategory,
      description: this.template.description,
      template_uuid: this.template.uuid,
      template_version: this.template.version,
      uuid: this.uuid,
      distribution: INHERIT_DISTRIBUTION,
      sharing_group_id: "0",
      Attribute: this.attributes.map((a) => ({ ...a })),
      ObjectReference: this.references.map((r) => ({ ...r })),
    };
    if (this.options.comment) obj.comment = this.options.comment;
    return obj;
  }
}

export class MispResultBuilder {
  private readonly attributes: MispAttribute[] = [];
  private readonly objects: MispObjectBuilder[] = [];
  private readonly eventTags: MispTag[] = [];

  /** Adds an attribute as given (e.g. the echoed input attribute, see enrichment/attribute-echo). */
  addAttribute(attribute: MispAttribute): this {
    this.attributes.push(attribute);
    return this;
  }

  /** Adds a new standalone attribute with a fresh uuid; returns it (undefined when the value is empty). */
  newAttribute(type: string, value: unknown, extras: AttributeExtras = {}): MispAttribute | undefined {
    const text = valueText(value);
    if (text === undefined) return undefined;
    const attribute = applyExtras({ uuid: newUuid(), type, value: text } as MispAttribute, extras);
    if (extras.disableCorrelation !== undefined) attribute.disable_correlation = extras.disableCorrelation;
    this.attributes.push(attribute);
    return attribute;
  }

  /** Starts an object of the given template; it is part of the results once it has an attribute. */
  addObject(template: ObjectTemplateFact, options: { comment?: string } = {}): MispObjectBuilder {
    const obj = new MispObjectBuilder(template, options);
    this.objects.push(obj);
    return obj;
  }

  /** A tag to add to the event. */
  addEventTag(name: string): this {
    this.eventTags.push(...tagList([name]));
    return this;
  }

  /** Number of objects that will be emitted (those with at least one attribute). */
  get objectCount(): number {
    return this.objects.filter((o) => o.attributeCount > 0).length;
  }

  /** The `results` value; only non-empty keys are present (hover prints unknown/empty keys as "No result"). */
  build(): MispStandardResults {
    const results: MispStandardResults = {};
    if (this.attributes.length) results.Attribute = this.attributes.map((a) => ({ ...a }));
    const objects = this.objects.filter((o) => o.attributeCount > 0).map((o) => o.build());
    if (objects.length) results.Object = objects;
    if (this.eventTags.length) results.Tag = [...this.eventTags];
    return results;
  }
}

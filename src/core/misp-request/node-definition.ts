/**
 * How MISP turns an action module descriptor (GET /modules entry) into a workflow node
 * (docs/protocol.md#workflow-node, Module_misp_module): node id, flags, and the parameter list with the
 * slugged ids and humanized labels MISP keys `params` and `matchingData` by.
 */
import { paramId, paramLabel, underscore } from "../../engines/cakephp-hash/inflector.js";
import { forEachEntry, isPhpArray, phpEmpty } from "../../engines/cakephp-hash/php-value.js";

export interface NodeParam {
  /** Parameter name as declared (key of meta.config.params). */
  readonly name: string;
  /** `Inflector::slug(Inflector::underscore(name))`: key of `params` in /query. */
  readonly id: string;
  /** `Inflector::humanize(name)`: key of `matchingData`. */
  readonly label: string;
  readonly placeholder: string;
  readonly widget: "input" | "textarea";
  readonly isHashPath: boolean;
  readonly jinjaSupported: boolean;
}

export interface NodeDefinition {
  readonly moduleName: string;
  /** `Inflector::underscore(name)`: the node id MISP uses in logs. */
  readonly nodeId: string;
  readonly isAction: boolean;
  readonly blocking: boolean;
  readonly supportFilters: boolean;
  readonly expectMispCoreFormat: boolean;
  /** In declaration order; a later parameter whose id collides replaces the earlier one in place. */
  readonly params: readonly NodeParam[];
}

function field(container: unknown, key: string): unknown {
  if (container instanceof Map) return container.get(key);
  if (typeof container === "object" && container !== null && !Array.isArray(container)) return (container as Record<string, unknown>)[key];
  return undefined;
}

function asText(value: unknown): string {
  if (value === null || value === undefined || value === false) return "";
  if (value === true) return "1";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return "";
}

function moduleTypes(meta: unknown): string[] {
  const raw = field(meta, "module-type");
  const out: string[] = [];
  if (isPhpArray(raw)) forEachEntry(raw, (_k, v) => void out.push(String(v)));
  return out;
}

/** Builds the node MISP would create for `descriptor` (one entry of GET /modules). */
export function nodeFromDescriptor(descriptor: unknown): NodeDefinition {
  const moduleName = asText(field(descriptor, "name"));
  if (moduleName === "") throw new Error("module descriptor has no name");
  const meta = field(descriptor, "meta");
  const config = field(meta, "config");
  const byId = new Map<string, NodeParam>();
  const declared = field(config, "params");
  if (isPhpArray(declared)) {
    forEachEntry(declared, (key, definition) => {
      const name = String(key);
      const type = asText(field(definition, "type"));
      const param: NodeParam = {
        name,
        id: paramId(name),
        label: paramLabel(name),
        placeholder: asText(field(definition, "value")),
        widget: type === "large_string" ? "textarea" : "input",
        isHashPath: type === "hash_path",
        jinjaSupported: !phpEmpty(field(definition, "jinja_supported")),
      };
      byId.set(param.id, param);
    });
  }
  return {
    moduleName,
    nodeId: underscore(moduleName),
    isAction: moduleTypes(meta).includes("action"),
    blocking: !phpEmpty(field(config, "blocking")),
    supportFilters: !phpEmpty(field(config, "support_filters")),
    expectMispCoreFormat: !phpEmpty(field(config, "expect_misp_core_format")),
    params: [...byId.values()],
  };
}

/** Finds a node parameter by declared name, id or label (in that order of preference). */
export function findNodeParam(node: NodeDefinition, reference: string): NodeParam | undefined {
  return (
    node.params.find((p) => p.name === reference) ??
    node.params.find((p) => p.id === reference) ??
    node.params.find((p) => p.label === reference)
  );
}

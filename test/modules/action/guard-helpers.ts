import { paramId } from "../../../src/engines/cakephp-hash/inflector.js";

/** The /query body MISP sends for a node: params keyed by slugged id, "" for untouched ones. */
export function nodeRequest(module: string, declared: string[], values: Record<string, string>, data: unknown) {
  const params: Record<string, string> = {};
  for (const name of declared) params[paramId(name)] = values[name] ?? "";
  return { module, data, params };
}

/** An attribute-scope trigger's roaming data: the attribute wrapped in its light event. */
export function attributeTriggerData(full: Record<string, any>, index: number, keepEventTags = true): Record<string, unknown> {
  const ev = full.Event;
  const attr = ev._AttributeFlattened[index];
  const light: Record<string, unknown> = {
    id: ev.id,
    uuid: ev.uuid,
    info: ev.info,
    distribution: ev.distribution,
    Attribute: [attr],
    _AttributeFlattened: [attr],
  };
  if (keepEventTags && ev.Tag) light.Tag = ev.Tag;
  return { Event: light };
}

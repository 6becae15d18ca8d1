// Records to export from roaming data (docs/actions-siem.md): one per event or one per
// attribute, optionally reduced by a `data_extraction_model`. Shared by splunk_hec,
// elasticsearch and syslog.

import { newRegexBudget } from "../../../engines/regex/index.js";
import { type ModuleContext, ModuleError, ParamError } from "../../../sdk/index.js";
import { applyExtractionModel, type ExtractionModel, ExtractionModelError, parseExtractionModel } from "./extraction-model.js";
import { attributePayloads, eventPayload, type ExportRecord, NoEventError } from "./records.js";

export { applyExtractionModel, ExtractionModelError, parseExtractionModel, type ExtractionModel } from "./extraction-model.js";
export {
  attributePayloads,
  eventPayload,
  exportedAttributes,
  looksLikeAttribute,
  NoEventError,
  type ExportRecord,
  type RecordOrigin,
} from "./records.js";

export interface RecordOptions {
  perAttribute: boolean;
  model?: ExtractionModel;
}

/**
 * The records of one export. Throws NoEventError (attribute mode without an Event) and
 * ExtractionModelError (a regex past its bound). Attribute documents share one light copy
 * of the event: nothing is copied per record.
 */
export function exportRecords(data: unknown, filteredItems: readonly unknown[] | undefined, o: RecordOptions): ExportRecord[] {
  const records = o.perAttribute ? attributePayloads(data, filteredItems) : [eventPayload(data)];
  if (!o.model) return records;
  // One regex budget for the whole export, however many records it holds.
  const budget = newRegexBudget();
  const model = o.model;
  return records.map((r) => ({ ...r, event: applyExtractionModel(model, r.event, budget) }));
}

/**
 * The records of one export from the node's own parameters (`data_extraction_model`,
 * `event_per_attribute`): a bad model is a ParamError naming it, attribute mode without an
 * Event a ModuleError; the model's warnings go to the module's log.
 */
export function exportRecordsOfNode(
  module: string,
  params: { data_extraction_model: string; event_per_attribute: boolean },
  data: unknown,
  filteredItems: readonly unknown[] | undefined,
  log: ModuleContext["log"],
): ExportRecord[] {
  try {
    const model = parseExtractionModel(params.data_extraction_model, (field, path, w) =>
      log.warn({ field, path, position: w.position }, `${module}: data_extraction_model field "${field}": ${w.message}`),
    );
    return exportRecords(data, filteredItems, { perAttribute: params.event_per_attribute, model });
  } catch (e) {
    if (e instanceof ExtractionModelError) throw new ParamError("data_extraction_model", e.message);
    if (e instanceof NoEventError) throw new ModuleError(e.message);
    throw e;
  }
}

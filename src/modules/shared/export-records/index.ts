// Records to export from roaming data (docs/actions-siem.md): one per event or one per
// attribute, optionally reduced by a `data_extraction_model`. Shared by splunk_hec,
// elasticsearch and syslog.

import { newRegexBudget } from "../../../engines/regex/index.js";
import { applyExtractionModel, type ExtractionModel } from "./extraction-model.js";
import { attributePayloads, eventPayload, type ExportRecord } from "./records.js";

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

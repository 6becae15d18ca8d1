// HEC envelopes and batches. HEC's batch format is JSON objects one after another (we
// separate them with "\n"), not a JSON array (docs/modules.md#splunk_hec).

import { stringifyDeep } from "../../shared/json-text.js";
import type { ExportRecord } from "../../shared/export-records/records.js";

export interface EnvelopeFields {
  source: string;
  sourcetype: string;
  host?: string;
  index?: string;
}

/** One serialised envelope: `{"time"?, "host"?, "source", "sourcetype", "index"?, "event"}`. */
export function serialiseEnvelope(payload: ExportRecord, fields: EnvelopeFields): string {
  const envelope: Record<string, unknown> = {};
  if (payload.time !== undefined) envelope.time = payload.time;
  if (fields.host) envelope.host = fields.host;
  envelope.source = fields.source;
  envelope.sourcetype = fields.sourcetype;
  if (fields.index) envelope.index = fields.index;
  envelope.event = payload.event;
  return stringifyDeep(envelope)!;
}

export interface Batch {
  body: string;
  /** Number of envelopes in the body. */
  count: number;
}

/**
 * Packs envelopes, in order, into as few bodies as possible of at most `maxBytes` UTF-8
 * bytes each (separators included). An envelope larger than `maxBytes` goes alone.
 */
export function packBatches(envelopes: readonly string[], maxBytes: number): Batch[] {
  const batches: Batch[] = [];
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    if (parts.length > 0) batches.push({ body: parts.join("\n"), count: parts.length });
    parts = [];
    size = 0;
  };
  for (const envelope of envelopes) {
    const bytes = Buffer.byteLength(envelope, "utf8");
    const added = parts.length === 0 ? bytes : bytes + 1;
    if (parts.length > 0 && size + added > maxBytes) flush();
    size += parts.length === 0 ? bytes : bytes + 1;
    parts.push(envelope);
  }
  flush();
  return batches;
}

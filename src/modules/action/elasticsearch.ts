import type { ModuleContext, ParamValues } from "../../sdk/index.js";
import { defineActionModule, ModuleError, param, ParamError } from "../../sdk/index.js";
import { isHttpError } from "../../services/http/types.js";
import { exportRecordsOfNode, type ExportRecord } from "../shared/export-records/index.js";
import type { EsAuth } from "./_elasticsearch/auth.js";
import { bulkRequests, indexNameProblem, REFRESH_CHOICES, type BulkBatch } from "./_elasticsearch/bulk.js";
import { describeItemFailures, emptyOutcome, mergeOutcome, settleResend } from "./_elasticsearch/response.js";
import { sendBulkBatch } from "./_elasticsearch/send.js";
import { caCertificateParam } from "../shared/ca-certificate.js";

// Elasticsearch / OpenSearch `_bulk` export (docs/actions-siem.md#elasticsearch). One
// document per event or per attribute, `_id` = the MISP UUID. Every batch is sent; the
// reply is read item by item and the node fails when any document was not stored. An
// HTTP-level refusal (auth, 413, 5xx...) stops the export at that batch.

/** Checks the parameters and extracts the documents: run before queuing and on every attempt. */
function prepareExport(
  params: ParamValues<typeof ES_PARAMS>,
  data: unknown,
  filteredItems: readonly unknown[] | undefined,
  ctx: ModuleContext,
): { index: string; auth: EsAuth; ca: string; records: ExportRecord[] } {
  const index = params.index.trim();
  const problem = indexNameProblem(index);
  if (problem) throw new ParamError("index", problem);
  const auth = chooseAuth(params);
  const ca = caCertificateParam(params.ca_certificate);

  const records = exportRecordsOfNode("elasticsearch", params, data, filteredItems, ctx.log);
  return { index, auth, ca, records };
}

const ES_PARAMS = {
  url: param.url({ required: true, placeholder: "https://elasticsearch:9200", description: "Cluster URL (a path prefix is kept)." }),
  index: param.string({ required: true, placeholder: "misp-events", description: "Index, alias or data stream the documents go to." }),
  op_type: param.oneOf(["create", "index"] as const, {
    default: "create",
    description: "create: a document whose _id exists is left alone (a resend is harmless; data streams need it). index: replace it.",
  }),
  api_key: param.secret({ description: "API key: the 'encoded' value, or id:api_key. Sent as 'Authorization: ApiKey …'." }),
  username: param.string({ description: "User for basic authentication." }),
  password: param.secret({ description: "Password for basic authentication." }),
  bearer_token: param.secret({ description: "Token sent as 'Authorization: Bearer …'." }),
  verify_tls: param.boolean({ default: true, description: "Verify the cluster's TLS certificate." }),
  ca_certificate: param.largeString({
    description: "PEM CA certificate(s) trusted in addition to the public roots (e.g. the cluster's own CA).",
  }),
  event_per_attribute: param.boolean({
    default: false,
    description:
      "One document per attribute ({Attribute, Event without attribute lists, Object for object attributes}) instead of one per event.",
  }),
  data_extraction_model: param.largeString({
    placeholder: '{"info": "Event.info"}',
    description: "Optional JSON object field → hash path; each document then holds only these fields (a one-element result is unwrapped).",
  }),
  pipeline: param.string({ description: "Ingest pipeline to run. Default: none (the index's default pipeline applies)." }),
  refresh: param.oneOf(REFRESH_CHOICES, {
    default: "false",
    description: "false: documents become searchable at the next refresh; true: refresh now; wait_for: answer once they are searchable.",
  }),
  batch_max_bytes: param.integer({
    default: 10_000_000,
    min: 1024,
    max: 100_000_000,
    placeholder: "10000000",
    description: "Maximum body size per _bulk request in bytes (the server's limit is 100 MB by default).",
  }),
};

/** How often items refused with 429 are sent again within one attempt, and the first pause. */
const ITEM_RESENDS = 2;
const ITEM_RESEND_PAUSE_MS = 500;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ModuleError("deadline reached", { retryable: true }));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(new ModuleError("deadline reached", { retryable: true }));
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}

export default defineActionModule({
  meta: {
    description: "Index the event (or one document per attribute) into Elasticsearch or OpenSearch with the _bulk API.",
    name: "Elasticsearch / OpenSearch",
    version: "1.0",
    features:
      "NDJSON _bulk batches under a size limit, deterministic _id (event or attribute UUID) with create or index, item-by-item reply reading, " +
      "API key / basic / bearer authentication, TLS verification with an extra CA, node filters and a hash-path extraction model.",
    references: ["https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-bulk"],
    input: "Roaming data in MISP core format (event or attribute triggers).",
    output: "Documents in an Elasticsearch/OpenSearch index or data stream.",
  },
  icon: { name: "database", class: "fas" },
  params: ES_PARAMS,
  supportFilters: true,
  expectMispCoreFormat: true,
  outbound: {
    // Documents carry the MISP UUID as _id: with create a retried batch stores nothing twice
    // (409 = already there). An item refused with 429 or 5xx makes the attempt retryable.
    validate({ params, data, filteredItems }, ctx) {
      prepareExport(params, data, filteredItems, ctx);
    },
  },
  async handler({ params, data, filteredItems }, ctx) {
    const { index, auth, ca, records: extracted } = prepareExport(params, data, filteredItems, ctx);
    if (extracted.length === 0) {
      ctx.log.info("elasticsearch: the event has no attributes to send");
      return;
    }
    // A record without a UUID gets an _id from the delivery id, the same on every attempt.
    const records = extracted.map((r, i) => (r.uuid ? r : { ...r, uuid: `${ctx.delivery.id}-${i}` }));
    const target = { baseUrl: params.url, index, action: params.op_type, pipeline: params.pipeline.trim(), refresh: params.refresh };
    const total = emptyOutcome();
    let requests = 0;
    for (const batch of bulkRequests(records, target, params.batch_max_bytes)) {
      requests++;
      const where = `batch ${requests} (documents ${batch.first + 1}-${batch.first + batch.count} of ${records.length})`;
      const before = total.stored + total.alreadyPresent > 0 ? `; ${total.stored + total.alreadyPresent} documents stored before` : "";
      const send = async (b: BulkBatch) => {
        try {
          return await sendBulkBatch(ctx.http, b, { auth, verifyTls: params.verify_tls, ca: ca || undefined });
        } catch (e) {
          if (isHttpError(e)) throw new ModuleError(`${where} failed: ${e.message}${before}`);
          throw e;
        }
      };
      const verdict = await send(batch);
      if (!verdict.ok && !verdict.outcome) throw new ModuleError(`${where} rejected: ${verdict.reason}${before}`);
      const outcome = verdict.outcome!;
      // Items refused with 429 (a busy cluster) go again on their own, after a pause, while the
      // attempt has time; the stored ones are not sent twice.
      for (let round = 0; round < ITEM_RESENDS && outcome.rejected.length > 0; round++) {
        const pause = ITEM_RESEND_PAUSE_MS * 2 ** round;
        if (Date.now() + pause + 1000 > ctx.deadline) break;
        await sleep(pause, ctx.signal);
        const subset = outcome.rejected.map((f) => records[f.position]!);
        const [again] = bulkRequests(subset, target, Number.MAX_SAFE_INTEGER);
        requests++;
        const v = await send(again!);
        if (!v.outcome) break;
        settleResend(outcome, v.outcome);
      }
      mergeOutcome(total, outcome);
    }
    if (total.failuresByType.size > 0) {
      // Items refused for load (429, 5xx) may pass on a later attempt; the stored ones come back 409.
      throw new ModuleError(
        `${describeItemFailures(total)}; ${total.stored + total.alreadyPresent} of ${records.length} documents stored`,
        {
          retryable: total.retryableItems > 0,
        },
      );
    }
    ctx.log.info(
      { documents: records.length, created: total.stored, alreadyPresent: total.alreadyPresent, requests },
      "sent to Elasticsearch",
    );
  },
});

function chooseAuth(p: { api_key: string; username: string; password: string; bearer_token: string }): EsAuth {
  const given = [
    p.api_key !== "" && "api_key",
    (p.username !== "" || p.password !== "") && "username/password",
    p.bearer_token !== "" && "bearer_token",
  ].filter(Boolean);
  if (given.length > 1) throw new ParamError("api_key", `give one authentication only (got ${given.join(" and ")})`);
  if (p.api_key !== "") return { kind: "api_key", key: p.api_key.trim() };
  if (p.bearer_token !== "") return { kind: "bearer", token: p.bearer_token.trim() };
  if (p.username !== "" || p.password !== "") {
    if (p.username.trim() === "") throw new ParamError("username", "is required with a password");
    return { kind: "basic", username: p.username.trim(), password: p.password };
  }
  return { kind: "none" };
}

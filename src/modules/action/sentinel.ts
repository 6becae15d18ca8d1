import { defineActionModule, ModuleError, param, ParamError } from "../../sdk/index.js";
import { isHttpError, type HttpResponse } from "../../services/http/types.js";
import { describeFailure, jsonBody } from "../shared/messages/http-failure.js";
import { exportedAttributes } from "../shared/export-records/index.js";
import { hashedDestination, hostOf } from "../shared/destination-key.js";
import { Pacer, PacingError, sleep } from "./_sentinel/pacer.js";
import { readUploadReply, retryDelay, type RecordError } from "./_sentinel/response.js";
import { attributeIndicator } from "./_sentinel/stix.js";
import { TokenCache, TokenError, type ClientCredentials } from "./_sentinel/token.js";
import { DEFAULT_API_VERSION, uploadBatches, type UploadBatch } from "./_sentinel/upload.js";
import { caCertificateParam } from "../shared/ca-certificate.js";

// Microsoft Sentinel threat intelligence (docs/actions-siem.md#sentinel): attributes become
// STIX 2.1 indicators uploaded with the STIX objects API, 100 per request, paced at the
// per-user rate limit. A 429's delay is honoured and the same batch sent again (nothing is
// dropped); when the delay does not fit the deadline the node fails saying what was sent.

const tokens = new TokenCache();
const pacer = new Pacer();
/** 429s answered by waiting, per batch, before giving up. */
const MAX_RATE_LIMIT_WAITS = 3;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The parameter checks that need no request: run before queuing and on every attempt. */
function checkSentinelParams(params: {
  tenant_id: string;
  client_id: string;
  workspace_id: string;
  source_system: string;
  ca_certificate: string;
}) {
  for (const name of ["tenant_id", "client_id", "workspace_id"] as const) {
    if (!GUID.test(params[name].trim()) && !(name === "tenant_id" && /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(params[name].trim()))) {
      throw new ParamError(name, name === "tenant_id" ? "must be a GUID or a domain such as contoso.onmicrosoft.com" : "must be a GUID");
    }
  }
  const sourceSystem = params.source_system.trim();
  if (sourceSystem.toLowerCase() === "microsoft sentinel") throw new ParamError("source_system", "'Microsoft Sentinel' is reserved");
  const ca = caCertificateParam(params.ca_certificate);
  return { sourceSystem, ca };
}

export default defineActionModule({
  meta: {
    description:
      "Upload the event's attributes to Microsoft Sentinel threat intelligence as STIX 2.1 indicators (STIX objects upload API).",
    name: "Microsoft Sentinel threat intelligence",
    version: "1.0",
    features:
      "OAuth2 client credentials with a token cache, STIX 2.1 patterns for IP, domain, URL, hash, file and e-mail types, TLP markings, labels from tags, " +
      "confidence and validity, batches of 100 paced at the rate limit, 429 delays honoured without losing objects, partial failures reported per record.",
    references: ["https://learn.microsoft.com/en-us/azure/sentinel/stix-objects-api"],
    input: "Roaming data in MISP core format (event or attribute triggers).",
    output: "Indicators in Microsoft Sentinel.",
  },
  icon: { name: "microsoft", class: "fab" },
  params: {
    tenant_id: param.string({
      required: true,
      placeholder: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      description: "Microsoft Entra tenant (directory) ID.",
    }),
    client_id: param.string({
      required: true,
      placeholder: "1b730954-1685-4b74-9bfd-dac224a7b894",
      description: "Application (client) ID; the app needs the Microsoft Sentinel Contributor role on the workspace.",
    }),
    client_secret: param.secret({ required: true, description: "Client secret of the application." }),
    workspace_id: param.string({
      required: true,
      placeholder: "3f6c9b5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
      description: "Log Analytics workspace ID.",
    }),
    source_system: param.string({
      default: "MISP",
      placeholder: "MISP",
      description: "Source shown in Sentinel ('Microsoft Sentinel' is reserved).",
    }),
    ids_only: param.boolean({ default: true, description: "Only attributes with the IDS flag." }),
    confidence: param.integer({ min: 0, max: 100, placeholder: "50", description: "Indicator confidence 0–100. Default: not set." }),
    valid_days: param.integer({
      default: 365,
      min: 0,
      max: 36_500,
      description: "valid_until = valid_from + this many days; 0: no valid_until.",
    }),
    requests_per_minute: param.integer({
      default: 100,
      min: 1,
      max: 6000,
      description: "Upload requests per minute at most (Sentinel allows 100 per user).",
    }),
    api_version: param.string({
      default: DEFAULT_API_VERSION,
      placeholder: DEFAULT_API_VERSION,
      description: "api-version of the upload API.",
    }),
    api_url: param.url({
      default: "https://api.ti.sentinel.azure.com",
      placeholder: "https://api.ti.sentinel.azure.com",
      description: "Upload API base URL.",
    }),
    login_url: param.url({
      default: "https://login.microsoftonline.com",
      placeholder: "https://login.microsoftonline.com",
      description: "Token endpoint base (other clouds).",
    }),
    scope: param.string({
      default: "https://management.azure.com/.default",
      placeholder: "https://management.azure.com/.default",
      description: "OAuth2 scope of the token.",
    }),
    verify_tls: param.boolean({ default: true, description: "Verify TLS certificates." }),
    ca_certificate: param.largeString({
      description: "PEM CA certificate(s) trusted in addition to the public roots (e.g. a TLS-inspecting proxy).",
    }),
  },
  supportFilters: true,
  expectMispCoreFormat: true,
  outbound: {
    // Sentinel allows 100 upload requests a minute per application: one destination per
    // tenant and client id (hashed). Its 429 gives the wait only in the message text.
    destination: (p) => hashedDestination(hostOf(p.api_url), `${p.tenant_id.trim()}|${p.client_id.trim()}`),
    limits: { perMinute: 100 },
    retryAfterMs: (res) => {
      if (res.status !== 429) return undefined;
      const seconds = retryDelay(res);
      return seconds === undefined ? undefined : seconds * 1000;
    },
    validate({ params }) {
      checkSentinelParams(params);
    },
  },
  async handler({ params, data, filteredItems }, ctx) {
    const { sourceSystem, ca } = checkSentinelParams(params);

    const event = isObject(data) && isObject(data.Event) ? data.Event : {};
    const now = Date.now();
    const objects: Record<string, unknown>[] = [];
    const unsupported = new Map<string, number>();
    let skipped = 0;
    for (const a of exportedAttributes(data, filteredItems)) {
      if (a.deleted === true || (params.ids_only && a.to_ids !== true && a.to_ids !== "1")) {
        skipped++;
        continue;
      }
      const indicator = attributeIndicator(a, event, { confidence: params.confidence, validDays: params.valid_days }, now);
      if (indicator) objects.push(indicator);
      else unsupported.set(String(a.type), (unsupported.get(String(a.type)) ?? 0) + 1);
    }
    const unsupportedCount = [...unsupported.values()].reduce((x, y) => x + y, 0);
    if (objects.length === 0) {
      ctx.log.info({ skipped, unsupported: Object.fromEntries(unsupported) }, "sentinel: no attribute to upload");
      return;
    }

    const creds: ClientCredentials = {
      loginUrl: params.login_url,
      tenantId: params.tenant_id.trim(),
      clientId: params.client_id.trim(),
      clientSecret: params.client_secret,
      scope: params.scope.trim(),
      verifyTls: params.verify_tls,
      ca: ca || undefined,
    };
    const secrets = [params.client_secret];
    const batches = uploadBatches(objects, {
      apiUrl: params.api_url,
      workspaceId: params.workspace_id.trim(),
      apiVersion: params.api_version.trim(),
      sourceSystem,
    });
    // Sentinel's limit is per user (the application) and API.
    const paceKey = `${params.api_url}|${creds.tenantId}|${creds.clientId}`;
    const rejected: { position: number; batch: number; error: RecordError; id: string }[] = [];
    let uploaded = 0;

    const progress = (b: UploadBatch) => `; ${uploaded} objects accepted before, ${objects.length - b.first} not sent`;
    for (const [i, batch] of batches.entries()) {
      const which = `batch ${i + 1}/${batches.length}`;
      let waits = 0;
      let renewed = false;
      for (;;) {
        let res: HttpResponse;
        try {
          // The token first: the pace spaces the uploads themselves, not a token fetch before one.
          const token = await tokens.get(ctx.http, creds);
          await pacer.wait(paceKey, params.requests_per_minute, ctx.signal, ctx.deadline - 1000);
          secrets.push(token);
          res = await ctx.http.request(batch.url, {
            method: batch.method,
            headers: { ...batch.headers, authorization: `Bearer ${token}` },
            body: batch.body,
            verifyTls: params.verify_tls,
            ca: ca || undefined,
            secrets,
            retry: false,
          });
        } catch (e) {
          if (e instanceof PacingError) throw new ModuleError(`${which} not sent: ${e.message}${progress(batch)}`);
          if (e instanceof TokenError) throw new ModuleError(`${which}: ${e.message}${progress(batch)}`);
          if (isHttpError(e)) throw new ModuleError(`${which} failed: ${e.message}${progress(batch)}`);
          if (ctx.signal.aborted) throw new ModuleError(`${which}: deadline reached while pacing requests${progress(batch)}`);
          throw e;
        }
        const verdict = readUploadReply(res);
        if (verdict.kind === "accepted") {
          for (const error of verdict.rejected) {
            rejected.push({ position: batch.first + error.recordIndex, batch: i + 1, error, id: batch.ids[error.recordIndex] ?? "?" });
          }
          uploaded += batch.count - verdict.rejected.length;
          break;
        }
        if (verdict.kind === "unauthorized" && !renewed) {
          // A revoked or rotated token: get a fresh one once.
          tokens.forget(creds);
          renewed = true;
          continue;
        }
        if (verdict.kind === "rate_limited") {
          const delay = verdict.retryAfterSeconds ?? 60;
          const until = Date.now() + delay * 1000;
          pacer.holdUntil(paceKey, until);
          if (waits < MAX_RATE_LIMIT_WAITS && until + 1000 < ctx.deadline) {
            waits++;
            ctx.log.info({ batch: i + 1, delaySeconds: delay }, "sentinel: rate limited; waiting, then sending the same batch again");
            try {
              await sleep(delay * 1000, ctx.signal);
            } catch {
              throw new ModuleError(`${which}: deadline reached while waiting for the rate limit${progress(batch)}`);
            }
            continue;
          }
        }
        throw new ModuleError(
          `${which} rejected: ${describeFailure(res, { detail: sentinelMessage(res), secrets, rateLimitText: "rate limited" })}${progress(batch)}`,
        );
      }
    }

    const summary = {
      objects: objects.length,
      accepted: uploaded,
      rejected: rejected.length,
      unsupported: Object.fromEntries(unsupported),
      skipped,
      requests: batches.length,
    };
    if (rejected.length > 0) {
      const shown = rejected
        .slice(0, 3)
        .map(
          (r) =>
            `object ${r.position + 1} (batch ${r.batch} record ${r.error.recordIndex}, ${r.id}): ${r.error.messages.join(" ") || "rejected"}`,
        )
        .join("; ");
      throw new ModuleError(
        `${rejected.length} of ${objects.length} objects rejected: ${shown}${rejected.length > 3 ? `; and ${rejected.length - 3} more` : ""}`,
      );
    }
    ctx.log.info(
      summary,
      `uploaded to Microsoft Sentinel${unsupportedCount > 0 ? ` (${unsupportedCount} attributes of unsupported types skipped)` : ""}`,
    );
  },
});

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Sentinel's explanation: `message`, or Azure's `{"error": {"code", "message"}}`. */
function sentinelMessage(res: HttpResponse): string | undefined {
  const body = jsonBody(res) as { message?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
  if (typeof body?.message === "string") return body.message;
  if (body?.error && typeof body.error.message === "string")
    return typeof body.error.code === "string" ? `${body.error.code}: ${body.error.message}` : body.error.message;
  return undefined;
}

import { type ContextFor, defineActionModule, ModuleError, param, ParamError, type ParamValues, serverSetting } from "../../sdk/index.js";
import { deliver } from "../shared/messages/deliver.js";
import { describeFailure } from "../shared/messages/http-failure.js";
import { urlCredentialParts } from "../../services/secrets/scrub.js";
import { standardWebhookHeaders } from "../shared/messages/standard-webhooks.js";
import {
  CONTENT_TYPES,
  mergeHeaders,
  parseExpectedStatus,
  parseHeaderLines,
  resolveHeaderSecrets,
  urlAllowed,
  webhookBody,
  WebhookRequestError,
} from "../shared/messages/webhook-request.js";

// Generic HTTP callback (docs/modules.md#http_webhook). Not called `webhook`: that id belongs to MISP's
// built-in module, which a misp-module of the same id would silently replace (docs/protocol.md#naming).
// Success only when the endpoint answered with an accepted status.

const METHODS = ["post", "put", "patch", "get", "delete"] as const;

const WEBHOOK_SERVER_SETTINGS = {
  allowed_urls: serverSetting.list({
    description:
      "URL patterns with * wildcards, separated by spaces or commas: when set, only URLs that match one completely are called (docs/actions-chat.md).",
  }),
};

const definition = defineActionModule({
  meta: {
    description: "Call an HTTP endpoint with the roaming data, a data extraction or a templated payload.",
    name: "HTTP webhook",
    version: "1.0",
    features:
      "JSON, form (PHP http_build_query layout) or plain-text bodies; custom headers; accepted status list; " +
      "optional TLS opt-out for self-signed endpoints. Fails with the status and a short body excerpt when the endpoint refuses.",
    input: "Roaming data (any trigger).",
    output: "An HTTP request to the configured URL.",
  },
  icon: { name: "globe", class: "fas" },
  params: {
    url: param.url({
      required: true,
      jinja: true,
      placeholder: "https://example.org/hook",
      description: "Endpoint to call (http:// or https://). Required.",
    }),
    request_method: param.oneOf(METHODS, { default: "post", placeholder: "post", description: "HTTP method. GET sends no body." }),
    content_type: param.oneOf(["json", "form", "text"] as const, {
      default: "json",
      placeholder: "json",
      description: "Body encoding: json (application/json), form (application/x-www-form-urlencoded), text (text/plain).",
    }),
    payload: param.template({
      description: "Body text. With json it must be valid JSON. Default: the data extraction if set, else the whole roaming data.",
    }),
    headers: param.template({
      secret: true,
      placeholder: "X-MISP-Event: {{ Event.uuid }}",
      description:
        "Extra headers, one 'Name: value' per line (e.g. Authorization: Bearer secret:NAME); a word secret:NAME is replaced by the server's secret. Default: none.",
    }),
    data_extraction_path: param.hashPath({
      placeholder: "Event._AttributeFlattened.{n}.value",
      description: "When payload is empty, send this extraction instead of the roaming data. Default: none.",
    }),
    self_signed: param.oneOf(["deny", "allow"] as const, {
      default: "deny",
      placeholder: "deny",
      description: "allow disables TLS certificate verification (self-signed endpoints).",
    }),
    expected_status: param.string({
      default: "2xx",
      placeholder: "2xx",
      description: "Accepted status codes or classes, comma-separated (e.g. 200,202 or 2xx).",
    }),
    signing_secret: param.secret({
      description:
        "Standard Webhooks signing secret (whsec_ followed by base64; other text is used as is): adds webhook-signature (v1, HMAC-SHA256). webhook-id and webhook-timestamp are always sent; webhook-id stays the same across the outbox's retries. Default: unsigned.",
    }),
  },
  // May be queued (docs/delivery.md): the request is built once before queuing, so a bad payload
  // or header is MISP's error at once; webhook-id is ctx.delivery.id, stable across retries.
  serverSettings: WEBHOOK_SERVER_SETTINGS,
  outbound: {
    validate({ params, data, matchingData }, ctx) {
      buildWebhookRequest(params, data, matchingData, ctx);
    },
  },
  async handler({ params, data, matchingData }, ctx) {
    const { method, url, headers, body, accepted, secrets } = buildWebhookRequest(params, data, matchingData, ctx);
    const res = await deliver(ctx, url, {
      what: `${method} to the webhook`,
      method,
      headers,
      body,
      verifyTls: params.self_signed !== "allow",
      secrets,
    });
    if (!accepted(res.status)) {
      const auth = res.status === 401 || res.status === 403;
      throw new ModuleError(describeFailure(res, { secrets, prefix: auth ? "authentication failed" : undefined }));
    }
    ctx.log.info({ status: res.status, method, bytes: body?.length ?? 0 }, "webhook accepted the request");
  },
});

type WebhookParams = ParamValues<(typeof definition)["params"]>;

/** Everything the request needs, checked: allow-list, accepted statuses, headers, body. */
function buildWebhookRequest(
  params: WebhookParams,
  data: unknown,
  matchingData: Readonly<Record<string, unknown>>,
  ctx: ContextFor<typeof WEBHOOK_SERVER_SETTINGS>,
) {
  try {
    const allowList = ctx.settings.allowed_urls;
    if (allowList.length > 0 && !urlAllowed(params.url, allowList)) {
      throw new ParamError("url", "is not in the server's allow-list (modules.http_webhook.allowed_urls)");
    }
    const accepted = parseExpectedStatus(params.expected_status);
    const { headers: userHeaders, secrets: resolvedSecrets } = resolveHeaderSecrets(parseHeaderLines(params.headers), (ref) =>
      ctx.resolveSecret(ref),
    );
    const method = params.request_method.toUpperCase() as "POST" | "PUT" | "PATCH" | "GET" | "DELETE";
    const defaults: Record<string, string> = { Accept: "application/json" };
    let body: string | undefined;
    if (method !== "GET") {
      const extraction = params.data_extraction_path.trim() !== "" ? matchingData.data_extraction_path : data;
      body = webhookBody(params.content_type, params.payload !== "" ? params.payload : undefined, extraction);
      defaults["Content-Type"] = CONTENT_TYPES[params.content_type];
    }
    // Header values are often credentials ("Authorization: Bearer x"): keep them and their
    // last word (the token after the scheme) out of error messages.
    // So are the URL's userinfo and token-like query values, which an echoing endpoint returns.
    const secrets = [
      ...resolvedSecrets,
      ...userHeaders.flatMap(([, v]) => [v, v.split(/\s+/).at(-1) ?? ""]),
      ...urlCredentialParts(params.url),
    ];
    const signing = params.signing_secret.trim();
    if (signing !== "") secrets.push(signing);
    // The receiver deduplicates on webhook-id (docs/delivery.md, "Idempotency").
    Object.assign(defaults, standardWebhookHeaders(ctx.delivery.id, body ?? "", signing || undefined));
    return { method, url: params.url, headers: mergeHeaders(defaults, userHeaders), body, accepted, secrets };
  } catch (e) {
    if (e instanceof WebhookRequestError) throw new ParamError(e.param, e.message);
    throw e;
  }
}

export default definition;

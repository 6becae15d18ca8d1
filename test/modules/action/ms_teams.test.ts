import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import def from "../../../src/modules/action/ms_teams.js";
import { detectCardFormat } from "../../../src/modules/shared/messages/teams-cards.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { closedPort, failures, HANG, startStandIn, type RecordedRequest, type Reply, type StandIn } from "../../helpers/stand-in.js";
import { nodeRequest as mispActionBody } from "../../helpers/misp-request.js";

// A Teams stand-in with two endpoints: a Workflows trigger ("When a Teams webhook request is
// received": a message activity whose attachments are Adaptive Cards; 202 on success,
// JSON {"error": {code, message}} on failure, `sig` in the query string) and a legacy
// Office 365 connector (MessageCard or {"text"}; 200 with body "1").

const SIG = "wOrKfLoWsIgNaTuRe0123456789abcdef";
const WORKFLOW_PATH = "/workflows/4f1e7c/triggers/manual/paths/invoke";
const CONNECTOR_PATH = "/webhookb2/1111-2222@3333/IncomingWebhook/c0nnect0rS3cret/4444";

const TextBlock = z.object({
  type: z.literal("TextBlock"),
  text: z.string(),
  wrap: z.boolean().optional(),
  weight: z.string().optional(),
  size: z.string().optional(),
});
const WorkflowMessage = z.object({
  type: z.literal("message"),
  attachments: z
    .array(
      z.object({
        contentType: z.literal("application/vnd.microsoft.card.adaptive"),
        contentUrl: z.null().optional(),
        content: z.object({
          $schema: z.string().optional(),
          type: z.literal("AdaptiveCard"),
          version: z.string().regex(/^1\.\d$/),
          body: z.array(TextBlock).min(1),
        }),
      }),
    )
    .min(1),
});
const ConnectorMessage = z.union([
  z.object({
    "@type": z.literal("MessageCard"),
    "@context": z.literal("https://schema.org/extensions"),
    summary: z.string().min(1),
    title: z.string().optional(),
    text: z.string().min(1),
  }),
  z.object({ text: z.string().min(1) }),
]);

function contract(req: RecordedRequest): Reply {
  if (!String(req.headers["content-type"]).startsWith("application/json"))
    return { status: 415, body: { error: { code: "UnsupportedMediaType", message: "The media type is not supported." } } };
  if (Buffer.byteLength(req.body) > 28_000) return failures.tooLarge({ error: { code: "MessageTooLarge", message: "too large" } });
  let json: unknown;
  try {
    json = JSON.parse(req.body);
  } catch {
    return { status: 400, body: { error: { code: "InvalidRequestContent", message: "The request content is not valid JSON." } } };
  }
  if (req.path === WORKFLOW_PATH) {
    if (req.query.get("sig") !== SIG)
      return {
        status: 401,
        body: { error: { code: "DirectApiInvalidAuthorizationSignature", message: "The provided authorization signature is invalid." } },
      };
    if (!WorkflowMessage.safeParse(json).success)
      return {
        status: 400,
        body: {
          error: {
            code: "TriggerInputSchemaMismatch",
            message: "The input body for trigger 'manual' of type 'Request' did not match its schema definition.",
          },
        },
      };
    return { status: 202, body: "" };
  }
  if (req.path === CONNECTOR_PATH) {
    if (!ConnectorMessage.safeParse(json).success) return { status: 400, body: "Summary or Text is required." };
    return { status: 200, headers: { "content-type": "text/plain" }, body: "1" };
  }
  return { status: 404, body: { error: { code: "WorkflowNotFound", message: "The workflow could not be found." } } };
}

function nodeRequest(data: unknown, values: Record<string, string>) {
  return mispActionBody("ms_teams", def, data, values, {});
}

let app: TestApp;
let teams: StandIn;
let workflowUrl: string;
let connectorUrl: string;

beforeAll(async () => {
  teams = await startStandIn();
  app = await startTestApp({ http: { timeoutMs: 1000 } });
  workflowUrl = `${teams.url}${WORKFLOW_PATH}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`;
  connectorUrl = `${teams.url}${CONNECTOR_PATH}`;
}, 120_000); // app start-up can be slow on a loaded machine
afterAll(async () => {
  await app.close();
  await teams.close();
});
beforeEach(() => {
  teams.reset();
  teams.handle(contract);
});

function card(req: RecordedRequest) {
  return WorkflowMessage.parse(JSON.parse(req.body)).attachments[0]!.content.body;
}

describe("ms_teams descriptor and format choice", () => {
  it("declares the parameters of docs/modules.md#action-modules", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Array<{ name: string; meta: Record<string, unknown> }>;
    const d = list.find((m) => m.name === "ms_teams")!;
    expect([d.meta.icon, d.meta.icon_class]).toEqual(["microsoft", "fab"]);
    const config = d.meta.config as {
      params: Record<string, { type: string; value?: string; jinja_supported?: boolean }>;
      support_filters: boolean;
    };
    expect(Object.keys(config.params)).toEqual(["webhook_url", "title", "message_template", "card_format", "delivery"]);
    expect(config.params.webhook_url).toEqual(
      expect.objectContaining({ type: "string", value: "https://prod-00.westeurope.logic.azure.com/workflows/…" }),
    );
    expect(config.params.title).toMatchObject({ type: "string", value: "MISP: {{ Event.info }}", jinja_supported: true });
    expect(config.params.message_template).toMatchObject({ type: "large_string", value: "Event {{ Event.id }} …", jinja_supported: true });
    expect(config.params.card_format.value).toBe("auto");
    expect(config.support_filters).toBe(false);
  });

  it("auto picks MessageCard for connector hosts only", () => {
    expect(detectCardFormat("https://contoso.webhook.office.com/webhookb2/x")).toBe("messagecard");
    expect(detectCardFormat("https://outlook.office.com/webhook/x")).toBe("messagecard");
    expect(detectCardFormat("https://outlook.office365.com/webhook/x")).toBe("messagecard");
    expect(detectCardFormat("https://prod-12.westeurope.logic.azure.com:443/workflows/x")).toBe("adaptive");
    expect(detectCardFormat("https://default0a.12.environment.api.powerplatform.com/x")).toBe("adaptive");
    expect(detectCardFormat("https://webhook.office.com.evil.example/x")).toBe("adaptive");
  });
});

describe("ms_teams Workflows (Adaptive Card)", () => {
  it("posts an Adaptive Card with the rendered title and text", async () => {
    const r = await app.query(
      nodeRequest(roaming("event-publish-tlp-red"), {
        webhook_url: workflowUrl,
        title: "MISP: Ransomware C2",
        message_template: "Line one\nLine two\n\nPara",
      }),
    );
    expect(r.body).toEqual({ data: true });
    const req = teams.last();
    expect(req.query.get("sig")).toBe(SIG);
    expect(card(req)).toEqual([
      { type: "TextBlock", text: "MISP: Ransomware C2", weight: "Bolder", size: "Medium", wrap: true },
      { type: "TextBlock", text: "Line one\n\nLine two\n\nPara", wrap: true },
    ]);
  });

  it("defaults to the summary: first line as title, the rest as text", async () => {
    await app.query(nodeRequest(roaming("event-publish-minimal-no-tags"), { webhook_url: workflowUrl }));
    expect(card(teams.last())).toEqual([
      { type: "TextBlock", text: "[MISP] Event 1205: Single IOC quick share", weight: "Bolder", size: "Medium", wrap: true },
      {
        type: "TextBlock",
        text: "UUID: 8017f899-e212-5892-90fa-5450bd97720d\n\nCreator org: CIRCL | Threat level: Undefined | Analysis: Initial | Published: no\n\nAttributes: 1 (sha256: 1)",
        wrap: true,
      },
    ]);
    await app.query(nodeRequest(roaming("event-publish-minimal-no-tags"), { webhook_url: workflowUrl, title: "Custom" }));
    expect(card(teams.last())[1]!.text.startsWith("[MISP] Event 1205: Single IOC quick share\n\nUUID:")).toBe(true);
  });

  it("keeps single line breaks when modules.ms_teams.adaptive_paragraphs is false", { timeout: 120_000 }, async () => {
    const plain = await startTestApp({ modules: { ms_teams: { adaptive_paragraphs: "false" } } });
    try {
      await plain.query(nodeRequest({}, { webhook_url: workflowUrl, title: "t", message_template: "a\nb" }));
      expect(card(teams.last())[1]!.text).toBe("a\nb");
    } finally {
      await plain.close();
    }
  });

  it("keeps the serialised payload under 25000 bytes", async () => {
    const long = 'é"\\<'.repeat(20_000);
    expect((await app.query(nodeRequest({}, { webhook_url: workflowUrl, title: "big", message_template: long }))).body).toEqual({
      data: true,
    });
    const req = teams.last();
    expect(Buffer.byteLength(req.body)).toBeLessThanOrEqual(25_000);
    expect(Buffer.byteLength(req.body)).toBeGreaterThan(24_000);
    expect(card(req)[1]!.text.endsWith("… (truncated)")).toBe(true);
  });

  it("reports Workflows errors with their code and message, never the sig", async () => {
    const wrongSig = workflowUrl.replace(SIG, "f0rg3dS1gnatur3value");
    const r = await app.query(nodeRequest({}, { webhook_url: wrongSig, title: "x" }));
    expect(r.body).toEqual({
      error: "ms_teams: HTTP 401 Unauthorized: DirectApiInvalidAuthorizationSignature: The provided authorization signature is invalid.",
    });
    teams.script(
      failures.forbidden({ error: { code: "WorkflowTriggerIsNotEnabled", message: "The workflow is disabled." } }),
      failures.rateLimited(45, { error: { code: "WorkflowRequestsThrottled", message: "Rate limit reached." } }),
      failures.serverError(),
      failures.tooLarge(),
    );
    const errors: unknown[] = [];
    for (let i = 0; i < 4; i++) errors.push((await app.query(nodeRequest({}, { webhook_url: workflowUrl }))).body.error);
    expect(errors).toEqual([
      "ms_teams: HTTP 403 Forbidden: WorkflowTriggerIsNotEnabled: The workflow is disabled.",
      "ms_teams: HTTP 429 Too Many Requests, throttled by Teams, retry after 45 s: WorkflowRequestsThrottled: Rate limit reached.",
      "ms_teams: HTTP 500 Internal Server Error: Internal Server Error",
      "ms_teams: HTTP 413 Payload Too Large: Payload Too Large",
    ]);
    const missing = await app.query(
      nodeRequest({}, { webhook_url: `${teams.url}/workflows/unknown/triggers/manual/paths/invoke?sig=${SIG}` }),
    );
    expect(missing.body.error).toBe("ms_teams: HTTP 404 Not Found: WorkflowNotFound: The workflow could not be found.");
    for (const e of [r.body.error, ...errors, missing.body.error] as string[]) expect(e).not.toMatch(/f0rg3dS1gnatur3value|wOrKfLoW/);
  });

  it("rejects a MessageCard on a Workflows URL (what the built-in module's payloads get)", async () => {
    expect((await app.query(nodeRequest({}, { webhook_url: workflowUrl, card_format: "messagecard" }))).body.error).toMatch(
      /^ms_teams: HTTP 400 Bad Request: TriggerInputSchemaMismatch/,
    );
  });

  it("fails on hang, refused connection and self-signed certificate; requires webhook_url", async () => {
    teams.script(HANG);
    expect((await app.query(nodeRequest({}, { webhook_url: workflowUrl }))).body.error).toMatch(
      /^ms_teams: posting to Teams failed: no response from 127\.0\.0\.1:\d+ within 1000 ms$/,
    );
    const port = await closedPort();
    expect((await app.query(nodeRequest({}, { webhook_url: `http://127.0.0.1:${port}${WORKFLOW_PATH}?sig=${SIG}` }))).body.error).toMatch(
      /^ms_teams: posting to Teams failed: connection refused/,
    );
    const tls = await startStandIn({ tls: true, handler: contract });
    try {
      expect((await app.query(nodeRequest({}, { webhook_url: `${tls.url}${WORKFLOW_PATH}?sig=${SIG}` }))).body.error).toMatch(
        /^ms_teams: posting to Teams failed: TLS error .*self-signed/,
      );
    } finally {
      await tls.close();
    }
    expect((await app.query(nodeRequest({}, {}))).body).toEqual({ error: 'ms_teams: parameter "webhook_url": is required' });
  });
});

describe("ms_teams legacy connector (MessageCard)", () => {
  it("posts a MessageCard and succeeds on 200 '1'", async () => {
    const r = await app.query(
      nodeRequest(roaming("event-publish-tlp-white"), {
        webhook_url: connectorUrl,
        card_format: "messagecard",
        message_template: "OSINT line 1\nline 2",
      }),
    );
    expect(r.body).toEqual({ data: true });
    expect(JSON.parse(teams.last().body)).toEqual({
      "@type": "MessageCard",
      "@context": "https://schema.org/extensions",
      summary: "[MISP] Event 1202: OSINT - Phishing kit targeting webmail users",
      title: "[MISP] Event 1202: OSINT - Phishing kit targeting webmail users",
      text: "OSINT line 1\nline 2",
    });
  });

  it("reports the connector's plain-text errors", async () => {
    teams.script({ status: 400, body: "Summary or Text is required." }, { status: 410, body: "Connector has been removed" });
    expect((await app.query(nodeRequest({}, { webhook_url: connectorUrl, card_format: "messagecard" }))).body.error).toBe(
      "ms_teams: HTTP 400 Bad Request: Summary or Text is required.",
    );
    const gone = await app.query(nodeRequest({}, { webhook_url: connectorUrl, card_format: "messagecard" }));
    expect(gone.body.error).toBe("ms_teams: HTTP 410 Gone: Connector has been removed");
    expect(gone.body.error).not.toContain("c0nnect0rS3cret");
  });
});

describe("ms_teams end to end with every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s (Workflows and connector)", async (name) => {
    const data = roaming(name) as { Event: { id: string; info: string } };
    expect((await app.query(nodeRequest(data, { webhook_url: workflowUrl }))).body).toEqual({ data: true });
    expect(card(teams.last())[0]!.text).toBe(`[MISP] Event ${data.Event.id}: ${data.Event.info}`);
    expect((await app.query(nodeRequest(data, { webhook_url: connectorUrl, card_format: "messagecard" }))).body).toEqual({ data: true });
    expect(ConnectorMessage.parse(JSON.parse(teams.last().body))).toMatchObject({
      title: `[MISP] Event ${data.Event.id}: ${data.Event.info}`,
    });
  });
});

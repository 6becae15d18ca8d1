import { z } from "zod";
import type { RecordedRequest, Reply } from "../../../helpers/stand-in.js";

// Google Chat space webhook = spaces.messages.create (POST /v1/spaces/{space}/messages?key=…&token=…,
// https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create):
// JSON Message; unknown fields refused (proto JSON); whole message ≤ 32 000 bytes; 200 with the
// created Message. requestId: a known id returns the message created with it. threadKey +
// messageReplyOption: reply in that thread. Errors: {"error": {"code", "message", "status"}}.

export const GCHAT_SPACE = "AAAAstandin";
export const GCHAT_KEY = "AIzaSyStandInKey0000000000000000000";
export const GCHAT_TOKEN = "gCh4tT0kenS3cret-abc=";

const googleError = (code: number, status: string, message: string): Reply => ({
  status: code,
  body: { error: { code, message, status } },
});

const Widget = z
  .object({
    textParagraph: z.object({ text: z.string() }).strict().optional(),
    decoratedText: z.object({ topLabel: z.string().optional(), text: z.string() }).strict().optional(),
    buttonList: z
      .object({
        buttons: z.array(
          z.object({ text: z.string(), onClick: z.object({ openLink: z.object({ url: z.string().url() }).strict() }).strict() }).strict(),
        ),
      })
      .strict()
      .optional(),
  })
  .strict();
const Card = z
  .object({
    header: z.object({ title: z.string(), subtitle: z.string().optional() }).strict().optional(),
    sections: z.array(z.object({ widgets: z.array(Widget) }).strict()).optional(),
  })
  .strict();
const Message = z
  .object({
    text: z.string().optional(),
    fallbackText: z.string().optional(),
    cardsV2: z.array(z.object({ cardId: z.string().optional(), card: Card }).strict()).optional(),
    thread: z.object({ name: z.string().optional(), threadKey: z.string().optional() }).strict().optional(),
  })
  .strict();

export function googleChatStandIn(): { handler: (req: RecordedRequest) => Reply; created: () => number } {
  const byRequestId = new Map<string, unknown>();
  const threads = new Map<string, string>();
  let count = 0;
  const handler = (req: RecordedRequest): Reply => {
    if (req.method !== "POST" || req.path !== `/v1/spaces/${GCHAT_SPACE}/messages`)
      return { status: 404, body: "<!DOCTYPE html><title>Error 404 (Not Found)!!1</title>" };
    if (req.query.get("key") !== GCHAT_KEY) return googleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.");
    if (req.query.get("token") !== GCHAT_TOKEN)
      return googleError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
    if (!/^application\/json/i.test(String(req.headers["content-type"] ?? "")))
      return googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unexpected token.");
    if (Buffer.byteLength(req.body) > 32_000) return googleError(400, "INVALID_ARGUMENT", "Message is too large.");
    let json: unknown;
    try {
      json = JSON.parse(req.body);
    } catch {
      return googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    }
    const parsed = Message.safeParse(json);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      const unknown =
        i.code === "unrecognized_keys"
          ? `Unknown name "${i.keys[0]}" at 'message${i.path.map((p) => `.${String(p)}`).join("")}': Cannot find field.`
          : `Invalid value at 'message.${i.path.join(".")}'`;
      return googleError(400, "INVALID_ARGUMENT", `Invalid JSON payload received. ${unknown}`);
    }
    const m = parsed.data;
    if ((m.text ?? "").trim() === "" && (m.cardsV2 ?? []).length === 0)
      return googleError(400, "INVALID_ARGUMENT", "Message cannot be empty. Discarded empty message.");
    const requestId = req.query.get("requestId");
    if (requestId && byRequestId.has(requestId)) return { status: 200, body: byRequestId.get(requestId) as object };
    count++;
    const threadKey = req.query.get("threadKey");
    let thread = threadKey ? threads.get(threadKey) : undefined;
    if (!thread) {
      thread = `spaces/${GCHAT_SPACE}/threads/t${count}`;
      if (threadKey) threads.set(threadKey, thread);
    }
    const created = {
      name: `spaces/${GCHAT_SPACE}/messages/m${count}`,
      text: m.text ?? "",
      thread: { name: thread },
      createTime: new Date().toISOString(),
    };
    if (requestId) byRequestId.set(requestId, created);
    return { status: 200, body: created };
  };
  return { handler, created: () => count };
}

import { z } from "zod";
import type { RecordedRequest, Reply } from "../../../helpers/stand-in.js";

// Discord "Execute Webhook" (POST /api/webhooks/{id}/{token}, https://discord.com/developers/docs/resources/webhook#execute-webhook):
// no auth header, the token is in the path; JSON body with content (≤2000) and/or embeds (≤10; title ≤256,
// description ≤4096, ≤25 fields of name ≤256/value ≤1024, footer ≤2048, 6000 characters per message).
// ?wait=true → 200 with the message, otherwise 204. Errors: {"message", "code"[, "errors"]}.

export const DISCORD_HOOK_ID = "112233445566778899";
export const DISCORD_HOOK_TOKEN = "d1sc0rdT0kenS3cretPart_xyz";
export const DISCORD_HOOK_PATH = `/api/webhooks/${DISCORD_HOOK_ID}/${DISCORD_HOOK_TOKEN}`;

const max = (n: number) => z.string().max(n, `Must be ${n} or fewer in length.`);
const Embed = z.object({
  title: max(256).optional(),
  description: max(4096).optional(),
  url: z.string().url().optional(),
  color: z.number().int().min(0).max(0xffffff).optional(),
  timestamp: z.string().datetime({ offset: true }).optional(),
  footer: z.object({ text: max(2048) }).optional(),
  fields: z
    .array(z.object({ name: max(256).min(1), value: max(1024).min(1), inline: z.boolean().optional() }))
    .max(25)
    .optional(),
});
const Body = z.object({
  content: max(2000).optional(),
  username: z
    .string()
    .min(1)
    .max(80)
    .refine((u) => !/discord|clyde/i.test(u), 'Username cannot contain "discord"')
    .optional(),
  embeds: z.array(Embed).max(10).optional(),
  allowed_mentions: z.object({ parse: z.array(z.enum(["roles", "users", "everyone"])) }).optional(),
});

function invalidForm(path: (string | number)[], message: string): Reply {
  // Discord nests errors along the path: {"embeds": {"0": {"title": {"_errors": [...]}}}}.
  let errors: Record<string, unknown> = { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message }] };
  for (const p of [...path].reverse()) errors = { [String(p)]: errors };
  return { status: 400, body: { message: "Invalid Form Body", code: 50035, errors } };
}

export function discordStandIn(): { handler: (req: RecordedRequest) => Reply; messages: unknown[] } {
  const messages: unknown[] = [];
  const handler = (req: RecordedRequest): Reply => {
    const m = /^\/api\/webhooks\/(\d+)\/([^/]+)$/.exec(req.path);
    if (req.method !== "POST" || !m || m[1] !== DISCORD_HOOK_ID) return { status: 404, body: { message: "Unknown Webhook", code: 10015 } };
    if (m[2] !== DISCORD_HOOK_TOKEN) return { status: 401, body: { message: "Invalid Webhook Token", code: 50027 } };
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json"))
      return { status: 400, body: { message: "Cannot send an empty message", code: 50006 } };
    let json: unknown;
    try {
      json = JSON.parse(req.body);
    } catch {
      return { status: 400, body: { message: "The request body contains invalid JSON.", code: 50109 } };
    }
    const parsed = Body.safeParse(json);
    if (!parsed.success) return invalidForm(parsed.error.issues[0]!.path as (string | number)[], parsed.error.issues[0]!.message);
    const b = parsed.data;
    if ((b.content ?? "").trim() === "" && (b.embeds ?? []).length === 0)
      return { status: 400, body: { message: "Cannot send an empty message", code: 50006 } };
    const total = (b.embeds ?? []).reduce(
      (n, e) =>
        n +
        (e.title?.length ?? 0) +
        (e.description?.length ?? 0) +
        (e.footer?.text.length ?? 0) +
        (e.fields ?? []).reduce((k, f) => k + f.name.length + f.value.length, 0),
      0,
    );
    if (total > 6000) return invalidForm(["embeds"], "Embed size exceeds maximum size of 6000");
    messages.push(b);
    const message = {
      id: String(1_200_000_000_000_000_000n + BigInt(messages.length)),
      type: 0,
      channel_id: "998877",
      content: b.content ?? "",
      embeds: b.embeds ?? [],
      webhook_id: DISCORD_HOOK_ID,
    };
    return req.query.get("wait") === "true" ? { status: 200, body: message } : { status: 204 };
  };
  return { handler, messages };
}

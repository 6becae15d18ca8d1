import { z } from "zod";
import type { RecordedRequest, Reply } from "../../../helpers/stand-in.js";

// Webex "Create a Message" (POST /v1/messages, https://developer.webex.com/docs/api/v1/messages/create-a-message):
// Authorization: Bearer <token>; JSON with roomId (or toPersonId/toPersonEmail) and text or markdown,
// each at most 7439 bytes; 200 with the message. Errors: {"message", "errors": [{"description"}], "trackingId"}.

export const WEBEX_TOKEN = "WebexB0tT0kenStandIn_abcdefghijklmnopqrstuvwxyz0123456789";
export const WEBEX_ROOM = "Y2lzY29zcGFyazovL3VzL1JPT00vc3RhbmRpbg";

let tracking = 0;
const webexError = (status: number, message: string): Reply => ({
  status,
  body: { message, errors: [{ description: message }], trackingId: `ROUTER_STANDIN_${++tracking}` },
});

const bytes = (n: number) => z.string().refine((s) => Buffer.byteLength(s) <= n, `Message length exceeds ${n} bytes`);
const Body = z
  .object({
    roomId: z.string().optional(),
    parentId: z.string().optional(),
    toPersonId: z.string().optional(),
    toPersonEmail: z.string().email().optional(),
    text: bytes(7439).optional(),
    markdown: bytes(7439).optional(),
    files: z.array(z.string()).optional(),
    attachments: z.array(z.unknown()).optional(),
  })
  .refine(
    (b) => b.roomId !== undefined || b.toPersonId !== undefined || b.toPersonEmail !== undefined,
    "roomId, toPersonId or toPersonEmail is required",
  )
  .refine((b) => (b.text ?? b.markdown ?? "").trim() !== "" || b.files !== undefined, "Message text, markdown or files must be specified");

export function webexStandIn(): { handler: (req: RecordedRequest) => Reply } {
  const handler = (req: RecordedRequest): Reply => {
    if (req.method !== "POST" || req.path !== "/v1/messages") return webexError(404, "The requested resource could not be found.");
    if (req.headers.authorization !== `Bearer ${WEBEX_TOKEN}`)
      return webexError(401, "The request requires a valid access token set in the Authorization request header.");
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) return webexError(415, "Unsupported Media Type");
    let json: unknown;
    try {
      json = JSON.parse(req.body);
    } catch {
      return webexError(400, "Unable to parse request body");
    }
    const parsed = Body.safeParse(json);
    if (!parsed.success) return webexError(400, parsed.error.issues[0]!.message);
    if (parsed.data.roomId !== undefined && parsed.data.roomId !== WEBEX_ROOM)
      return webexError(404, "Could not find a room with provided ID.");
    return {
      status: 200,
      body: {
        id: "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvMQ",
        roomId: WEBEX_ROOM,
        roomType: "group",
        markdown: parsed.data.markdown,
        personEmail: "misp@webex.bot",
        created: new Date().toISOString(),
      },
    };
  };
  return { handler };
}

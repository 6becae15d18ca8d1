// Reading a HEC reply. Success is HTTP 2xx with `{"text": "Success", "code": 0}`; anything
// else is a rejection described from HEC's own `text`/`code` (docs/modules.md#splunk_hec).

import type { HttpResponse } from "../../../services/http/types.js";
import { bodyExcerpt, jsonBody, retryAfterSeconds, statusLine } from "../../shared/messages/http-failure.js";

/** HEC status codes (Splunk documentation; used when a reply lacks `text`). */
export const HEC_CODES: Readonly<Record<number, string>> = {
  0: "Success",
  1: "Token disabled",
  2: "Token is required",
  3: "Invalid authorization",
  4: "Invalid token",
  5: "No data",
  6: "Invalid data format",
  7: "Incorrect index",
  8: "Internal server error",
  9: "Server is busy",
  10: "Data channel is missing",
  11: "Invalid data channel",
  12: "Event field is required",
  13: "Event field cannot be blank",
  14: "ACK is disabled",
};

export type HecVerdict = { accepted: true } | { accepted: false; reason: string };

interface HecReply {
  text?: unknown;
  code?: unknown;
  "invalid-event-number"?: unknown;
}

function parseReply(res: HttpResponse): HecReply | undefined {
  const v = jsonBody(res);
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as HecReply) : undefined;
}

export function interpretHecResponse(res: HttpResponse): HecVerdict {
  const reply = parseReply(res);
  const code = typeof reply?.code === "number" ? reply.code : undefined;
  if (res.status >= 200 && res.status < 300 && code === 0) return { accepted: true };

  let reason: string;
  if (reply && (code !== undefined || typeof reply.text === "string")) {
    const text =
      typeof reply.text === "string" && reply.text.trim() !== ""
        ? bodyExcerpt(reply.text)
        : ((code !== undefined ? HEC_CODES[code] : undefined) ?? "error");
    const details = [
      code !== undefined ? `code ${code}` : "",
      typeof reply["invalid-event-number"] === "number" ? `event ${reply["invalid-event-number"]}` : "",
    ].filter(Boolean);
    reason = `HTTP ${res.status} ${text}${details.length ? ` (${details.join(", ")})` : ""}`;
  } else {
    const excerpt = bodyExcerpt(res.body);
    reason = `HTTP ${statusLine(res)}${excerpt ? `: ${excerpt}` : ""}`;
    if (res.status >= 200 && res.status < 300) reason += " (not a HEC acknowledgement; is the URL a Splunk HTTP Event Collector?)";
  }
  const retryAfter = retryAfterSeconds(res.headers);
  if ((res.status === 429 || res.status === 503) && retryAfter !== undefined) reason += `; retry after ${retryAfter} s`;
  return { accepted: false, reason };
}

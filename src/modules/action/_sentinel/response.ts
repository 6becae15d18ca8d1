// Reading an upload reply: 200 with an empty body = every object accepted; 200 with
// `{"errors": [{"recordIndex", "errorMessages"}]}` = those records were refused (partial
// success); 429 carries its delay in the message text ("Try again in N seconds").

import type { HttpResponse } from "../../../services/http/types.js";
import { jsonBody, retryAfterSeconds } from "../../shared/messages/http-failure.js";

export interface RecordError {
  /** Index in the request (0-based, as Sentinel reports it). */
  recordIndex: number;
  messages: string[];
}

export type UploadVerdict =
  | { kind: "accepted"; rejected: RecordError[] }
  | { kind: "rate_limited"; retryAfterSeconds?: number }
  | { kind: "unauthorized" }
  | { kind: "failed" };

export function readUploadReply(res: HttpResponse): UploadVerdict {
  if (res.status === 429) return { kind: "rate_limited", retryAfterSeconds: retryDelay(res) };
  if (res.status === 401) return { kind: "unauthorized" };
  if (res.status !== 200) return { kind: "failed" };
  if (res.body.trim() === "") return { kind: "accepted", rejected: [] };
  const body = jsonBody(res) as { errors?: unknown } | undefined;
  if (!body || typeof body !== "object") return { kind: "failed" };
  const errors = Array.isArray(body.errors) ? body.errors : [];
  const rejected: RecordError[] = [];
  for (const e of errors) {
    if (typeof e !== "object" || e === null) continue;
    const { recordIndex, errorMessages } = e as { recordIndex?: unknown; errorMessages?: unknown };
    if (typeof recordIndex !== "number") continue;
    rejected.push({ recordIndex, messages: Array.isArray(errorMessages) ? errorMessages.map(String) : [] });
  }
  return { kind: "accepted", rejected };
}

/** The delay of a 429: `Retry-After` when present, else the number in "Try again in N seconds". */
export function retryDelay(res: Pick<HttpResponse, "headers" | "body">): number | undefined {
  const header = retryAfterSeconds(res.headers);
  if (header !== undefined) return header;
  const body = jsonBody(res) as { message?: unknown } | undefined;
  const text = typeof body?.message === "string" ? body.message : res.body;
  const m = /try again in (\d{1,5}) seconds?/i.exec(text);
  return m ? Number(m[1]) : undefined;
}

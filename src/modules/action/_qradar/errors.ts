// QRadar's error replies: `{"http_response": {"code", "message"}, "code", "description",
// "message", "details"}`. The numeric code says more than the HTTP status; its meaning is
// spelled out so the MISP user knows what to fix.

import type { HttpResponse } from "../../../services/http/types.js";
import { describeFailure, jsonBody } from "../../shared/messages/http-failure.js";

export const QRADAR_CODES: Readonly<Record<number, string>> = {
  1001: "the request body could not be parsed",
  1002: "the reference set does not exist",
  1004: "a reference set with this name already exists",
  1005: "a value or parameter is not valid (e.g. a value that does not match the set's element type)",
  1020: "QRadar could not add or update the data",
};

export interface QradarError {
  code?: number;
  text: string;
}

/** The QRadar code of a reply, when it carries one. */
export function qradarCode(res: HttpResponse): number | undefined {
  const body = jsonBody(res);
  if (typeof body !== "object" || body === null) return undefined;
  const code = (body as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

/** "HTTP 404 Not Found: code 1002 (the reference set does not exist): <description or message>". */
export function describeQradarFailure(res: HttpResponse, secrets: readonly string[]): string {
  const body = jsonBody(res) as Record<string, unknown> | undefined;
  const code = qradarCode(res);
  if (code === undefined || typeof body !== "object" || body === null) return describeFailure(res, { secrets });
  const meaning = QRADAR_CODES[code];
  const text = [body.description, body.message].find((v): v is string => typeof v === "string" && v.trim() !== "");
  const detail = `code ${code}${meaning ? ` (${meaning})` : ""}${text ? `: ${text}` : ""}`;
  return describeFailure(res, { detail, secrets });
}

import type { HttpResponse } from "../../../services/http/types.js";
import { jsonBody } from "./http-failure.js";

// Google APIs answer errors as {"error": {"code", "message", "status"}}: "INVALID_ARGUMENT: <message>".

export function googleErrorDetail(res: Pick<HttpResponse, "body">): string | undefined {
  const e = (jsonBody(res) as { error?: { message?: unknown; status?: unknown } } | undefined)?.error;
  if (!e || typeof e !== "object") return undefined;
  const parts = [e.status, e.message].filter((p): p is string => typeof p === "string" && p !== "");
  return parts.length > 0 ? parts.join(": ") : undefined;
}

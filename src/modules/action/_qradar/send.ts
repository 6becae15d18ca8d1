// Sending prepared QRadar requests with the `SEC` token added at send time.

import type { HttpClient, HttpResponse } from "../../../services/http/types.js";
import type { ExportRequest } from "../../shared/export-records/export-request.js";

export interface QradarConnection {
  secToken: string;
  verifyTls: boolean;
  ca?: string;
}

export function sendQradar(http: HttpClient, req: ExportRequest, conn: QradarConnection): Promise<HttpResponse> {
  return http.request(req.url, {
    method: req.method,
    headers: { ...req.headers, sec: conn.secToken },
    body: req.body === "" ? undefined : req.body,
    verifyTls: conn.verifyTls,
    ca: conn.ca,
    secrets: [conn.secToken],
    // Adding to a set twice is harmless, but the module reports and decides itself.
    retry: false,
  });
}

// Sending one prepared `_bulk` request: the credential is added here, never stored with
// the request (docs/actions-siem.md#elasticsearch).

import type { HttpClient } from "../../../services/http/types.js";
import { authorizationHeader, authSecrets, type EsAuth } from "./auth.js";
import type { BulkBatch } from "./bulk.js";
import { readBulkReply, type BulkVerdict } from "./response.js";

export interface EsConnection {
  auth: EsAuth;
  verifyTls: boolean;
  /** Extra PEM CA bundle. */
  ca?: string;
}

/** Sends a batch and reads the reply item by item. HttpError (no response) propagates. */
export async function sendBulkBatch(http: HttpClient, batch: BulkBatch, conn: EsConnection): Promise<BulkVerdict> {
  const secrets = authSecrets(conn.auth);
  const headers = { ...batch.headers };
  const authorization = authorizationHeader(conn.auth);
  if (authorization) headers.authorization = authorization;
  const res = await http.request(batch.url, {
    method: batch.method,
    headers,
    body: batch.body,
    verifyTls: conn.verifyTls,
    ca: conn.ca,
    secrets,
    // Not resent by the client: the caller decides (ids make a resend harmless with create).
    retry: false,
    maxResponseBytes: 16 * 1024 * 1024,
  });
  return readBulkReply(res, batch, secrets);
}

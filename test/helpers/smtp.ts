// Test fixtures for delivery modules: a self-signed certificate made with the openssl CLI,
// and a real SMTP server (smtp-server) on 127.0.0.1 that records and parses what it receives.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

export interface SelfSignedCertificate {
  key: string;
  cert: string;
}

let cached: SelfSignedCertificate | undefined;

/** A self-signed certificate for localhost and 127.0.0.1 (made once per test process). */
export function selfSignedCertificate(): SelfSignedCertificate {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), "delivery-test-cert-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
        "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
      { cwd: dir, stdio: "pipe" },
    );
    cached = { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

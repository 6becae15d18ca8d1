import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// Stored jobs never hold a credential in clear (docs/delivery.md, "Credentials"). A `secret:NAME`
// reference is stored as is and resolved at delivery time; a literal credential (a token typed
// into the workflow node, a webhook URL) is sealed with AES-256-GCM. The key comes from the
// configuration (best: a secret:NAME reference) or from a file created in the data directory.

const PREFIX = "sealed:v1:";

export class Sealer {
  private readonly key: Buffer;

  constructor(keyMaterial: string) {
    this.key = createHash("sha256").update(keyMaterial).digest();
  }

  static fromDataDir(dir: string): Sealer {
    const path = join(dir, "outbox.key");
    if (!existsSync(path)) {
      mkdirSync(dir, { recursive: true });
      try {
        writeFileSync(path, randomBytes(32).toString("base64"), { flag: "wx", mode: 0o600 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
    try {
      chmodSync(path, 0o600);
    } catch {
      /* not our file to change; reading still works */
    }
    return new Sealer(readFileSync(path, "utf8").trim());
  }

  seal(text: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([c.update(text, "utf8"), c.final()]);
    return PREFIX + Buffer.concat([iv, c.getAuthTag(), body]).toString("base64");
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  /** Throws when the value was sealed with another key (the key file was replaced). */
  open(value: string): string {
    if (!Sealer.isSealed(value)) return value;
    const raw = Buffer.from(value.slice(PREFIX.length), "base64");
    const d = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8");
    } catch {
      throw new Error("a sealed credential cannot be opened (the outbox key changed)");
    }
  }
}

import { readFileSync } from "node:fs";

// Secrets by reference: a parameter value `secret:NAME` is replaced on the server, so tokens
// need not be stored in MISP's workflow JSON (which every workflow editor can read).

export const SECRET_PREFIX = "secret:";
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export interface SecretSourceOptions {
  /** JSON object {"NAME": "value"} or lines NAME=value. */
  file?: string;
  /** Environment variables named <prefix><NAME> (default MISP_MODULES_SECRET_). */
  envPrefix: string;
  env?: NodeJS.ProcessEnv;
}

export class SecretStore {
  private readonly fromFile: Map<string, string>;

  constructor(private readonly options: SecretSourceOptions) {
    this.fromFile = options.file ? parseSecretsFile(readFileSync(options.file, "utf8")) : new Map();
  }

  /** The value of NAME, or undefined. The file wins over the environment. */
  get(name: string): string | undefined {
    return this.fromFile.get(name) ?? (this.options.env ?? process.env)[this.options.envPrefix + name];
  }

  /** Every value this store can resolve (file and environment), to scrub from text not tied to a request. */
  knownValues(): string[] {
    const env = this.options.env ?? process.env;
    const fromEnv = Object.keys(env)
      .filter((k) => k.startsWith(this.options.envPrefix))
      .map((k) => env[k] ?? "");
    return [...this.fromFile.values(), ...fromEnv].filter((v) => v !== "");
  }

  isReference(value: string): boolean {
    return value.startsWith(SECRET_PREFIX);
  }

  /** Resolves `secret:NAME`; other strings are returned unchanged. Throws with the name (never a value) if unknown. */
  resolve(value: string): string {
    if (!this.isReference(value)) return value;
    const name = value.slice(SECRET_PREFIX.length).trim();
    if (!NAME_RE.test(name)) throw new Error(`invalid secret reference "${SECRET_PREFIX}${name}"`);
    const v = this.get(name);
    if (v === undefined) throw new Error(`unknown secret "${name}" (set ${this.options.envPrefix}${name} or add it to the secrets file)`);
    return v;
  }
}

function parseSecretsFile(text: string): Map<string, string> {
  const trimmed = text.trim();
  const out = new Map<string, string>();
  if (trimmed.startsWith("{")) {
    const obj = JSON.parse(trimmed) as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) if (typeof v === "string") out.set(k, v);
    return out;
  }
  for (const line of text.split(/\r?\n/)) {
    const l = line.trim();
    if (l === "" || l.startsWith("#")) continue;
    const eq = l.indexOf("=");
    if (eq > 0) out.set(l.slice(0, eq).trim(), l.slice(eq + 1).trim());
  }
  return out;
}

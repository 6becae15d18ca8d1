import type { ModuleRegistry } from "../registry/registry.js";

/**
 * GET /modules served from a precomputed buffer. MISP calls it on every workflow run with a
 * 1-second timeout (docs/protocol.md#timeouts); it is rebuilt only when the module set changes.
 */
export class ModulesListing {
  private builtFor = -1;
  private buf: Buffer = Buffer.from("[]");

  constructor(
    private readonly registry: ModuleRegistry,
    private readonly hidden: ReadonlySet<string> = new Set(),
  ) {}

  get buffer(): Buffer {
    if (this.builtFor !== this.registry.version) {
      const descriptors = this.registry
        .all()
        .filter((m) => !this.hidden.has(m.name))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((m) => m.descriptor);
      this.buf = Buffer.from(JSON.stringify(descriptors));
      this.builtFor = this.registry.version;
    }
    return this.buf;
  }
}

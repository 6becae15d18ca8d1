// The per-request module context must be a fast-properties object with one hidden class for all
// requests. The object literal with accessor closures it used to be is created in dictionary mode
// (a property dictionary and accessor pair per request), and under load that forced a full
// garbage collection every half second: a quarter of /query's throughput. V8's %HasFastProperties
// and %HaveSameMap need --allow-natives-syntax, so the check runs in a child process.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../../src/package-info.js";

const run = promisify(execFile);

describe("module context", () => {
  it("is a fast-properties object sharing one hidden class across requests, with working lazy members", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ctx-shape-"));
    const script = join(dir, "probe.ts");
    const contextModule = JSON.stringify(join(PACKAGE_ROOT, "src/core/runtime/context.ts"));
    writeFileSync(
      script,
      `import { createModuleContext } from ${contextModule};
const services = { log: { child: () => ({ marker: "child" }) }, config: { modules: {} }, env: {}, secrets: { resolve: (v: string) => v }, http: {} } as never;
const controller = new AbortController();
const make = (n: number) => createModuleContext("m" + n, services, () => controller.signal, 1000 + n, { reqId: "r" + n }, []);
const a = make(1);
const b = make(2);
const { setting, resolveSecret } = b;
const natives = (globalThis as never as { eval: (s: string) => (p: unknown, q: unknown) => boolean }).eval;
const sameMap = natives("(p, q) => %HaveSameMap(p, q)");
const fast = natives("(p) => %HasFastProperties(p)");
console.log(JSON.stringify({ fast: fast(a, undefined), sameMap: sameMap(a, b), log: (a.log as unknown as { marker: string }).marker, logOnce: a.log === a.log, signal: a.signal === controller.signal, deadline: b.deadline, module: b.module, setting: setting("nothing"), secret: resolveSecret("plain") }));
`,
    );
    const { stdout } = await run(process.execPath, ["--allow-natives-syntax", "--import", "tsx", script], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, VITEST: "" },
    });
    expect(JSON.parse(stdout.trim().split("\n").pop()!)).toEqual({
      fast: true,
      sameMap: true,
      log: "child",
      logOnce: true,
      signal: true,
      deadline: 1002,
      module: "m2",
      secret: "plain",
    });
  });
});

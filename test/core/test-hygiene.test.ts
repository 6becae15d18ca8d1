import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Rules for the test files themselves, checked because breaking them fails CI in ways that look
// like flakes (test/README.md, "Keeping the runner healthy").

const testRoot = fileURLToPath(new URL("..", import.meta.url));

function testSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testSources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("test files", () => {
  it("never run node synchronously (a blocked worker misses vitest's 60 s RPC deadline)", () => {
    const offenders = testSources(testRoot).flatMap((file) => {
      const text = readFileSync(file, "utf8");
      return /\b(?:spawnSync|execFileSync)\(\s*process\.execPath/.test(text) ? [relative(testRoot, file)] : [];
    });
    expect(offenders).toEqual([]);
  });
});

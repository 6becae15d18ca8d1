#!/usr/bin/env node
// In a source checkout, run the TypeScript sources through tsx (a stale dist/ would run old
// code); an installed package ships only the compiled dist/.
import { existsSync } from "node:fs";

const src = new URL("../src/cli.ts", import.meta.url);
if (existsSync(src)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(src.href);
} else {
  await import(new URL("../dist/cli.js", import.meta.url).href);
}

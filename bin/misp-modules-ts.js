#!/usr/bin/env node
// Runs the compiled CLI when present (npm start builds it); otherwise the TypeScript sources
// through tsx, so the command works straight after `npm ci`.
import { existsSync } from "node:fs";

const dist = new URL("../dist/cli.js", import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli.ts", import.meta.url).href);
}

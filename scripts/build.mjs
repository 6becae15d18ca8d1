#!/usr/bin/env node
// Builds dist/: type declarations with tsc, JavaScript with esbuild.
//
// Why a bundle: Node 20 has no compile cache, and loading ~250 separate ES module files (95 of
// them zod's) plus fastify's CommonJS tree was the larger part of start-up. esbuild bundles the
// server into a few files while keeping every file that is loaded by path where the loaders
// expect it: dist/cli.js, dist/index.js (the SDK custom modules import), the template worker and
// one file per built-in module under dist/modules/. Code they share goes to dist/chunks/, so the
// server and its modules still share one SDK, one HTTP client and one template pool.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = join(root, "src");
const dist = join(root, "dist");

const moduleEntries = ["action", "expansion"].flatMap((kind) =>
  readdirSync(join(src, "modules", kind))
    .filter((f) => f.endsWith(".ts") && !f.startsWith("_") && !/\.(test|spec|d)\.ts$/.test(f))
    .map((f) => join(src, "modules", kind, f)),
);

// --skip-types: JavaScript only (the build test; `npm test` type-checks separately).
const skipTypes = process.argv.includes("--skip-types");

rmSync(dist, { recursive: true, force: true });
if (!skipTypes)
  execFileSync(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json"), "--emitDeclarationOnly"],
    { stdio: "inherit" },
  );

await build({
  absWorkingDir: root,
  entryPoints: [
    join(src, "cli.ts"),
    join(src, "index.ts"),
    join(src, "engines", "jinja", "worker.ts"),
    join(src, "core", "isolation", "worker.ts"),
    join(src, "console", "digest-worker.ts"),
    join(src, "console", "writer-worker.ts"),
    ...moduleEntries,
  ],
  outdir: dist,
  outbase: src,
  bundle: true,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  format: "esm",
  platform: "node",
  target: "node20",
  // Loaded on first use only, or read their own files at run time (tsx's loader hooks,
  // swagger-ui's static assets): they stay ordinary packages in node_modules.
  // bullmq loads its Lua scripts from its own folder; ioredis comes with it.
  external: ["tsx", "@fastify/swagger", "@fastify/swagger-ui", "nodemailer", "undici", "better-sqlite3", "bullmq", "ioredis"],
  // Bundled CommonJS packages (fastify, pino) call require() for Node built-ins.
  banner: { js: 'import { createRequire as __createRequire } from "node:module";\nconst require = __createRequire(import.meta.url);' },
  legalComments: "linked",
  logLevel: "warning",
});

// The console's UI is static files served as they are (no build step of its own).
cpSync(join(src, "console", "ui"), join(dist, "console", "ui"), { recursive: true });

# syntax=docker/dockerfile:1
# Build stage: bundle the TypeScript (scripts/build.mjs), then keep only production dependencies.
FROM node:20-slim AS build
# Toolchain for better-sqlite3 when no prebuilt binary fits; it stays in this stage.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev && npm cache clean --force \
  # better-sqlite3's sources and intermediate objects (~25 MB) are not needed at run time.
  && cd node_modules/better-sqlite3 && rm -rf deps src build/Release/obj build/Release/obj.target build/Release/sqlite3.a build/Release/test_extension.node

# Runtime stage: compiled code and production modules only, as the unprivileged node user.
FROM node:20-slim
ENV NODE_ENV=production \
    MISP_MODULES_LISTEN=0.0.0.0 \
    MISP_MODULES_PORT=6666
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
# What package.json "files" ships: README and docs (the console links to them), the examples.
COPY --chown=root:root README.md ./
COPY --chown=root:root docs ./docs
# The example events every documented command uses (e.g. query ... --data examples/roaming/...).
COPY --chown=root:root examples ./examples
# The ready-made MISP workflows (misp-modules-ts blueprints).
COPY --chown=root:root blueprints ./blueprints
# Custom modules: mount a folder with action/ and expansion/ sub-folders at /app/modules.
RUN mkdir -p /app/modules && chown node:node /app/modules
USER node
EXPOSE 6666
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.MISP_MODULES_PORT||6666)+'/healthcheck').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# A 2 MB V8 semi-space keeps RSS under load ~50 MB lower (docs/operations-runtime.md, "Memory").
CMD ["node", "--max-semi-space-size=2", "dist/cli.js"]

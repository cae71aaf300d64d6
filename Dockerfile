# The cube-jobs worker: buildPreAggregations and its activities, on pre-bundled workflow code.
#   docker build -t cube-jobs-worker .
#   docker run --rm -e TEMPORAL_ADDRESS=… -e CUBE_API_URL=… -e CUBE_API_SECRET=… -p 8080:8080 cube-jobs-worker
# Configuration: the variables of the README's configuration table (TEMPORAL_*, CUBE_*).

# ---- build: compile the workspaces and bundle the workflow code ----
FROM node:20.20-bookworm-slim AS build
WORKDIR /src
COPY . .
# Cube's packages (only the sample Cube and the tests use them) have install scripts that download
# binaries; the worker needs none of them.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npx turbo run build --filter=@cube-jobs/demo-worker... \
 && node apps/demo-worker/dist/bundle-workflows.js /src/workflow-bundle.js

# ---- deps: the worker's production dependencies only (no Cube, no test tools) ----
FROM node:20.20-bookworm-slim AS deps
WORKDIR /app
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/packages ./packages
COPY --from=build /src/apps/demo-worker/package.json ./apps/demo-worker/package.json
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=dev \
      --workspace @cube-jobs/demo-worker --include-workspace-root=false

# ---- runtime ----
FROM node:20.20-bookworm-slim
# Two malloc arenas: a worker waiting on thousands of builds keeps about 85 MiB less (see the README's Performance).
ENV NODE_ENV=production \
    CUBE_JOBS_WORKFLOW_BUNDLE=/app/workflow-bundle.js \
    HEALTH_PORT=8080 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/packages/core/package.json ./packages/core/package.json
COPY --from=build /src/packages/core/dist ./packages/core/dist
COPY --from=build /src/packages/temporal-activities/package.json ./packages/temporal-activities/package.json
COPY --from=build /src/packages/temporal-activities/dist ./packages/temporal-activities/dist
COPY --from=build /src/packages/temporal-workflows/package.json ./packages/temporal-workflows/package.json
COPY --from=build /src/packages/temporal-workflows/dist ./packages/temporal-workflows/dist
COPY --from=build /src/apps/demo-worker/package.json ./apps/demo-worker/package.json
COPY --from=build /src/apps/demo-worker/dist ./apps/demo-worker/dist
COPY --from=build /src/workflow-bundle.js ./workflow-bundle.js
USER node
EXPOSE 8080
# Kubernetes: livenessProbe GET /healthz, readinessProbe GET /readyz on port 8080.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The SDK shuts the worker down on SIGTERM: running waits hand over to another worker at once.
STOPSIGNAL SIGTERM
CMD ["node", "apps/demo-worker/dist/worker-main.js"]

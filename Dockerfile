# syntax=docker/dockerfile:1
# Self-hosted Azure AI Personalizer-compatible container (docs/container.md).
#
#   docker build -t personalizer .
#   docker run --rm -it -p 5000:5000 -v personalizer-data:/app/data personalizer \
#     Eula=accept Billing=<endpoint URI> ApiKey=<key>
#
# Behind a TLS-intercepting proxy, hand npm the proxy's CA as an optional build secret (nothing of it
# lands in the image):  docker build --secret id=npmca,src=<ca bundle> -t personalizer .
# The HEALTHCHECK below is a Docker image-format field: podman/buildah keep it only with --format docker.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG BASE_IMAGE=debian:bookworm-slim

# ---- build: compile TypeScript and the better-sqlite3 addon, then keep only what runs ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary is reachable.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Dependencies first (cached while only sources change); install scripts run in `npm rebuild` below,
# because the package's own `prepare` (tsc) needs the sources.
# Native builds use the base image's own Node headers (/usr/local/include/node) instead of downloading them.
RUN --mount=type=secret,id=npmca,target=/tmp/ca.crt \
    if [ -s /tmp/ca.crt ]; then set -- --cafile /tmp/ca.crt; fi; \
    if [ -d /usr/local/include/node ]; then export npm_config_nodedir=/usr/local; fi; \
    npm ci --ignore-scripts --no-audit --no-fund "$@" \
 && npm rebuild --no-audit --no-fund "$@"
COPY tsconfig.json ./
COPY src ./src
# Compile, drop the dev dependencies, then everything a running server never reads: tests and source maps of
# our own output; typings, maps and docs of the dependencies; better-sqlite3's C sources (deps/, src/) and the
# intermediate objects of its node-gyp build (only build/Release/better_sqlite3.node is loaded, via `bindings`).
RUN npx tsc -p tsconfig.json \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf dist/bench dist/src/conformance dist/src/testing dist/src/deploy dist/src/browser \
 && find dist \( -name '*.test.js' -o -name '*.fixtures.js' -o -name '*.map' \) -delete \
 && cd node_modules/better-sqlite3 \
 && rm -rf deps src build/deps build/Release/obj build/Release/obj.target build/Release/.deps \
           build/Release/sqlite3.a build/Release/test_extension.node build/Makefile build/*.mk \
 && cd /app \
 && find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
           -o -name '*.md' -o -name '*.markdown' -o -name '*.ts' -o -name '*.test.js' -o -name '.npmignore' -o -name '.eslintrc*' \) -delete \
 && find node_modules -regextype posix-extended -type d \
           -regex '(.*/)?node_modules/(@[^/]+/)?[^@/][^/]*/(test|tests|__tests__|example|examples|docs|\.github)' -prune -exec rm -rf {} +

# ---- runtime: Debian slim plus the node binary alone (no npm, yarn, corepack, headers or compilers) ----
FROM ${BASE_IMAGE}
ENV NODE_ENV=production
COPY --from=build /usr/local/bin/node /usr/local/bin/node
# The server runs as uid 1000 (as the `node` user of the official Node images did, so volumes made by earlier
# images stay writable). The default store (sqlite:./data/personalizer.db) lives in /app/data; /output is the
# Mounts:Output target for disk logs. Both are volumes so the learning loop survives container replacement.
RUN groupadd --gid 1000 personalizer \
 && useradd --uid 1000 --gid 1000 --home-dir /app --no-create-home --shell /usr/sbin/nologin personalizer \
 && mkdir -p /app/data /output \
 && chown 1000:1000 /app/data /output
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The dashboard's pages (docs/dashboard.md): plain HTML, CSS and ES modules, read at start-up.
COPY --from=build /app/src/api/dashboard/static ./src/api/dashboard/static
COPY LICENSE README.md ./
USER 1000:1000
VOLUME ["/app/data", "/output"]
EXPOSE 5000
# The server handles SIGTERM itself (finishes in-flight requests, flushes the store, exits 0), so it can be PID 1.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:5000/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/main.js", "serve"]

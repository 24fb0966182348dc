# syntax=docker/dockerfile:1
# Self-hosted Azure AI Personalizer-compatible container.
#
#   docker build -t personalizer .
#   docker run --rm -p 5000:5000 -v personalizer-data:/app/data personalizer \
#     Eula=accept Billing=<endpoint URI> ApiKey=<key>
#
# Behind a TLS-intercepting proxy, hand npm the proxy's CA as an optional build secret (nothing of it
# lands in the image):  docker build --secret id=npmca,src=<ca bundle> -t personalizer .

ARG NODE_IMAGE=node:20-bookworm-slim

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
RUN npx tsc -p tsconfig.json \
 && find dist -name '*.test.js' -o -name '*.test.js.map' | xargs rm -f \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY LICENSE README.md ./
# The default store (sqlite:./data/personalizer.db) lives in /app/data; /output is the Mounts:Output
# target for disk logs. Both are volumes so the learning loop survives container replacement.
# The server runs as uid 1000 (the `node` user of the official image): mounted folders must be writable by it.
RUN mkdir -p /app/data /output && chown 1000:1000 /app/data /output
USER 1000:1000
VOLUME ["/app/data", "/output"]
EXPOSE 5000
# The server handles SIGTERM itself (finishes in-flight requests, flushes the store), so it can be PID 1.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:5000/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/main.js", "serve"]

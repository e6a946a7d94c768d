# All-in-one (four services on embedded stand-ins; demos, not production) image: the bundle from scripts/build/bundle.ts on a bare Node runtime.
# Build from the repository root: docker build -f docker/all-in-one.Dockerfile -t chat/all-in-one .
# Base image choice and pinning: docs/adr/0012-container-base-image.md.

# Build stage: the whole workspace with dev dependencies (buf, esbuild, vite), generated proto
# code, then one self-contained ESM bundle and the web page's static build (dist/web). Nothing
# of this stage but dist/ reaches the image.
FROM node:24.20.0-alpine3.23 AS build
WORKDIR /src
RUN npm install --global pnpm@10.20.0
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/ packages/
COPY services/ services/
RUN pnpm install --frozen-lockfile
COPY proto/ proto/
COPY scripts/build/ scripts/build/
RUN cd proto && ../node_modules/.bin/buf generate
ARG CHAT_BUILD_COMMIT=unknown
RUN CHAT_BUILD_COMMIT=$CHAT_BUILD_COMMIT node --import tsx scripts/build/bundle.ts all-in-one
RUN cd packages/web && node_modules/.bin/vite build --logLevel warn --outDir /src/dist/web --emptyOutDir

# Runtime stage: node and the bundle, no package manager, no dependencies to install, non-root.
FROM node:24.20.0-alpine3.23 AS runtime
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && mkdir -p /data && chown 65534:65534 /data
WORKDIR /app
COPY --from=build /src/dist/all-in-one.mjs /src/dist/all-in-one.mjs.map ./
# The embedded store's LevelDB binary (musl build on Alpine), loaded from beside the bundle.
COPY --from=build /src/dist/prebuilds/ ./prebuilds/
# The web page, served at /app/ on the chat API port.
COPY --from=build /src/dist/web ./web
COPY docker/healthcheck.mjs ./
# The embedded store and the dev issuer's key live on the volume (kept across restarts).
ENV NODE_ENV=production \
    CHAT_HOST=0.0.0.0 \
    CHAT_STORE_DATA_DIR=/data/store \
    CHAT_WEB_DIR=/app/web
VOLUME ["/data"]
USER 65534:65534
EXPOSE 8080 8081 4400
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "CHAT_GATEWAY_PORT", "8080", "/health"]
ENTRYPOINT ["node", "--enable-source-maps", "/app/all-in-one.mjs"]

# Ingest (durability plane) image: the bundle from scripts/build/bundle.ts on a bare Node runtime.
# Build from the repository root: docker build -f docker/ingest.Dockerfile -t chat/ingest .
# Base image choice and pinning: docs/adr/0012-container-base-image.md.

# Build stage: the whole workspace with dev dependencies (buf, esbuild), generated proto code,
# then one self-contained ESM bundle. Nothing of this stage but dist/ reaches the image.
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
RUN CHAT_BUILD_COMMIT=$CHAT_BUILD_COMMIT node --import tsx scripts/build/bundle.ts ingest

# Runtime stage: node and the bundle, no package manager, no dependencies to install, non-root.
FROM node:24.20.0-alpine3.23 AS runtime
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
WORKDIR /app
COPY --from=build /src/dist/ingest.mjs /src/dist/ingest.mjs.map ./
COPY docker/healthcheck.mjs ./
ENV NODE_ENV=production \
    CHAT_HOST=0.0.0.0
USER 65534:65534
EXPOSE 9082 9085
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "CHAT_INGEST_HTTP_PORT", "9085", "/health"]
ENTRYPOINT ["node", "--enable-source-maps", "/app/ingest.mjs"]

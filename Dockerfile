# One image for the four bots: Cloud Run (and GKE) start it as `orion run <bot>` (components/service sets the args).
# The build stage installs every dependency to build (vite: the console; esbuild: the CLI bundle; the contracts come
# compiled, from apps/contracts/build/), then prunes them to the production dependencies alone. The runtime stage
# is that tree, owned by root and run as the unprivileged `node` user, so the code cannot rewrite itself.
# test/image.e2e.test.ts builds that tree in a clean directory (test/support/image-tree.ts runs the prune line below)
# and runs the bots and the migrate job from it.
# Node 24, the active LTS line (Node 20 left maintenance in April 2026: no more security fixes), one of the two
# versions CI tests on; the floating tag takes each of its patch releases at the next build.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY apps ./apps
COPY chains ./chains
COPY components ./components
COPY policies ./policies
COPY stacks ./stacks
# Every dependency: `npm ci` runs the `prepare` script, which bundles the CLI and builds the console (dev tools).
RUN npm ci --no-audit --no-fund
# Production dependencies only: every package the lockfile marks dev-only is removed from that tree (the same packages
# a fresh `npm ci --omit=dev` would install, without extracting 500 MB a second time).
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
COPY --from=build /app /app
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/orion.mjs"]
CMD ["run", "--help"]

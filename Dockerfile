# One image for the four bots: Cloud Run (and GKE) start it as `orion run <bot>` (components/service sets the args).
# The build stage installs production dependencies only, builds the CLI bundle and compiles the contracts; the
# runtime stage is that tree, owned by root and run as the unprivileged `node` user, so the code cannot rewrite itself.

FROM node:20.19-bookworm-slim AS build
WORKDIR /app
ENV NODE_ENV=production
# The sources come first: `npm ci` runs the `prepare` script, which bundles the CLI from them.
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY apps ./apps
COPY chains ./chains
COPY components ./components
COPY policies ./policies
COPY stacks ./stacks
RUN npm ci --omit=dev --no-audit --no-fund
# The executor contract's ABI is compiled once here (solc from npm), so no bot writes into the image at run time.
RUN node --import tsx --input-type=module -e 'await (await import("./apps/contracts/index.ts")).loadArtifacts()'

FROM node:20.19-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
COPY --from=build /app /app
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/orion.mjs"]
CMD ["run", "--help"]

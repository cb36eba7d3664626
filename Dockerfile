# One image for every process: api, worker and migrator of each service differ only in command.
# No `# syntax=` line: everything here is in the Dockerfile frontend built into every builder, so a
# build needs no frontend image (with BuildKit, `docker/dockerfile:1` would be pulled first).
#
# Node: a supported LTS (24; Node 20 reached its end of life in April 2026, and dependencies such as
# @nats-io/nuid 3 declare node >= 22). Local runs and CI still use Node >= 20.19.
# NODE_IMAGE may name another Node image on Debian bookworm with npm and a `node` user;
# `make compose-smoke` sets it to a locally built one.
ARG NODE_IMAGE=node:24-bookworm-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.build.json ./
COPY shared/package.json shared/
COPY stock-service/package.json stock-service/
COPY order-service/package.json order-service/
COPY payment-service/package.json payment-service/
COPY notification-service/package.json notification-service/
COPY analytics-service/package.json analytics-service/
COPY system-tests/package.json system-tests/
COPY console/package.json console/
COPY migrator/package.json migrator/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -b tsconfig.build.json && npm prune --omit=dev

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules node_modules
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/shared/package.json /app/shared/package.json
COPY --from=build --chown=node:node /app/shared/dist shared/dist
COPY --from=build --chown=node:node /app/stock-service/package.json stock-service/package.json
COPY --from=build --chown=node:node /app/stock-service/dist stock-service/dist
COPY --from=build --chown=node:node /app/order-service/package.json order-service/package.json
COPY --from=build --chown=node:node /app/order-service/dist order-service/dist
COPY --from=build --chown=node:node /app/payment-service/package.json payment-service/package.json
COPY --from=build --chown=node:node /app/payment-service/dist payment-service/dist
COPY --from=build --chown=node:node /app/notification-service/package.json notification-service/package.json
COPY --from=build --chown=node:node /app/notification-service/dist notification-service/dist
COPY --from=build --chown=node:node /app/analytics-service/package.json analytics-service/package.json
COPY --from=build --chown=node:node /app/analytics-service/dist analytics-service/dist
COPY --from=build --chown=node:node /app/console/package.json console/package.json
COPY --from=build --chown=node:node /app/console/dist console/dist
COPY --from=build --chown=node:node /app/console/public console/public
COPY --from=build --chown=node:node /app/migrator/package.json migrator/package.json
COPY --from=build --chown=node:node /app/migrator/dist migrator/dist
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "node"]
CMD ["migrator/dist/src/main.js"]

# One image for every process: api, worker and migrator of each service differ only in command.
# syntax=docker/dockerfile:1
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.build.json ./
COPY shared/package.json shared/
COPY stock-service/package.json stock-service/
COPY order-service/package.json order-service/
COPY payment-service/package.json payment-service/
COPY notification-service/package.json notification-service/
COPY system-tests/package.json system-tests/
COPY migrator/package.json migrator/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -b tsconfig.build.json && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
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
COPY --from=build --chown=node:node /app/migrator/package.json migrator/package.json
COPY --from=build --chown=node:node /app/migrator/dist migrator/dist
USER node
ENTRYPOINT ["/usr/bin/tini", "--", "node"]
CMD ["migrator/dist/src/main.js"]

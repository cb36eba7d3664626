# Order platform: run `make help` for the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Tests run against these unless overridden; `make test-containers` uses testcontainers instead.
export TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
export TEST_NATS_URL ?= nats://127.0.0.1:4222
# The HS256 secret apis verify bearer tokens with, for make dev, demo, bench and token. A
# development default, announced at start: never use it anywhere that matters.
DEV_JWT_SECRET := dev-only-jwt-secret-not-for-production
export JWT_SECRET ?= $(DEV_JWT_SECRET)
export DEV_JWT_SECRET

.PHONY: help install build test test-containers fuzz dev dev-down dev-docker-check demo chaos token dlq dlq-replay replay rebuild streams autoscale bench bench-idle bench-relay bench-relay-cost bench-consumer-cost asyncapi nats-auth compose-smoke clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

install: node_modules/.package-lock.json ## install dependencies (npm ci)

build: install ## type-check and compile every workspace (tsc -b)
	npx tsc -b tsconfig.build.json

test: build ## unit, then integration suites against local Postgres + NATS; ends with "N passed, M failed"
	scripts/run-tests.sh

test-containers: build ## the same suites against throwaway Postgres and NATS containers (needs Docker)
	TEST_DATABASE_URL= TEST_NATS_URL= scripts/run-tests.sh

fuzz: build ## hostile requests against every route and role of the running system (FUZZ_REQUESTS=10000, FUZZ_SEED=…); fails on any 5xx or rule broken
	cd system-tests && FUZZ_REQUESTS=$${FUZZ_REQUESTS:-10000} npx --no-install mocha test/integration/fuzz.test.ts

dev: build ## Postgres and NATS (its own in Docker if none answers), migrate, then every api and worker with readable logs
	node scripts/dev.mjs

dev-down: install ## remove the Postgres and NATS containers (and their volumes) that make dev started, nothing else
	node scripts/dev-infra.mjs down

dev-docker-check: build ## make dev's Docker path for real: URLs where nothing listens, its own containers, an order confirmed, make dev-down leaves nothing (skipped without a Docker daemon)
	node scripts/dev-docker-check.mjs

demo: build ## start the system on its own ports and namespace, run every saga path, print the outcomes
	node scripts/demo.mjs

chaos: build ## the system under faults on its own NATS and Postgres (kills, restarts, a pause), then every invariant: CHAOS_ORDERS=5000, CHAOS_RATE=20; exit 1 on a violation
	node scripts/chaos.mjs

token: build ## print a bearer token for curl: SUB=cust-ada ROLE=customer (or ROLE=admin; TTL=seconds), signed with JWT_SECRET
	@node migrator/dist/src/token.js --sub "$(SUB)" --role "$(ROLE)" $(if $(TTL),--ttl $(TTL))

dlq: build ## list dead letters with their error and delivery count (SERVICE=… to filter)
	node migrator/dist/src/dlq.js list $(SERVICE)

dlq-replay: build ## replay dead letters to their original subject: SEQ="12 13" or ALL=1 (SERVICE=… with ALL)
	node migrator/dist/src/dlq.js replay $(if $(ALL),--all $(SERVICE),$(SEQ))

replay: build ## move a durable consumer back: CONSUMER=<service>/<durable or event> FROM=<stream seq | RFC 3339 time | start>; applied events are skipped as duplicates
	node migrator/dist/src/replay.js consumer $(CONSUMER) $(FROM)

rebuild: build ## rebuild SERVICE's read model (analytics-service, order-service's catalog): truncate it and its processed rows, replay from the start (FORCE=1 past dropped messages)
	node migrator/dist/src/replay.js rebuild $(SERVICE) $(if $(FORCE),--force)

streams: build ## messages per stream, and pending / unacked / redelivered / lag per durable consumer (NATS_URL, NATS_NAMESPACE)
	node migrator/dist/src/streams.js

autoscale: build ## scale SERVICE's compose worker on consumer lag (DRY_RUN=1 prints decisions only; ARGS="--max-replicas 8", see ARGS=--help)
	node migrator/dist/src/autoscale.js $(SERVICE) $(if $(DRY_RUN),--dry-run) $(ARGS)

bench: build ## load the whole saga after a warm-up (BENCH_SECONDS=20, BENCH_RATE=0 = flat out, BENCH_CONCURRENCY=128 in flight, BENCH_WARMUP_SECONDS=10): orders/s, latency, raw ceilings, cost per order, invariants; chart + JSON in bench-results/
	node scripts/bench.mjs

bench-idle: build ## latency on an idle system: BENCH_IDLE=50 orders one at a time after a 10 s warm-up, with the same report as make bench and where the time goes, hop by hop
	BENCH_IDLE=$${BENCH_IDLE:-50} node scripts/bench.mjs

asyncapi: build ## regenerate docs/asyncapi.json, the AsyncAPI 3.0 catalog of every subject, from the code's schemas
	node migrator/dist/src/asyncapi.js docs/asyncapi.json

nats-auth: build ## regenerate deploy/nats/auth.conf, each service's NATS user and permissions, from the streams and consumers it declares
	node migrator/dist/src/nats-auth.js deploy/nats/auth.conf

bench-relay: install ## outbox relay events/s vs raw JetStream publish rate (BENCH_EVENTS=100000)
	cd shared && npx tsx --conditions=source bench/relay-bench.ts

bench-relay-cost: install ## outbox relay CPU ms per 1000 events (bulk, one-row orders) and an idle event's latency (BENCH_EVENTS=20000, RELAY_GATHER_MS)
	cd shared && npx tsx --conditions=source bench/relay-cost-bench.ts

bench-consumer-cost: install ## consumer loop CPU ms per 1000 messages, ConsumerRunner against the same work written by hand (BENCH_MESSAGES=20000, BENCH_BATCH=50)
	cd shared && npx tsx --conditions=source bench/consumer-cost-bench.ts

clean: ## remove build output
	rm -rf */dist */tsconfig.tsbuildinfo .test-results

compose-smoke: build ## bring docker-compose.yml up for real (every profile, stand-in images; installs and starts Docker if needed), check it, tear it down
	deploy/compose-smoke/run.sh

# Everything a developer or CI needs, installing its own tools first (pnpm via npx, the
# dependencies, generated code). Only Node 20+, npm and make must be present; the
# integration suites also need Java 17 + Maven (Kafka, DynamoDB Local) and apt (redis-server).
PNPM ?= npx --yes pnpm@10.20.0
BUF := node_modules/.bin/buf
STAMP := node_modules/.install-stamp

.PHONY: bench bootstrap dev web test test-unit test-web test-e2e test-browser test-integration test-faults reliability-doc test-deploy proto lint typecheck proto-breaking infra-up infra-down clean build bundle docker up down

$(STAMP): package.json pnpm-lock.yaml $(wildcard packages/*/package.json services/*/package.json)
	$(PNPM) install --frozen-lockfile
	@touch $@

packages/proto/src/gen/.stamp: $(STAMP) $(wildcard proto/messaging/v1/*.proto) proto/buf.gen.yaml
	cd proto && ../$(BUF) generate
	@touch $@

# google/api/{annotations,http}.proto come from the pinned google-proto-files npm package (no
# Buf Schema Registry); the copies in proto/google/api are checked against it here.
proto: packages/proto/src/gen/.stamp
	@for f in annotations http; do cmp -s node_modules/google-proto-files/google/api/$$f.proto proto/google/api/$$f.proto || { echo "proto/google/api/$$f.proto differs from google-proto-files; run: cp node_modules/google-proto-files/google/api/$$f.proto proto/google/api/"; exit 1; }; done
	cd proto && ../$(BUF) lint

# The web page's static build, rebuilt only when its sources (or the SDK's, or the protos') change.
WEB_DIST := packages/web/dist/index.html
WEB_SRC := $(shell find packages/web/src packages/web/index.html packages/web/vite.config.ts packages/client/src -type f 2>/dev/null)
$(WEB_DIST): packages/proto/src/gen/.stamp $(WEB_SRC)
	cd packages/web && node_modules/.bin/vite build --logLevel warn

## web: build the web page (packages/web/dist; the all-in-one serves it at /app/)
web: $(WEB_DIST)

# The all-in-one bundle (plain JavaScript: starts in well under a second, no TypeScript loader),
# rebuilt only when a source it is built from changes.
AIO_BUNDLE := dist/all-in-one.mjs
AIO_SRC := $(shell find packages services -path '*/node_modules' -prune -o -path packages/web -prune -o -path '*/test' -prune -o -type f \( -name '*.ts' -o -name package.json \) -print 2>/dev/null) $(wildcard scripts/build/*.ts)
$(AIO_BUNDLE): packages/proto/src/gen/.stamp $(AIO_SRC)
	node --import tsx scripts/build/bundle.ts all-in-one

## dev: run all four services in one process on embedded stand-ins (ctrl-c stops it)
# (Not `proto`: its buf lint runs in make test and would add ~0.5 s to every start.)
dev: packages/proto/src/gen/.stamp web $(AIO_BUNDLE)
	node --enable-source-maps $(AIO_BUNDLE)

## test: lint + typecheck + unit, contract, e2e suites, then the integration suites on real
## Kafka, DynamoDB Local and Redis started (and stopped) by scripts/with-infra.sh, then the
## fault-injection suite on servers of its own
test: lint typecheck proto-breaking test-unit test-web test-e2e test-browser test-deploy test-integration test-faults

# Each suite also writes jest's JSON report to .test-results/ (.ci/run prints the totals).
test-unit: proto
	@mkdir -p .test-results
	$(PNPM) test --selectProjects unit --json --outputFile=.test-results/unit.json

test-e2e: proto
	@mkdir -p .test-results
	$(PNPM) test --selectProjects e2e --json --outputFile=.test-results/e2e.json

# Deployment artefacts without Docker or the cloud: bundles run by plain node, Dockerfiles, compose,
# Terraform and workflows checked against the code (tests/deploy).
test-deploy: bundle
	@mkdir -p .test-results
	$(PNPM) test --selectProjects deploy --json --outputFile=.test-results/deploy.json

# The web page's unit tests (Vitest).
test-web: proto
	@mkdir -p .test-results
	cd packages/web && node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json=../../.test-results/web.json

# Two users in headless Chromium (Debian's package, installed here when missing) against a real
# all-in-one; screenshots go to .test-results/browser/.
test-browser: proto web
	@mkdir -p .test-results/browser
	bash scripts/ensure-chromium.sh
	$(PNPM) test --selectProjects browser --json --outputFile=.test-results/browser.json

test-integration: proto
	@mkdir -p .test-results
	bash scripts/with-infra.sh $(PNPM) test --selectProjects integration --json --outputFile=.test-results/integration.json

## test-faults: the distributed deployment under load through seven faults (docs/reliability.md).
## It stops and restarts its own Kafka, DynamoDB Local and Redis; bounded to 10 minutes in all.
## FAULTS_ONLY=name,... picks scenarios. Reports: .test-results/faults/*.json.
test-faults: proto
	@mkdir -p .test-results
	rm -rf .test-results/faults
	timeout -k 30 600 bash scripts/with-infra.sh $(PNPM) test --selectProjects faults --json --outputFile=.test-results/faults.json

## reliability-doc: the results table of docs/reliability.md from the last test-faults run
reliability-doc: $(STAMP)
	node --import tsx tests/integration/faults/reliability-doc.ts

## lint: buf lint (via proto); ESLint with typescript-eslint's type-checked rules (eslint.config.js);
## the architecture's dependency rules (.dependency-cruiser.cjs); declared dependencies that nothing
## imports, or imports that nothing declares (knip.json)
DEPCRUISE_ROOTS := packages services tests scripts $(wildcard bench)
lint: proto
	node_modules/.bin/eslint --max-warnings 0 .
	node_modules/.bin/depcruise --validate .dependency-cruiser.cjs $(DEPCRUISE_ROOTS)
	node_modules/.bin/knip --dependencies --no-progress --no-gitignore --no-config-hints

typecheck: proto
	$(PNPM) run typecheck

## proto-breaking: buf breaking (FILE rule, proto/buf.yaml) against main, or origin/main on a fresh clone
proto-breaking: proto
	bash scripts/proto-breaking.sh

## build: type-check, then bundle every deployable into dist/*.mjs (runnable with plain node)
## and ask each bundle for its --version
build: typecheck bundle
	@for f in dist/*.mjs; do node $$f --version || exit 1; done

bundle: proto
	node --import tsx scripts/build/bundle.ts

IMAGES := gateway ingest fanout chatmgmt dev-issuer bootstrap all-in-one
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

## docker: build every image, tagged chat/<name>:<commit> (needs a Docker engine)
docker:
	@bash scripts/require-docker.sh docker
	@for i in $(IMAGES); do docker build -f docker/$$i.Dockerfile --build-arg CHAT_BUILD_COMMIT=$(COMMIT) -t chat/$$i:$(COMMIT) -t chat/$$i:dev . || exit 1; done

## up / down: the compose stack (Redpanda, DynamoDB Local, Redis, dev issuer, the four services
## behind TLS on https://localhost:8443); down also deletes its volumes
up:
	@bash scripts/require-docker.sh up
	bash scripts/tls/self-signed.sh .data/tls
	docker compose up --detach --build --wait

down:
	@bash scripts/require-docker.sh down
	docker compose down --volumes --remove-orphans

## bootstrap: create DynamoDB tables and Kafka topics for the configured adapters (CHAT_* variables)
bootstrap: $(STAMP)
	node --import tsx packages/wiring/src/bootstrap-cli.ts

## bench: the performance bench (docs/benchmarks.md): a bare ws server, the Centrifuge peer,
## all-in-one and distributed under the same load generator; prints a table and writes
## .bench-results/bench-<utc>.json. Bounded (~15-20 min; BENCH_TIMEOUT_MINUTES). Pick with
## BENCH_TARGETS=ws,centrifuge,allinone,distributed BENCH_SCENARIOS=steady,ramp,idle,bigchat,launch,store
## and BENCH_QUICK=1. Not part of make test.
bench: bundle
	timeout -k 30 1800 node --import tsx bench/run.ts

infra-up:
	bash scripts/infra/up.sh

infra-down:
	bash scripts/infra/down.sh

clean:
	rm -rf node_modules packages/*/node_modules services/*/node_modules packages/proto/src/gen .data

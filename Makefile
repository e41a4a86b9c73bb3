# citebot: `make run` sets up everything and starts the bot; `make test`
# sets up the same and runs every check. See README.md.
SHELL := /bin/bash
GO ?= go
CORPUS ?= README.md docs
COLLECTION ?= default
FUZZTIME ?= 4000x
BIN := bin/citebot

.PHONY: run test bench db db-stop model setup build vet fmt-check tidy-check unit fuzz clean

## run: provision PostgreSQL + pgvector and the local model, ingest $(CORPUS), start the bot
run: setup build
	$(BIN) migrate
	@# --exact: the collection holds exactly CORPUS. Exit 1 is some documents
	@# failing (listed above); anything else, such as a CORPUS path that does
	@# not exist (exit 2), stops here.
	$(BIN) ingest --collection $(COLLECTION) --exact $(CORPUS) || { rc=$$?; [ $$rc -eq 1 ] || exit $$rc; \
		echo "citebot: some documents could not be ingested (listed above); going on with the rest" >&2; }
	$(BIN) serve --collection $(COLLECTION)

## test: the same set-up, then go vet, a gofmt check, every test and a short fuzz of every target
test: setup tidy-check vet fmt-check unit fuzz

## bench: benchmarks, written to docs/benchmarks.md and docs/benchmarks-scale.md (the 1M-chunk rows);
## BENCH=scale runs only the 1M-chunk rows
BENCH ?=
bench: setup build
	scripts/bench.sh $(if $(filter scale,$(BENCH)),--scale-only)

## db: set up and start the project's PostgreSQL; prints `export DATABASE_URL=...`
db:
	@scripts/db.sh

## db-stop: stop the project's PostgreSQL
db-stop:
	@scripts/db.sh stop

## model: fetch the local embedding model into .cache/models
model:
	@scripts/fetch-model.sh

setup:
	@scripts/db.sh >/dev/null
	@scripts/fetch-model.sh
	@scripts/tools.sh
	@scripts/chromium.sh

build:
	CGO_ENABLED=0 $(GO) build -buildvcs=auto -o $(BIN) .

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

tidy-check:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }

unit:
	$(GO) test -count=1 ./...

fuzz:
	@FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

clean:
	rm -rf bin

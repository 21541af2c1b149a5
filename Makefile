# Copyright 2026 The serving-keda Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

# The two commands a newcomer needs:
#   make run    the whole loop: a sample Knative Service scaling with a load the demo drives
#               (make run RUN_FLAGS=-scale-to-zero: scale to zero and cold starts through Serving's activator)
#   make test   every test: unit, codegen check, and the control-plane tests

GO            ?= go
# Time each fuzz target runs under `make fuzz` (go test -fuzztime syntax).
FUZZTIME      ?= 10m
# Flags of test/cmd/local-demo (make run), e.g. -scale-to-zero (as root) or -interval 10s.
RUN_FLAGS     ?=
# Flags of test/cmd/bench (make bench), e.g. -n 3000 -contenders autoscaler-keda.
BENCH_FLAGS   ?=
# Flags of test/cmd/bench/coldstart (make bench-coldstart), e.g. -cold-starts 5 -wake 5 -default-idle=false.
COLDSTART_FLAGS ?=
# Control-plane test timeout.
E2E_TIMEOUT   ?= 40m
# The oldest Knative and KEDA releases still tested (README "Versions"):
# make test runs the Knative Service suite on them too.
OLDEST_VERSIONS ?= knative-1.21,keda-2.19
OUTPUT        ?= _output

.PHONY: all build test test-unit test-integration test-integration-oldest cluster-oldest release-check verify vet cluster cluster-serving run fuzz bench bench-coldstart bench-requests bench-unit codegen deps clean

all: build

## build: compile the controller into $(OUTPUT)/autoscaler-keda
build:
	$(GO) build -o $(OUTPUT)/autoscaler-keda ./cmd/autoscaler-keda

## test: everything CI runs, phase by phase with timings
test:
	@hack/phase.sh verify $(MAKE) --no-print-directory verify
	@hack/phase.sh unit $(MAKE) --no-print-directory test-unit
	@hack/phase.sh cluster-binaries $(MAKE) --no-print-directory cluster-serving
	@hack/phase.sh integration $(MAKE) --no-print-directory test-integration
	@hack/phase.sh cluster-binaries-oldest $(MAKE) --no-print-directory cluster-oldest
	@hack/phase.sh integration-oldest $(MAKE) --no-print-directory test-integration-oldest
	@hack/phase.sh release $(MAKE) --no-print-directory release-check

## test-unit: fast tests, no cluster (translation, reconciler TableTests, config, manifests, fuzz seeds)
test-unit:
	$(GO) test ./...

## verify: gofmt, vet and generated code up to date
verify: vet
	@unformatted="$$(gofmt -l cmd pkg test hack/*.go hack/third-party-licenses)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	hack/verify-codegen.sh

vet:
	$(GO) vet ./...

## cluster: build (once, cached outside the tree) etcd, kube-apiserver, kube-controller-manager and KEDA
cluster:
	hack/build-cluster.sh etcd kube-apiserver kube-controller-manager keda-operator keda-webhooks

## cluster-serving: also build (once, cached) Serving's controller, webhook,
## activator, autoscaler-hpa, KPA autoscaler and queue-proxy, KEDA's metrics
## adapter, kwok, metrics-server and kubectl, for the tests that start from a
## Knative Service (make test builds them; README has the cold build times)
cluster-serving: cluster
	hack/build-cluster.sh serving-controller serving-webhook serving-activator keda-adapter kwok serving-autoscaler-hpa serving-autoscaler serving-queue metrics-server kubectl

## test-integration: the control-plane tests (build tag integration), one
## package at a time: Serving's controller needs port 8080, which one
## reliability test also checks, and 2 cores run one control plane best
test-integration: cluster
	$(GO) test -tags integration -count=1 -p 1 -timeout $(E2E_TIMEOUT) ./test/...

## cluster-oldest: build (once, cached) KEDA's and Serving's binaries of the
## oldest supported pair, OLDEST_VERSIONS (the others are shared)
cluster-oldest: cluster-serving
	SERVING_KEDA_VERSIONS=$(OLDEST_VERSIONS) hack/build-cluster.sh keda-operator keda-webhooks keda-adapter serving-controller serving-webhook serving-activator

## test-integration-oldest: the Knative Service suite on the oldest supported
## Knative and KEDA releases (binaries, CRDs and config maps of that pair)
test-integration-oldest: cluster-oldest
	SERVING_KEDA_VERSIONS=$(OLDEST_VERSIONS) $(GO) test -tags integration -count=1 -p 1 -timeout $(E2E_TIMEOUT) -run '^TestKnativeService' ./test/e2e/

## release-check: build release.yaml offline (hack/release.sh --local: ko and a
## registry on 127.0.0.1, both built from the Go module proxy) and have the local
## control plane accept each object (server-side dry-run apply)
release-check: cluster
	hack/release.sh --local -o $(OUTPUT)/release.yaml
	RELEASE_YAML=$(CURDIR)/$(OUTPUT)/release.yaml $(GO) test -tags integration,release -count=1 -run '^TestReleaseYAML$$' -v ./test/release/

## run: the local demo: the control plane with Serving, kwok, KEDA (operator,
## webhook, metrics adapter) and the HPA controller, a sample ksvc and a load
## that rises and falls; Ctrl-C stops and cleans up everything it started.
## RUN_FLAGS=-scale-to-zero (as root): a min-scale 0 ksvc behind Serving's activator
## and queue-proxy idles to zero and a request wakes it, each cold start timed
run: cluster-serving
	$(GO) build -o $(OUTPUT)/local-demo ./test/cmd/local-demo
	$(OUTPUT)/local-demo $(RUN_FLAGS)

## fuzz: run every fuzz target for FUZZTIME each
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzScaledObject$$' -fuzztime $(FUZZTIME) ./pkg/translate/

## bench: the control-plane benchmark (test/cmd/bench): this controller, Serving's
## autoscaler-hpa and a bare client, N PAs at once; writes docs/benchmarks/.
## Flags through BENCH_FLAGS, e.g. BENCH_FLAGS="-n 3000 -contenders autoscaler-keda,autoscaler-hpa"
bench:
	hack/build-cluster.sh etcd kube-apiserver kube-controller-manager keda-operator keda-webhooks serving-autoscaler-hpa
	$(GO) run ./test/cmd/bench $(BENCH_FLAGS)

## bench-coldstart: scale from zero beside Knative's KPA (test/cmd/bench/coldstart): the same ksvc
## with Serving's autoscaler and with this controller on one control plane, every pod behind Serving's
## queue-proxy: cold starts, 5 and 25 services woken at once, requests lost, idle to zero; writes
## docs/benchmarks/coldstart.md and coldstart.json. Runs as root (network namespaces); about 25 minutes.
## Flags through COLDSTART_FLAGS, e.g. COLDSTART_FLAGS="-cold-starts 5 -wake 5 -default-idle=false"
bench-coldstart:
	hack/build-cluster.sh etcd kube-apiserver kube-controller-manager keda-operator keda-webhooks keda-adapter serving-controller serving-webhook serving-activator serving-autoscaler serving-queue kwok
	$(GO) run ./test/cmd/bench/coldstart $(COLDSTART_FLAGS)

## bench-requests: what Knative's request signal (pkg/requestsignal) costs at 10, 100 and 1,000
## revisions of 3 pods each, played queue-proxy stats (test/cmd/bench/requests); writes
## docs/benchmarks/requests.md and requests.json. Runs as root (a network namespace); about 5 minutes.
bench-requests:
	$(GO) run ./test/cmd/bench/requests

## bench-unit: unit benchmarks of the translation
bench-unit:
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/translate/

## codegen: regenerate injection clients and config map checksums
codegen:
	hack/update-codegen.sh

## deps: tidy, vendor and refresh third_party licences
deps:
	hack/update-deps.sh

clean:
	rm -rf $(OUTPUT)

#!/usr/bin/env bash
# Builds the binaries of the local test control plane (etcd, kube-apiserver,
# kube-controller-manager, KEDA operator, admission webhooks and metrics
# adapter) from the Go module
# proxy, through the small wrapper modules under hack/cluster/; on request
# also Serving's autoscaler-hpa, the component this project replaces, for the
# side-by-side benchmark (test/cmd/bench), and Serving itself (controller,
# webhook, activator) and kwok (fake Nodes) for the tests that start from a
# Knative Service, and metrics-server (metrics.k8s.io from kwok's simulated
# kubelet resource metrics) for the cpu and memory ones.
#
# Binaries go to a cache OUTSIDE the repository, keyed by version, so every
# clone on the same machine reuses them:
#
#   ${SERVING_KEDA_CACHE:-$HOME/.cache/serving-keda}/bin/<name>-<version>
#
# A binary already present is not rebuilt. test/cluster looks them up with the
# same convention.
#
# Usage: hack/build-cluster.sh [name...]
#   names: etcd kube-apiserver kube-controller-manager keda-operator
#          keda-webhooks keda-adapter
#   default: all of them, the KEDA adapter last (the tests do not need it).
#   On request only, after the others: serving-autoscaler-hpa,
#   serving-controller, serving-webhook, serving-activator (Serving's
#   commands at the version go.mod pins, hack/cluster/serving-<release>), kwok
#   (hack/cluster/kwok, with kwok's own Kubernetes dependencies),
#   metrics-server (hack/cluster/metrics-server, with its own) and kubectl
#   (hack/cluster/kube, the API server's version), for the tests that run
#   hack/ scripts (test/e2e's swap test).
#   hack/build-cluster.sh --print-dir   prints the binaries directory and exits.
#
# Versions: SERVING_KEDA_VERSIONS names the Knative and KEDA releases to
# build, e.g. "knative-1.21,keda-2.19"; default (unset): the pair the main
# module pins, "knative-1.23,keda-2.21". Each release has its own wrapper
# module, hack/cluster/serving-<knative release> and hack/cluster/keda-<KEDA
# release>, so both pairs' binaries live side by side in the cache, each
# under its own version. test/cluster reads the same variable.
#
# Cold builds on 2 cores take roughly: etcd 1 min, kube-apiserver 8 min,
# kube-controller-manager 2 min, keda-operator 11 min, keda-webhooks 1 min
# (after the operator, which shares its packages), keda-adapter 3 min,
# serving-autoscaler-hpa 3 min; measured with nice -n 19 beside a running
# integration suite (load 10-16): keda-adapter 630 s, serving-controller
# 569 s, then serving-webhook 20 s and serving-activator 9 s (they share
# the controller's packages), kwok 478 s (its own k8s 0.33 packages),
# metrics-server 347 s (its own k8s 0.36 packages); kubectl 105 s after
# kube-apiserver (shared packages), under load.
# Run it under `nice` on a shared machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODS="${ROOT}/hack/cluster"
CACHE="${SERVING_KEDA_CACHE:-${HOME}/.cache/serving-keda}"
BIN="${CACHE}/bin"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "${BIN}"
  exit 0
fi

ALL=(etcd kube-apiserver kube-controller-manager keda-operator keda-webhooks keda-adapter)
ON_REQUEST=(serving-autoscaler-hpa serving-controller serving-webhook serving-activator serving-autoscaler serving-queue kwok metrics-server kubectl)

# The Knative and KEDA releases, from SERVING_KEDA_VERSIONS.
KNATIVE_RELEASE=1.23
KEDA_RELEASE=2.21
IFS=',' read -r -a _versions <<<"${SERVING_KEDA_VERSIONS:-}"
for _v in ${_versions[@]+"${_versions[@]}"}; do
  case "${_v}" in
    knative-*) KNATIVE_RELEASE="${_v#knative-}" ;;
    keda-*) KEDA_RELEASE="${_v#keda-}" ;;
    "") ;;
    *) echo "SERVING_KEDA_VERSIONS: unknown entry ${_v} (want knative-X.Y or keda-X.Y)" >&2; exit 2 ;;
  esac
done
SERVING_MOD="${MODS}/serving-${KNATIVE_RELEASE}"
KEDA_MOD="${MODS}/keda-${KEDA_RELEASE}"
for _d in "${SERVING_MOD}" "${KEDA_MOD}"; do
  if [[ ! -f "${_d}/go.mod" ]]; then
    echo "no wrapper module ${_d}: supported are $(cd "${MODS}" && ls -d serving-* keda-* | tr '\n' ' ')" >&2
    exit 2
  fi
done
if [[ $# -gt 0 ]]; then
  # Keep the given order, but build the on-request binaries last.
  WANT=()
  LAST=()
  for n in "$@"; do
    if [[ " ${ON_REQUEST[*]} " == *" ${n} "* ]]; then LAST+=("${n}"); else WANT+=("${n}"); fi
  done
  WANT+=(${LAST[@]+"${LAST[@]}"})
else
  WANT=("${ALL[@]}")
fi

mkdir -p "${BIN}"

# module_version DIR MODULE: the version of MODULE pinned by the module in DIR.
module_version() {
  (cd "$1" && GOFLAGS=-mod=mod go list -m -f '{{.Version}}' "$2")
}

# build NAME VERSION MODULE_DIR PACKAGE [LDFLAGS]
build() {
  local name="$1" version="$2" dir="$3" pkg="$4" ldflags="${5:-}"
  local out="${BIN}/${name}-${version}"
  if [[ -x "${out}" ]]; then
    echo "==> ${name} ${version}: present (${out})"
    return 0
  fi
  echo "==> ${name} ${version}: building ${pkg} ..."
  local start end
  start=$(date +%s)
  # Build to a temporary name so an interrupted build never leaves a
  # half-written binary under the final name.
  (cd "${dir}" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w ${ldflags}" -o "${out}.tmp.$$" "${pkg}")
  mv -f "${out}.tmp.$$" "${out}"
  end=$(date +%s)
  echo "==> ${name} ${version}: built in $((end - start)) s -> ${out}"
}

kube_ldflags() {
  local v="$1" # v1.34.3
  local minor
  minor="$(echo "${v#v}" | cut -d. -f2)"
  local p=k8s.io/component-base/version
  echo "-X ${p}.gitVersion=${v} -X ${p}.gitMajor=1 -X ${p}.gitMinor=${minor} -X ${p}.gitTreeState=clean -X ${p}.buildDate=1970-01-01T00:00:00Z"
}

total_start=$(date +%s)
for name in "${WANT[@]}"; do
  case "${name}" in
    etcd)
      v="$(module_version "${MODS}/etcd" go.etcd.io/etcd/server/v3)"
      build etcd "${v}" "${MODS}/etcd" ./cmd/etcd
      ;;
    kube-apiserver|kube-controller-manager|kubectl)
      v="$(module_version "${MODS}/kube" k8s.io/kubernetes)"
      build "${name}" "${v}" "${MODS}/kube" "k8s.io/kubernetes/cmd/${name}" "$(kube_ldflags "${v}")"
      ;;
    keda-operator|keda-webhooks|keda-adapter)
      v="$(module_version "${KEDA_MOD}" github.com/kedacore/keda/v2)"
      build "${name}" "${v}" "${KEDA_MOD}" "github.com/kedacore/keda/v2/cmd/${name#keda-}" \
        "-X github.com/kedacore/keda/v2/version.Version=${v#v}"
      ;;
    serving-autoscaler-hpa|serving-controller|serving-webhook|serving-activator|serving-autoscaler|serving-queue)
      v="$(module_version "${SERVING_MOD}" knative.dev/serving)"
      build "${name}" "${v}" "${SERVING_MOD}" "knative.dev/serving/cmd/${name#serving-}"
      ;;
    kwok)
      v="$(module_version "${MODS}/kwok" sigs.k8s.io/kwok)"
      build kwok "${v}" "${MODS}/kwok" sigs.k8s.io/kwok/cmd/kwok
      ;;
    metrics-server)
      v="$(module_version "${MODS}/metrics-server" sigs.k8s.io/metrics-server)"
      build metrics-server "${v}" "${MODS}/metrics-server" sigs.k8s.io/metrics-server/cmd/metrics-server \
        "-X k8s.io/client-go/pkg/version.gitVersion=${v}"
      ;;
    *)
      echo "unknown binary: ${name} (want one of: ${ALL[*]} ${ON_REQUEST[*]})" >&2
      exit 2
      ;;
  esac
done
echo "==> done in $(($(date +%s) - total_start)) s; binaries in ${BIN}"

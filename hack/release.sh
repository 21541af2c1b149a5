#!/usr/bin/env bash

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

# Builds the release: `ko resolve` over config/ into one release.yaml whose
# image is pinned by digest, labelled as Knative labels its releases.
#
# Usage: KO_DOCKER_REPO=<image repository> hack/release.sh [-o FILE]
#        hack/release.sh --local [-o FILE]
#
#   -o FILE   where to write the release (default: release.yaml at the
#             repository root)
#   --local   build without any outside registry: serve go-containerregistry's
#             registry on 127.0.0.1 for the time of the build, push a base
#             image made here (an empty static layer with /etc/passwd, user
#             65532:65532, as ko's default base) and build for linux/amd64
#             only. The registry is stopped when the script ends. Used by CI
#             (make release-check), whose images only need a digest. The
#             build is reproducible, but ko records the base image's name,
#             with the registry's random port, in the manifest: so the
#             digest differs from run to run.
#
# Environment:
#   KO_DOCKER_REPO  where ko pushes the image (required without --local)
#   TAG             a release tag, e.g. v1.2.3: every object's label
#                   app.kubernetes.io/version: devel becomes "1.2.3" (Knative's
#                   convention); unset leaves "devel"
#   KO_FLAGS        more flags for `ko resolve` (e.g. --platform=linux/amd64)
#   TOOLS_DIR       where ko (and, with --local, the registry and crane) are
#                   built from the Go module proxy, once per version (default
#                   ~/.cache/serving-keda/tools)
#
# ko and go-containerregistry are installed with `go install <module>@<version>`
# at the versions below: no prebuilt binaries.

set -o errexit
set -o nounset
set -o pipefail

KO_VERSION=v0.19.1
GGCR_VERSION=v0.21.7 # the go-containerregistry ko v0.19.1 is built with

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${TOOLS_DIR:-${HOME}/.cache/serving-keda/tools}"
OUT="${REPO_ROOT}/release.yaml"
LOCAL=false

while [[ $# -gt 0 ]]; do
  case "$1" in
    -o) OUT="$(realpath -m "$2")"; shift 2 ;;
    --local) LOCAL=true; shift ;;
    -h|--help) sed -n '17,45p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

start=$SECONDS
phase() { echo "::: release: $1 ($((SECONDS - start))s so far)"; }

# tool DIR MODULE/CMD@VERSION: builds a command once into DIR.
tool() {
  local dir="$1" pkg="$2" bin
  bin="${dir}/$(basename "${pkg%@*}")"
  if [[ ! -x "${bin}" ]]; then
    echo "building ${pkg} into ${dir}" >&2
    GOBIN="${dir}" GOFLAGS=-mod=mod go install "${pkg}" >&2
  fi
  echo "${bin}"
}

phase "tools"
KO="$(tool "${TOOLS_DIR}/ko-${KO_VERSION}" "github.com/google/ko@${KO_VERSION}")"
KO_FLAGS="${KO_FLAGS:-}"

if [[ "${LOCAL}" == true ]]; then
  REGISTRY="$(tool "${TOOLS_DIR}/ggcr-${GGCR_VERSION}" "github.com/google/go-containerregistry/cmd/registry@${GGCR_VERSION}")"
  CRANE="$(tool "${TOOLS_DIR}/ggcr-${GGCR_VERSION}" "github.com/google/go-containerregistry/cmd/crane@${GGCR_VERSION}")"
  WORK="$(mktemp -d)"
  registry_pid=""
  cleanup() {
    if [[ -n "${registry_pid}" ]]; then
      kill "${registry_pid}" 2>/dev/null || true
      wait "${registry_pid}" 2>/dev/null || true
    fi
    rm -rf "${WORK}"
  }
  trap cleanup EXIT

  phase "registry on 127.0.0.1"
  # An in-memory registry on a free port; it listens on localhost, which ko
  # and crane reach over plain HTTP.
  "${REGISTRY}" -port 0 >"${WORK}/registry.log" 2>&1 &
  registry_pid=$!
  port=""
  for _ in $(seq 100); do
    port="$(sed -n 's/.*serving on port \([0-9]*\).*/\1/p' "${WORK}/registry.log")"
    [[ -n "${port}" ]] && break
    kill -0 "${registry_pid}" 2>/dev/null || { cat "${WORK}/registry.log" >&2; exit 1; }
    sleep 0.1
  done
  [[ -n "${port}" ]] || { echo "the registry did not start" >&2; cat "${WORK}/registry.log" >&2; exit 1; }
  host="localhost:${port}"

  phase "base image"
  # What a static non-root base holds for a pure-Go binary: the users, a
  # home and /tmp; owned by root, reproducible (fixed mtime).
  root="${WORK}/rootfs"
  mkdir -p "${root}/etc" "${root}/home/nonroot" "${root}/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"${root}/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"${root}/etc/group"
  chmod 1777 "${root}/tmp"
  tar -C "${root}" --owner=0 --group=0 --numeric-owner --mtime=@0 --sort=name -cf "${WORK}/base.tar" etc home tmp
  "${CRANE}" append --oci-empty-base -f "${WORK}/base.tar" -t "${host}/base/layer:latest" >/dev/null
  "${CRANE}" mutate "${host}/base/layer:latest" --set-platform linux/amd64 --user 65532:65532 \
    --env PATH=/usr/local/bin:/usr/bin:/bin -t "${host}/base/static:nonroot" >/dev/null

  export KO_DOCKER_REPO="${host}/serving-keda"
  export KO_DEFAULTBASEIMAGE="${host}/base/static:nonroot"
  KO_FLAGS="--platform=linux/amd64 ${KO_FLAGS}"
fi

if [[ -z "${KO_DOCKER_REPO:-}" ]]; then
  echo "KO_DOCKER_REPO is not set: name the image repository ko pushes to, or use --local" >&2
  exit 2
fi

phase "ko resolve -f config/ (KO_DOCKER_REPO=${KO_DOCKER_REPO})"
if [[ -n "${TAG:-}" ]]; then
  label=(sed -e "s|app.kubernetes.io/version: devel|app.kubernetes.io/version: \"${TAG#v}\"|")
else
  label=(cat)
fi
mkdir -p "$(dirname "${OUT}")"
build_start=$SECONDS
# --base-import-paths: the image is <repo>/autoscaler-keda; ko resolves it by
# digest. Run from the repository root, where .ko.yaml is.
# shellcheck disable=SC2086 # KO_FLAGS is a list of flags
(cd "${REPO_ROOT}" && "${KO}" resolve --base-import-paths ${KO_FLAGS} -f config/) | "${label[@]}" >"${OUT}.tmp"
mv "${OUT}.tmp" "${OUT}"
echo "::: release: ko build took $((SECONDS - build_start))s"

images="$(grep -E '^\s+image: ' "${OUT}" | awk '{print $2}' | sort -u)"
if [[ -z "${images}" ]] || grep -qv '@sha256:[0-9a-f]\{64\}$' <<<"${images}"; then
  echo "release.yaml has an image not pinned by digest:" >&2
  echo "${images}" >&2
  exit 1
fi
echo "${images}"

if [[ "${LOCAL}" == true ]]; then
  # While the registry still runs: the image runs as a numeric non-root user
  # (config/'s runAsNonRoot needs one the kubelet can check) and carries the
  # licences under /var/run/ko.
  user="$("${CRANE}" config "${images}" | sed -n 's/.*"User":"\([^"]*\)".*/\1/p')"
  if [[ ! "${user}" =~ ^[1-9][0-9]*(:[0-9]+)?$ ]]; then
    echo "the image's user is \"${user}\", want a numeric non-root one" >&2
    exit 1
  fi
  files="$("${CRANE}" export "${images}" - | tar -t 2>/dev/null | sed "s|^/||")"
  for f in ko-app/autoscaler-keda var/run/ko/LICENSE var/run/ko/third_party/VENDOR-LICENSE/knative.dev/serving/LICENSE; do
    grep -qx "${f}" <<<"${files}" || { echo "the image lacks /${f}" >&2; exit 1; }
  done
  echo "image: user ${user}, $(grep -c '^var/run/ko/third_party/.*/LICENSE' <<<"${files}") vendored licences under /var/run/ko"
fi
phase "wrote ${OUT}"

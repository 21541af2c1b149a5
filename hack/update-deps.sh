#!/usr/bin/env bash

# Copyright The serving-keda Authors
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

# update-deps.sh tidies go.mod/go.sum, re-creates vendor/ and regenerates the
# licence files of the vendored modules under third_party/VENDOR-LICENSE, and
# the copy the image ships: cmd/autoscaler-keda/kodata (ko puts it at
# /var/run/ko), with the project's LICENSE. Real files, not Knative's
# symlinks to ../../../: ko v0.19 refuses kodata symlinks that leave kodata.
# It can be run from any directory. Modules come from the Go module proxy
# configured in the environment (GOPROXY) or the local module cache.

set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${REPO_ROOT}"
KODATA=cmd/autoscaler-keda/kodata

echo "=== go mod tidy"
go mod tidy

echo "=== go mod vendor"
go mod vendor

echo "=== third_party/VENDOR-LICENSE"
go run ./hack/third-party-licenses -vendor vendor -out third_party/VENDOR-LICENSE

echo "=== ${KODATA}"
go run ./hack/third-party-licenses -vendor vendor -out "${KODATA}/third_party/VENDOR-LICENSE"
cp LICENSE "${KODATA}/LICENSE"

# The OpenTelemetry modules must stay at the versions knative.dev/pkg pins:
# mixing newer ones panics at start-up with "conflicting Schema URL".
KPKG_DIR="$(go list -mod=mod -m -f '{{.Dir}}' knative.dev/pkg)"
if [[ -n "${KPKG_DIR}" && -f "${KPKG_DIR}/go.mod" ]]; then
  status=0
  while read -r mod want; do
    have="$(go list -mod=mod -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' "${mod}" 2>/dev/null || true)"
    if [[ -n "${have}" && "${have}" != "${want}" ]]; then
      echo "ERROR: ${mod} is ${have}, but knative.dev/pkg pins ${want}" >&2
      status=1
    fi
  done < <(awk '$1 ~ /^go\.opentelemetry\.io\/(otel|contrib\/instrumentation\/net\/http\/otelhttp)$/ {print $1, $2}' "${KPKG_DIR}/go.mod")
  if [[ "${status}" -ne 0 ]]; then
    exit 1
  fi
fi

echo "=== dependencies updated"

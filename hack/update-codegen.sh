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

# update-codegen.sh generates the knative injection client and informers for
# KEDA's keda.sh/v1alpha1 types into pkg/client/injection, on top of KEDA's own
# generated clientset, listers and informers. It runs injection-gen at the
# version go.mod pins (through knative.dev/pkg; hack/tools.go keeps it there),
# from vendor/ when present, else from the module cache. It can be run from any
# directory and is idempotent.
#
# Environment:
#   CODEGEN_OUTPUT_ROOT  write pkg/client/injection under this directory
#                        instead of the repository (used by verify-codegen.sh).

set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${REPO_ROOT}"

MODULE="$(go list -m)"
OUTPUT_ROOT="${CODEGEN_OUTPUT_ROOT:-${REPO_ROOT}}"
OUTPUT_PKG="${MODULE}/pkg/client/injection"
OUTPUT_DIR="${OUTPUT_ROOT}/pkg/client/injection"
BOILERPLATE="${REPO_ROOT}/hack/boilerplate/boilerplate.go.txt"

KEDA_APIS="github.com/kedacore/keda/v2/apis/keda/v1alpha1"
KEDA_GENERATED="github.com/kedacore/keda/v2/pkg/generated"

# The kinds of keda.sh/v1alpha1 (types tagged +genclient in KEDA's apis) that
# get an injection informer: only ScaledObjects are watched (the
# controller never reads trigger authentications; KEDA resolves them).
# The client is generated over KEDA's whole
# clientset; informers of other kinds are removed below.
KEEP_INFORMERS=(scaledobject)

echo "=== Generating knative injection for ${KEDA_APIS} into ${OUTPUT_PKG}"

# Start from an empty tree so that removed kinds do not linger.
rm -rf "${OUTPUT_DIR}"
mkdir -p "${OUTPUT_DIR}"

go run knative.dev/pkg/codegen/cmd/injection-gen \
  --input-dirs "${KEDA_APIS}" \
  --versioned-clientset-package "${KEDA_GENERATED}/clientset/versioned" \
  --external-versions-informers-package "${KEDA_GENERATED}/informers/externalversions" \
  --listers-package "${KEDA_GENERATED}/listers" \
  --output-package "${OUTPUT_PKG}" \
  --output-dir "${OUTPUT_DIR}" \
  --go-header-file "${BOILERPLATE}"

# Keep only the informers this project uses (KEDA also tags ScaledJob).
INFORMERS_DIR="${OUTPUT_DIR}/informers/keda/v1alpha1"
for dir in "${INFORMERS_DIR}"/*/; do
  kind="$(basename "${dir}")"
  keep=false
  for k in "${KEEP_INFORMERS[@]}"; do
    [[ "${kind}" == "${k}" ]] && keep=true
  done
  if [[ "${keep}" == false ]]; then
    rm -rf "${dir}"
  fi
done
for k in "${KEEP_INFORMERS[@]}"; do
  if [[ ! -d "${INFORMERS_DIR}/${k}" ]]; then
    echo "ERROR: injection-gen produced no informer for ${k} in ${INFORMERS_DIR}" >&2
    exit 1
  fi
done

gofmt -s -w "${OUTPUT_DIR}"

echo "=== Generated $(find "${OUTPUT_DIR}" -name '*.go' | wc -l) files under ${OUTPUT_DIR}"

# Config maps carry a checksum of their _example block (knative's
# convention); the unit tests of pkg/config fail when it is stale.
if [[ "${OUTPUT_ROOT}" == "${REPO_ROOT}" ]]; then
  for cm in "${REPO_ROOT}"/config/config-*.yaml; do
    go run knative.dev/pkg/configmap/hash-gen "${cm}"
  done
  echo "=== Updated _example checksums of config/config-*.yaml"
fi

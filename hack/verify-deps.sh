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

# verify-deps.sh checks, without modifying the tree, that go.mod/go.sum are
# tidy and that vendor/, third_party/VENDOR-LICENSE and the image's licences
# in cmd/autoscaler-keda/kodata match what hack/update-deps.sh would write. Needs the modules in the module cache (or
# the module proxy).

set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${REPO_ROOT}"

TMP="$(mktemp -d)"
trap 'rm -rf "${TMP}"' EXIT

fail() {
  echo >&2
  echo "ERROR: $1 Run hack/update-deps.sh and commit the result." >&2
  exit 1
}

echo "=== go mod tidy -diff"
go mod tidy -diff || fail "go.mod/go.sum are not tidy."

echo "=== go mod vendor -o ${TMP}/vendor"
go mod vendor -o "${TMP}/vendor"
diff -Nqr vendor "${TMP}/vendor" || fail "vendor/ is out of date."

echo "=== third_party/VENDOR-LICENSE"
go run ./hack/third-party-licenses -vendor vendor -out "${TMP}/VENDOR-LICENSE" >/dev/null
diff -Nqr third_party/VENDOR-LICENSE "${TMP}/VENDOR-LICENSE" || fail "third_party/VENDOR-LICENSE is out of date."

echo "=== cmd/autoscaler-keda/kodata"
mkdir -p "${TMP}/kodata/third_party"
cp -r "${TMP}/VENDOR-LICENSE" "${TMP}/kodata/third_party/VENDOR-LICENSE"
cp LICENSE "${TMP}/kodata/LICENSE"
diff -Nqr cmd/autoscaler-keda/kodata "${TMP}/kodata" || fail "cmd/autoscaler-keda/kodata is out of date."

echo "=== dependencies are up to date."

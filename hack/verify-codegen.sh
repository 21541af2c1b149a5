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

# verify-codegen.sh regenerates pkg/client/injection into a temporary
# directory and fails when it differs from the tree. The tree is not modified.

set -o errexit
set -o nounset
set -o pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GENERATED_REL="pkg/client/injection"

TMP_ROOT="$(mktemp -d)"
trap 'rm -rf "${TMP_ROOT}"' EXIT

CODEGEN_OUTPUT_ROOT="${TMP_ROOT}" "${REPO_ROOT}/hack/update-codegen.sh"

echo "=== Diffing ${GENERATED_REL} against freshly generated code"
if ! diff -Naupr "${REPO_ROOT}/${GENERATED_REL}" "${TMP_ROOT}/${GENERATED_REL}"; then
  echo >&2
  echo "ERROR: ${GENERATED_REL} is out of date. Run hack/update-codegen.sh and commit the result." >&2
  exit 1
fi
echo "=== ${GENERATED_REL} is up to date."

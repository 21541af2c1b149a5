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

# Usage: hack/phase.sh NAME COMMAND...
# Runs COMMAND, printing how long phase NAME took and whether it passed.
# When it fails, it ends with each failed test's last lines (component
# logs left out): CI keeps only the end of a long run's output, where the
# integration tests' logs would hide which check failed.
set -uo pipefail
name="$1"; shift
start=$SECONDS
echo "::: ${name}: $*"
out="$(mktemp)"
trap 'rm -f "${out}"' EXIT
"$@" 2>&1 | tee "${out}"
rc=${PIPESTATUS[0]}
if [[ ${rc} -eq 0 ]]; then
  echo "::: ${name}: ok in $((SECONDS - start))s"
else
  echo "::: ${name}: failed tests, each with its last 25 lines of test output:"
  grep -Ev '^ *([a-z_]+_test\.go:[0-9]+: )?[IWE][0-9]{4} ' "${out}" | grep -B25 -E -- '--- FAIL' | grep -Ev '^--$' | cut -c1-400 || true
  echo "::: ${name}: FAILED (exit ${rc}) after $((SECONDS - start))s"
fi
exit "${rc}"

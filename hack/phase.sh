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
set -uo pipefail
name="$1"; shift
start=$SECONDS
echo "::: ${name}: $*"
"$@"
rc=$?
if [[ ${rc} -eq 0 ]]; then
  echo "::: ${name}: ok in $((SECONDS - start))s"
else
  echo "::: ${name}: FAILED (exit ${rc}) after $((SECONDS - start))s"
fi
exit "${rc}"

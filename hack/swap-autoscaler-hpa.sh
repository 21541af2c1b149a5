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

# Replaces Knative Serving's autoscaler-hpa with autoscaler-keda, or back.
#
# Both controllers reconcile the PodAutoscalers of class
# hpa.autoscaling.knative.dev, so they must never run at the same time. The
# swap therefore:
#   1. scales Serving's autoscaler-hpa Deployment to 0 and waits until its pods
#      are gone;
#   2. applies this repository's config/ (with `ko apply`, or with
#      `kubectl apply` of a manifest rendered beforehand by `ko resolve`);
#   3. waits until the autoscaler-keda Deployment is available;
#   4. prints how to roll back.
# Every existing revision keeps its HPA: the ScaledObjects autoscaler-keda
# writes carry scaledobject.keda.sh/transfer-hpa-ownership and name the HPA
# (the revision's name, as autoscaler-hpa names it), so KEDA adopts the very
# HPA autoscaler-hpa made (same object, now controlled by the ScaledObject)
# and the revisions keep their replicas.
# With --rollback it undoes that, again without deleting any HPA: deletes
# the autoscaler-keda Deployment and waits for its pods to go; deletes each
# ScaledObject controlled by a PodAutoscaler with --cascade=orphan (its HPA
# stays) and makes the PodAutoscaler the HPA's controller again, with the
# PodAutoscaler's labels and annotations, as autoscaler-hpa creates it
# (autoscaler-hpa refuses an HPA its PodAutoscaler does not control); removes
# autoscaler-keda's ScaledObject* conditions from the PodAutoscalers; and
# scales autoscaler-hpa up again, which rewrites each HPA's spec as its own.
#
# Usage: hack/swap-autoscaler-hpa.sh [--kubeconfig FILE] [--namespace NS]
#          [--manifest FILE] [--timeout DURATION] [--dry-run]
#        hack/swap-autoscaler-hpa.sh --rollback [--replicas N]
#          [--kubeconfig FILE] [--namespace NS] [--timeout DURATION] [--dry-run]
#
#   --kubeconfig FILE  cluster to act on (default: $KUBECONFIG, then kubectl's
#                      default)
#   --namespace NS     Knative Serving's system namespace (default
#                      knative-serving; config/ itself targets knative-serving)
#   --manifest FILE    apply FILE with kubectl instead of running
#                      `ko apply -f config/` (for example the output of
#                      `ko resolve -f config/`, made where ko and a registry
#                      are at hand)
#   --timeout DURATION how long to wait at each step, in s or m (default 300s)
#   --rollback         go back to Serving's autoscaler-hpa
#   --replicas N       autoscaler-hpa replicas after --rollback (default 1)
#   --dry-run          print the commands instead of running them
#
# ko needs KO_DOCKER_REPO to name the registry it pushes the image to.

set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAMESPACE=knative-serving
MANIFEST=""
TIMEOUT=300s
DRY_RUN=false
ROLLBACK=false
REPLICAS=1

usage() {
  sed -n '/^# Usage:/,/^# ko needs/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --kubeconfig) export KUBECONFIG="${2:?--kubeconfig needs a file}"; shift 2 ;;
    --kubeconfig=*) export KUBECONFIG="${1#*=}"; shift ;;
    --namespace|-n) NAMESPACE="${2:?--namespace needs a name}"; shift 2 ;;
    --namespace=*) NAMESPACE="${1#*=}"; shift ;;
    --manifest) MANIFEST="${2:?--manifest needs a file}"; shift 2 ;;
    --manifest=*) MANIFEST="${1#*=}"; shift ;;
    --timeout) TIMEOUT="${2:?--timeout needs a duration}"; shift 2 ;;
    --timeout=*) TIMEOUT="${1#*=}"; shift ;;
    --rollback) ROLLBACK=true; shift ;;
    --replicas) REPLICAS="${2:?--replicas needs a number}"; shift 2 ;;
    --replicas=*) REPLICAS="${1#*=}"; shift ;;
    --dry-run) DRY_RUN=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

# The timeout in whole seconds, for the polling loops below.
case "${TIMEOUT}" in
  *m) TIMEOUT_S="${TIMEOUT%m}"; [[ "${TIMEOUT_S}" =~ ^[0-9]+$ ]] && TIMEOUT_S=$(( TIMEOUT_S * 60 )) ;;
  *s) TIMEOUT_S="${TIMEOUT%s}" ;;
  *) TIMEOUT_S="${TIMEOUT}"; TIMEOUT="${TIMEOUT}s" ;;
esac
[[ "${TIMEOUT_S}" =~ ^[0-9]+$ ]] || { echo "bad --timeout: ${TIMEOUT}" >&2; exit 2; }
[[ "${REPLICAS}" =~ ^[0-9]+$ ]] || { echo "bad --replicas: ${REPLICAS}" >&2; exit 2; }

log() { echo "==> $*" >&2; }

# run CMD...: runs CMD, or prints it with --dry-run.
run() {
  if ${DRY_RUN}; then
    printf '%q ' "$@"; echo
  else
    "$@"
  fi
}

k() { kubectl -n "${NAMESPACE}" "$@"; }

# wait_pods_gone APP: waits until no pod labelled app=APP is left.
wait_pods_gone() {
  log "waiting for the $1 pods to be gone"
  if ${DRY_RUN}; then
    run kubectl -n "${NAMESPACE}" get pods -l "app=$1" -o name
    return 0
  fi
  local deadline=$(( SECONDS + TIMEOUT_S ))
  while [[ -n "$(k get pods -l "app=$1" -o name)" ]]; do
    if (( SECONDS >= deadline )); then
      echo "$1 pods still present after ${TIMEOUT}." >&2
      k get pods -l "app=$1" >&2 || true
      return 1
    fi
    sleep 2
  done
}

# hpa_owner_patch PA UID APIVERSION LABELS ANNOTATIONS: the JSON patch that
# gives the HPA the metadata autoscaler-hpa creates it with: the
# PodAutoscaler as its only owner and controller, and the PodAutoscaler's
# labels and annotations (in place of KEDA's and the ScaledObject's).
hpa_owner_patch() {
  printf '[{"op":"add","path":"/metadata/ownerReferences","value":[{"apiVersion":"%s","kind":"PodAutoscaler","name":"%s","uid":"%s","controller":true,"blockOwnerDeletion":true}]},' "$3" "$1" "$2"
  printf '{"op":"add","path":"/metadata/labels","value":%s},{"op":"add","path":"/metadata/annotations","value":%s}]' "${4:-{\}}" "${5:-{\}}"
}

# give_back NS SCALEDOBJECT PA UID APIVERSION: steps 2a-2c of --rollback for
# one ScaledObject.
give_back() {
  local ns="$1" so="$2" pa="$3" uid="$4" api="$5"
  kubectl -n "${ns}" delete scaledobjects.keda.sh "${so}" --cascade=orphan --timeout="${TIMEOUT}"
  # Serving's autoscaler-hpa names the HPA after the PodAutoscaler.
  local owners
  if ! owners="$(kubectl -n "${ns}" get horizontalpodautoscalers.autoscaling "${pa}" -o 'jsonpath={.metadata.ownerReferences[*].kind}' 2>/dev/null)"; then
    log "${ns}/${pa}: no HPA; autoscaler-hpa will create one"
  elif [[ -n "${owners}" ]]; then
    log "${ns}/${pa}: the HPA is owned by ${owners}; left alone"
  else
    local labels annotations
    labels="$(kubectl -n "${ns}" get podautoscalers.autoscaling.internal.knative.dev "${pa}" -o 'jsonpath={.metadata.labels}')"
    annotations="$(kubectl -n "${ns}" get podautoscalers.autoscaling.internal.knative.dev "${pa}" -o 'jsonpath={.metadata.annotations}')"
    kubectl -n "${ns}" patch horizontalpodautoscalers.autoscaling "${pa}" --type=json \
      -p "$(hpa_owner_patch "${pa}" "${uid}" "${api}" "${labels}" "${annotations}")"
  fi
  # This controller's conditions, highest index first, each removal guarded
  # by a test of the condition's type.
  local types i=0 ops=()
  types="$(kubectl -n "${ns}" get podautoscalers.autoscaling.internal.knative.dev "${pa}" -o 'jsonpath={range .status.conditions[*]}{.type}{"\n"}{end}' 2>/dev/null || true)"
  while read -r t; do
    [[ -n "${t}" ]] || continue
    if [[ "${t}" == ScaledObject* ]]; then
      ops=("{\"op\":\"test\",\"path\":\"/status/conditions/${i}/type\",\"value\":\"${t}\"},{\"op\":\"remove\",\"path\":\"/status/conditions/${i}\"}" ${ops[@]+"${ops[@]}"})
    fi
    i=$((i + 1))
  done <<< "${types}"
  if (( ${#ops[@]} > 0 )); then
    kubectl -n "${ns}" patch podautoscalers.autoscaling.internal.knative.dev "${pa}" --subresource=status --type=json \
      -p "[$(IFS=,; echo "${ops[*]}")]"
  fi
}

command -v kubectl >/dev/null || { echo "kubectl is not on PATH" >&2; exit 1; }

if ${ROLLBACK}; then
  # 1. Stop autoscaler-keda, so that it recreates nothing.
  log "deleting deployment ${NAMESPACE}/autoscaler-keda"
  run kubectl -n "${NAMESPACE}" delete deployment autoscaler-keda --ignore-not-found
  wait_pods_gone autoscaler-keda

  # 2. Give every revision's HPA back to its PodAutoscaler, as Serving's
  #    autoscaler-hpa made it: the same object, never deleted, so the
  #    revision keeps its replicas and its scaling history. For each
  #    ScaledObject this controller made (controlled by a PodAutoscaler;
  #    ScaledObjects that users manage themselves, scaled-object-auto-create:
  #    "false", have no such owner and stay):
  #    a. delete it with --cascade=orphan: the garbage collector removes the
  #       ScaledObject from the HPA's owners instead of deleting the HPA
  #       (KEDA's finalizer stops its scale loop and leaves the HPA alone);
  #    b. make the PodAutoscaler the HPA's controller again, with the
  #       PodAutoscaler's labels and annotations in place of KEDA's, as
  #       autoscaler-hpa creates it: autoscaler-hpa refuses an HPA its
  #       PodAutoscaler does not control ("does not own HPA"), and rewrites
  #       the spec of one it does;
  #    c. remove this controller's conditions (ScaledObjectReady, ...) from
  #       the PodAutoscaler's status, which autoscaler-hpa would keep.
  log "giving the HPAs of the ScaledObjects controlled by PodAutoscalers back to them"
  owned='{range .items[?(@.metadata.ownerReferences[0].kind=="PodAutoscaler")]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.metadata.ownerReferences[0].name}{" "}{.metadata.ownerReferences[0].uid}{" "}{.metadata.ownerReferences[0].apiVersion}{"\n"}{end}'
  if ${DRY_RUN}; then
    run kubectl get scaledobjects.keda.sh -A -o "jsonpath=${owned}"
    echo "# then, for each NAMESPACE NAME PA UID APIVERSION listed:"
    run kubectl -n NAMESPACE delete scaledobjects.keda.sh NAME --cascade=orphan --timeout="${TIMEOUT}"
    run kubectl -n NAMESPACE patch horizontalpodautoscalers.autoscaling PA --type=json -p "$(hpa_owner_patch PA UID APIVERSION '<PA labels>' '<PA annotations>')"
    run kubectl -n NAMESPACE patch podautoscalers.autoscaling.internal.knative.dev PA --subresource=status --type=json -p '[...]'
  else
    kubectl get scaledobjects.keda.sh -A -o "jsonpath=${owned}" |
      while read -r ns name pa uid api; do
        [[ -n "${uid}" ]] || continue
        give_back "${ns}" "${name}" "${pa}" "${uid}" "${api}" </dev/null # stdin is the list
      done
  fi

  # 3. Bring Serving's autoscaler-hpa back.
  log "scaling deployment ${NAMESPACE}/autoscaler-hpa to ${REPLICAS}"
  run kubectl -n "${NAMESPACE}" scale deployment autoscaler-hpa --replicas="${REPLICAS}"
  run kubectl -n "${NAMESPACE}" rollout status deployment/autoscaler-hpa --timeout="${TIMEOUT}"
  log "Serving's autoscaler-hpa reconciles the hpa-class PodAutoscalers again."
  log "The rest of config/ (RBAC, config map, Service, PodDisruptionBudget) stays; 'kubectl delete -f config/' removes it."
  exit 0
fi

# Decide how config/ gets applied before touching anything, so that a missing
# tool never leaves the cluster without any hpa-class autoscaler.
if [[ -n "${MANIFEST}" ]]; then
  [[ -r "${MANIFEST}" ]] || { echo "cannot read ${MANIFEST}" >&2; exit 1; }
  APPLY=(kubectl apply -f "${MANIFEST}")
elif command -v ko >/dev/null; then
  if [[ -z "${KO_DOCKER_REPO:-}" ]] && ! ${DRY_RUN}; then
    echo "ko needs KO_DOCKER_REPO (the image registry to push to); set it and retry." >&2
    exit 1
  fi
  APPLY=(ko apply -f "${ROOT}/config/")
else
  cat >&2 <<EOF
ko is not on PATH and no --manifest was given: nothing was changed.
Either install ko and run this again (with KO_DOCKER_REPO set), or render the
manifests where ko is available and pass them here:
  KO_DOCKER_REPO=<registry> ko resolve -f config/ > autoscaler-keda.yaml
  $0 --manifest autoscaler-keda.yaml
EOF
  exit 1
fi

if [[ "${NAMESPACE}" != knative-serving ]]; then
  log "note: config/ installs into knative-serving; only the waits use ${NAMESPACE}"
fi

if ! ${DRY_RUN} && ! kubectl get crd scaledobjects.keda.sh >/dev/null 2>&1; then
  log "warning: the ScaledObject CRD (scaledobjects.keda.sh) is missing; install KEDA first"
fi

# 1. Stop Serving's autoscaler-hpa, and wait until none of its pods is left.
if ${DRY_RUN} || k get deployment autoscaler-hpa >/dev/null 2>&1; then
  if ! ${DRY_RUN}; then
    log "autoscaler-hpa has $(k get deployment autoscaler-hpa -o 'jsonpath={.spec.replicas}') replica(s)"
  fi
  log "scaling deployment ${NAMESPACE}/autoscaler-hpa to 0"
  run kubectl -n "${NAMESPACE}" scale deployment autoscaler-hpa --replicas=0
  trap 'echo "autoscaler-hpa is scaled to 0 and autoscaler-keda is not running yet: fix the error above and run this again, or run $0 --rollback." >&2' ERR
  wait_pods_gone autoscaler-hpa
else
  log "no deployment ${NAMESPACE}/autoscaler-hpa: nothing to stop"
fi

# 2. Install autoscaler-keda.
log "applying autoscaler-keda: ${APPLY[*]}"
run "${APPLY[@]}"

# 3. Wait until it is available.
log "waiting for deployment ${NAMESPACE}/autoscaler-keda to be available"
run kubectl -n "${NAMESPACE}" rollout status deployment/autoscaler-keda --timeout="${TIMEOUT}"

trap - ERR

# 4. How to go back, and what can undo the swap.
if ${DRY_RUN}; then
  echo "(dry run: nothing was changed)" >&2
else
  echo "autoscaler-keda now reconciles the hpa-class PodAutoscalers." >&2
fi
cat >&2 <<EOF

To roll back, run
  $0 --rollback
which deletes the autoscaler-keda Deployment, then each ScaledObject it made
with --cascade=orphan, gives its HPA back to the revision's PodAutoscaler
(no HPA is deleted, no revision loses replicas), then runs
'kubectl -n ${NAMESPACE} scale deployment autoscaler-hpa --replicas=1'.

Anything that re-applies Serving's own manifests brings autoscaler-hpa back to
its default replica count, and then both controllers fight over every
hpa-class revision: an upgrade that re-applies serving-hpa.yaml, or the Knative
Operator, which reconciles that Deployment on its own. Without the operator,
delete autoscaler-hpa rather than scaling it, and leave serving-hpa.yaml out
of upgrades:
  kubectl -n ${NAMESPACE} delete deployment autoscaler-hpa
With the operator (which would recreate a deleted Deployment), pin it to zero
replicas in the KnativeServing resource:
  spec:
    workloads:            # 'deployments' in older operator releases
    - name: autoscaler-hpa
      replicas: 0
Old operator releases apply a replicas override only when it is above 0; check
with 'kubectl -n ${NAMESPACE} get deployment autoscaler-hpa' afterwards.
EOF

#!/usr/bin/env bash
# Build the local control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok) from Go modules into a cache outside the repo,
# keyed by version. Idempotent: a finished build is reused at once.
#
# Prints the bin directory on its last line of stdout; progress goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

cache=${NBCTL_CACHE:-$HOME/.cache/jupyter-nbctl}
key="k8s-${K8S_VERSION}_kwok-${KWOK_VERSION}"
out="$cache/controlplane/$key"
bin="$out/bin"
tools=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok)

say() { printf '[build-control-plane %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

command -v go >/dev/null || { say "Go is not installed; install Go >= 1.26"; exit 1; }
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod
export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build"

# Istio's CRDs, for the routing tests: no build, only the module's YAML.
istio="$cache/istio-api-$ISTIO_API_VERSION/customresourcedefinitions.gen.yaml"
if [[ ! -f "$istio" ]]; then
  say "fetching Istio's CRDs from istio.io/api $ISTIO_API_VERSION"
  dir=$(cd /tmp && go mod download -json "istio.io/api@$ISTIO_API_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  mkdir -p "$(dirname "$istio")"
  cp "$dir/kubernetes/customresourcedefinitions.gen.yaml" "$istio"
fi

if [[ -f "$out/.done" ]]; then
  say "cached: $bin"
  echo "$bin"
  exit 0
fi
mkdir -p "$bin" "$out/src"
minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean"
done
flags=(-trimpath -tags=selinux,notest,grpcnotrace -ldflags "$ldflags")

staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go
  cloud-provider cluster-bootstrap code-generator component-base component-helpers
  controller-manager cri-api cri-client cri-streaming csi-translation-lib
  dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
  kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
  mount-utils pod-security-admission sample-apiserver sample-cli-plugin
  sample-controller streaming)

cd "$out/src"
if [[ ! -f go.mod ]]; then
  say "writing the consumer module for Kubernetes $K8S_VERSION"
  go mod init nbctl.local/controlplane >/dev/null 2>&1
  go mod edit -go=1.26.0
  for m in "${staging[@]}"; do
    go mod edit -replace="k8s.io/$m=k8s.io/$m@$K8S_STAGING_VERSION"
  done
  go mod edit -replace="k8s.io/kubernetes=k8s.io/kubernetes@$K8S_VERSION"
fi
if ! grep -q '^tool' go.mod; then
  say "resolving modules (first run downloads about 1 GB)"
  go get -tool \
    "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" \
    "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION"
  # etcd at the version k8s.io/apiserver requires, from the same graph.
  etcd_version=$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
  go get -tool "go.etcd.io/etcd/server/v3@$etcd_version"
fi

say "compiling; the first build of all six takes about 8 minutes on 2 cores (measured)"
for t in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  if [[ ! -x "$bin/$t" ]]; then
    say "building $t"
    go build "${flags[@]}" -o "$bin/$t.tmp" "k8s.io/kubernetes/cmd/$t"
    mv "$bin/$t.tmp" "$bin/$t"
  fi
done
if [[ ! -x "$bin/etcd" ]]; then
  say "building etcd"
  go build "${flags[@]}" -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$bin/etcd.tmp" "$bin/etcd"
fi
if [[ ! -x "$bin/kwok" ]]; then
  say "building kwok $KWOK_VERSION"
  GOBIN="$out/kwok-bin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv "$out/kwok-bin/kwok" "$bin/kwok"
fi
# kwok needs its stage definitions; keep them beside the binary.
kwok_src="$GOMODCACHE/sigs.k8s.io/kwok@$KWOK_VERSION"
mkdir -p "$out/kwok-stages"
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
         pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  cp "$kwok_src/kustomize/stage/$f" "$out/kwok-stages/$(basename "$f")"
done
chmod -R u+w "$out/kwok-stages"

for t in "${tools[@]}"; do [[ -x "$bin/$t" ]] || { say "missing $t"; exit 1; }; done
touch "$out/.done"
say "done: $bin"
echo "$bin"

#!/usr/bin/env bash
# Build the real node's parts (kubelet, containerd, runc, the CNI plugins,
# crictl), the gateway (Traefik) and the volume provisioner (local-path), from Go modules, into a cache outside the
# repo keyed by version. Each part is built once and reused at once after.
#
# Prints the bin directory on its last line of stdout; progress goes to stderr.
# Usage: build-node.sh [part ...]   (default: every part)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

cache=${NBCTL_CACHE:-$HOME/.cache/jupyter-nbctl}
bin="$cache/node/bin"
mkdir -p "$bin"

say() { printf '[build-node %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

command -v go >/dev/null || { say "Go is not installed; install Go >= 1.26"; exit 1; }
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod
export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build"

# A part is done when its stamp, named by its version, exists beside the binaries.
done_stamp() { echo "$bin/.$1-$2"; }
is_built() { [[ -f "$(done_stamp "$1" "$2")" ]]; }
mark_built() { touch "$(done_stamp "$1" "$2")"; }

# A module's source, copied out of the read-only module cache so that its own
# go.mod (replace directives included) governs the build.
module_copy() {
  local module=$1 version=$2 dest=$3 dir
  if [[ ! -f "$dest/go.mod" ]]; then
    dir=$(cd /tmp && go mod download -json "$module@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    rm -rf "$dest.tmp" && mkdir -p "$(dirname "$dest")"
    cp -r "$dir" "$dest.tmp" && chmod -R u+w "$dest.tmp" && mv "$dest.tmp" "$dest"
  fi
  echo "$dest"
}

build_kubelet() {
  is_built kubelet "$K8S_VERSION" && return
  say "building kubelet $K8S_VERSION (about 3 min on 2 cores after the control plane, 7 min alone)"
  local src="$cache/node/src/kubelet-$K8S_VERSION"
  mkdir -p "$src" && cd "$src"
  if [[ ! -f go.mod ]]; then
    go mod init nbctl.local/node >/dev/null 2>&1
    go mod edit -go=1.26.0
    local m
    for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go \
      cloud-provider cluster-bootstrap code-generator component-base component-helpers \
      controller-manager cri-api cri-client cri-streaming csi-translation-lib \
      dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator \
      kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics \
      mount-utils pod-security-admission sample-apiserver sample-cli-plugin \
      sample-controller streaming; do
      go mod edit -replace="k8s.io/$m=k8s.io/$m@$K8S_STAGING_VERSION"
    done
    go mod edit -replace="k8s.io/kubernetes=k8s.io/kubernetes@$K8S_VERSION"
    go get -tool "k8s.io/kubernetes/cmd/kubelet@$K8S_VERSION"
  fi
  local minor=${K8S_VERSION#v1.} ldflags="-s -w" pkg
  minor=${minor%%.*}
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean"
  done
  go build -trimpath -tags=selinux,notest,grpcnotrace -ldflags "$ldflags" -o "$bin/kubelet.tmp" \
    k8s.io/kubernetes/cmd/kubelet
  mv "$bin/kubelet.tmp" "$bin/kubelet"
  # The pause container's C source ships in the same module; images.sh compiles it.
  local kdir
  kdir=$(go list -m -f '{{.Dir}}' k8s.io/kubernetes)
  cp "$kdir/build/pause/linux/pause.c" "$bin/pause.c" && chmod u+w "$bin/pause.c"
  mark_built kubelet "$K8S_VERSION"
}

build_containerd() {
  is_built containerd "$CONTAINERD_VERSION" && return
  say "building containerd $CONTAINERD_VERSION (about 2 min on 2 cores)"
  local src
  src=$(module_copy github.com/containerd/containerd/v2 "$CONTAINERD_VERSION" \
    "$cache/node/src/containerd-$CONTAINERD_VERSION")
  cd "$src"
  local t
  for t in containerd containerd-shim-runc-v2 ctr; do
    go build -trimpath -tags=no_btrfs,no_devmapper,no_zfs,urfave_cli_no_docs -ldflags "-s -w \
      -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" \
      -o "$bin/$t.tmp" "./cmd/$t"
    mv "$bin/$t.tmp" "$bin/$t"
  done
  mark_built containerd "$CONTAINERD_VERSION"
}

build_runc() {
  is_built runc "$RUNC_VERSION" && return
  command -v pkg-config >/dev/null && pkg-config --exists libseccomp || {
    say "runc needs libseccomp-dev and pkg-config: apt-get install -y libseccomp-dev pkg-config"
    exit 1
  }
  say "building runc $RUNC_VERSION (cgo, seccomp; under a minute)"
  local src
  src=$(module_copy github.com/opencontainers/runc "$RUNC_VERSION" "$cache/node/src/runc-$RUNC_VERSION")
  cd "$src"
  CGO_ENABLED=1 go build -trimpath -buildmode=pie -tags=seccomp \
    -ldflags "-s -w -X main.version=${RUNC_VERSION#v}" -o "$bin/runc.tmp" .
  mv "$bin/runc.tmp" "$bin/runc"
  mark_built runc "$RUNC_VERSION"
}

build_cni() {
  is_built cni "$CNI_PLUGINS_VERSION" && return
  say "building the CNI plugins $CNI_PLUGINS_VERSION (bridge, host-local, loopback)"
  mkdir -p "$bin/cni"
  local p
  for p in main/bridge ipam/host-local main/loopback; do
    GOBIN="$bin/cni" go install -trimpath -ldflags "-s -w" \
      "github.com/containernetworking/plugins/plugins/$p@$CNI_PLUGINS_VERSION"
  done
  mark_built cni "$CNI_PLUGINS_VERSION"
}

build_crictl() {
  is_built crictl "$CRICTL_VERSION" && return
  say "building crictl $CRICTL_VERSION"
  local src
  src=$(module_copy sigs.k8s.io/cri-tools "$CRICTL_VERSION" "$cache/node/src/cri-tools-$CRICTL_VERSION")
  cd "$src"
  go build -trimpath -ldflags "-s -w" -o "$bin/crictl.tmp" ./cmd/crictl
  mv "$bin/crictl.tmp" "$bin/crictl"
  mark_built crictl "$CRICTL_VERSION"
}

build_traefik() {
  is_built traefik "$TRAEFIK_VERSION" && return
  say "building Traefik $TRAEFIK_VERSION (about 9 min on 2 cores, cold)"
  local src
  src=$(module_copy github.com/traefik/traefik/v3 "$TRAEFIK_VERSION" "$cache/node/src/traefik-$TRAEFIK_VERSION")
  cd "$src"
  go build -trimpath -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" \
    -o "$bin/traefik.tmp" ./cmd/traefik
  mv "$bin/traefik.tmp" "$bin/traefik"
  # The Gateway API CRDs at the version Traefik is built against.
  local gw dir
  gw=$(go list -m -f '{{.Version}}' sigs.k8s.io/gateway-api)
  dir=$(go list -m -f '{{.Dir}}' sigs.k8s.io/gateway-api)
  mkdir -p "$bin/gateway-api-crds"
  cp "$dir/config/crd/standard/"*.yaml "$bin/gateway-api-crds/"
  chmod -R u+w "$bin/gateway-api-crds"
  echo "$gw" >"$bin/gateway-api-crds/VERSION"
  mark_built traefik "$TRAEFIK_VERSION"
}

build_localpath() {
  is_built local-path-provisioner "$LOCAL_PATH_VERSION" && return
  say "building local-path-provisioner $LOCAL_PATH_VERSION"
  local src
  src=$(module_copy github.com/rancher/local-path-provisioner "$LOCAL_PATH_VERSION" \
    "$cache/node/src/local-path-provisioner-$LOCAL_PATH_VERSION")
  cd "$src"
  go build -trimpath -ldflags "-s -w -X main.VERSION=$LOCAL_PATH_VERSION" \
    -o "$bin/local-path-provisioner.tmp" .
  mv "$bin/local-path-provisioner.tmp" "$bin/local-path-provisioner"
  mark_built local-path-provisioner "$LOCAL_PATH_VERSION"
}

parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(runc cni crictl containerd kubelet traefik localpath)
for part in "${parts[@]}"; do
  "build_$part"
done
say "done: $bin"
echo "$bin"

# shellcheck shell=bash
# Kubernetes control plane: kube-apiserver and kube-controller-manager built from the
# k8s.io/kubernetes Go module at $K8S_VERSION, kwok (sigs.k8s.io/kwok) at $KWOK_VERSION for fake
# nodes on which Pods become Running and Ready (there is no kubelet and no container runtime),
# and Istio's CRDs. Needs the etcd component running (stage 2 of testenv/up).

KUBE_BIN_DIR="$SHOPMESH_CACHE/kube/$K8S_VERSION/bin"
KWOK_BIN_DIR="$SHOPMESH_CACHE/kwok/$KWOK_VERSION/bin"
KUBE_DATA_DIR="$DATA_DIR/kube"
KUBE_PKI_DIR="$KUBE_DATA_DIR/pki"
KUBE_KUBECONFIG="$TESTENV_HOME/kubeconfig"
KUBE_CONTEXT=shopmesh-test
KUBE_URL="https://$TESTENV_HOST:$PORT_KUBE_APISERVER"
KUBE_ETCD_PREFIX=/shopmesh-registry
KUBE_SERVICE_CIDR=10.96.0.0/16
KUBE_FAKE_NODES=(kwok-node-0 kwok-node-1)
KUBE_ISTIO_CRDS="$PROJECT_ROOT/../shared/corpus/istio_crd-all.gen.yaml"

kube_go() {
  local go
  go=$(command -v go 2>/dev/null) || go=/usr/local/go/bin/go
  [[ -x $go ]] || die kube "no Go toolchain found (put go on PATH; go.mod of $K8S_VERSION needs Go >= 1.24)"
  echo "$go"
}

# kube_build_k8s: kube-apiserver and kube-controller-manager from the k8s.io/kubernetes module.
# Its go.mod points the staging modules (k8s.io/api, k8s.io/client-go, ...) at ./staging, which a
# module consumer cannot use: a throwaway module replaces each by its published v0.MINOR.PATCH.
kube_build_k8s() {
  local go=$1 build="$SHOPMESH_CACHE/kube/build-$K8S_VERSION" gomod staging ldflags key
  local staging_version="v0.${K8S_VERSION#v1.}"
  local logfile="$LOG_DIR/kube-build.log"
  rm -rf "$build" && mkdir -p "$build"
  log "kube: building kube-apiserver, kube-controller-manager $K8S_VERSION (many minutes; log $logfile)"
  (
    cd "$build"
    gomod=$("$go" mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
    [[ -f $gomod ]] || { echo "cannot download k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
    staging=$(sed -n 's#^\s*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$gomod")
    [[ -n $staging ]] || { echo "no staging replaces found in $gomod"; exit 1; }
    {
      echo "module shopmesh.local/kube-build"
      echo
      sed -n 's/^go .*/&/p' "$gomod"
      echo
      echo "require k8s.io/kubernetes $K8S_VERSION"
      echo
      echo "replace ("
      for key in $staging; do printf '\t%s => %s %s\n' "$key" "$key" "$staging_version"; done
      echo ")"
    } >go.mod
    cat go.mod
    "$go" get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION"
    ldflags="-s -w"
    local major=${K8S_VERSION#v} minor
    minor=${major#*.}; minor=${minor%%.*}; major=${major%%.*}
    for key in client-go/pkg/version component-base/version; do
      ldflags+=" -X k8s.io/$key.gitVersion=$K8S_VERSION -X k8s.io/$key.gitMajor=$major"
      ldflags+=" -X k8s.io/$key.gitMinor=$minor -X k8s.io/$key.gitTreeState=clean"
      ldflags+=" -X k8s.io/$key.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    done
    mkdir -p "$build/bin"
    for cmd in kube-apiserver kube-controller-manager; do
      echo "=== go build $cmd"
      "$go" build -p 2 -ldflags="$ldflags" -o "$build/bin/$cmd" "k8s.io/kubernetes/cmd/$cmd"
    done
  ) >>"$logfile" 2>&1 || die kube-build "building k8s.io/kubernetes $K8S_VERSION failed"
  mkdir -p "$(dirname "$KUBE_BIN_DIR")"
  rm -rf "$KUBE_BIN_DIR" && mv "$build/bin" "$KUBE_BIN_DIR" && rm -rf "$build"
}

# kube_build_kwok: kwok's own go.mod needs no replaces; go install builds it as published.
kube_build_kwok() {
  local go=$1 logfile="$LOG_DIR/kube-build.log" tmp="$SHOPMESH_CACHE/kwok/build-$KWOK_VERSION"
  log "kube: building kwok $KWOK_VERSION (log $logfile)"
  rm -rf "$tmp" && mkdir -p "$tmp"
  GOBIN="$tmp" "$go" install -ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >>"$logfile" 2>&1 ||
    die kube-build "building sigs.k8s.io/kwok $KWOK_VERSION failed"
  rm -rf "$KWOK_BIN_DIR" && mv "$tmp" "$KWOK_BIN_DIR"
}

kube_install() {
  command -v openssl >/dev/null || apt_ensure openssl || die kube "cannot install openssl"
  command -v kubectl >/dev/null || die kube "kubectl is not installed (it applies the fake nodes and Istio's CRDs)"
  [[ -x $KUBE_BIN_DIR/kube-apiserver && -x $KUBE_BIN_DIR/kube-controller-manager && -x $KWOK_BIN_DIR/kwok ]] && return 0
  local go
  go=$(kube_go)
  mkdir -p "$SHOPMESH_CACHE/kube" "$SHOPMESH_CACHE/kwok"
  # One build at a time, even from parallel runs of testenv/up.
  exec 8>"$SHOPMESH_CACHE/kube/.build.lock"
  flock 8
  export GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0
  [[ -x $KUBE_BIN_DIR/kube-apiserver && -x $KUBE_BIN_DIR/kube-controller-manager ]] || kube_build_k8s "$go"
  [[ -x $KWOK_BIN_DIR/kwok ]] || kube_build_kwok "$go"
  flock -u 8
  exec 8>&-
}

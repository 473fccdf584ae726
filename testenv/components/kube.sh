# shellcheck shell=bash
# Kubernetes control plane: kube-apiserver, kube-controller-manager and kube-scheduler built from
# the k8s.io/kubernetes Go module at $K8S_VERSION, kwok (sigs.k8s.io/kwok) at $KWOK_VERSION for
# fake nodes on which Pods become Running and Ready (no kubelet and no container runtime there: no
# container runs, no logs, no exec), and Istio's CRDs (no Istio control or data plane). The real
# node, where containers do run, is the node component (node.sh); its kubelet and kube-proxy come
# from the same module and build (kube_build_commands).
# Needs the etcd component running (stage 2 of testenv/up).

KUBE_BIN_DIR="$SHOPMESH_CACHE/kube/$K8S_VERSION/bin"
# kube-scheduler too: without it no Pod gets a node, and kwok only plays Pods bound to its nodes.
KUBE_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler)
KWOK_BIN_DIR="$SHOPMESH_CACHE/kwok/$KWOK_VERSION/bin"
KUBE_DATA_DIR="$DATA_DIR/kube"
KUBE_PKI_DIR="$KUBE_DATA_DIR/pki"
KUBE_KUBECONFIG="$TESTENV_HOME/kubeconfig"
KUBE_CONTEXT=shopmesh-test
KUBE_URL="https://$TESTENV_HOST:$PORT_KUBE_APISERVER"
KUBE_ETCD_PREFIX=/shopmesh-registry
KUBE_SERVICE_CIDR=10.96.0.0/16
KUBE_FAKE_NODES=(kwok-node-0 kwok-node-1)
# Not in lib.sh's port list yet; the scheduler's secure port (health checks only).
KUBE_ISTIO_CRDS="$PROJECT_ROOT/../shared/corpus/istio_crd-all.gen.yaml"

kube_go() {
  local go
  go=$(command -v go 2>/dev/null) || go=/usr/local/go/bin/go
  [[ -x $go ]] || die kube "no Go toolchain found (put go on PATH; go.mod of $K8S_VERSION needs Go >= 1.24)"
  echo "$go"
}

# kube_build_k8s GO COMMAND...: commands of the k8s.io/kubernetes module (the control plane's, and
# the node's kubelet and kube-proxy). Its go.mod points the staging modules (k8s.io/api,
# k8s.io/client-go, ...) at ./staging, which a module consumer cannot use: a throwaway module
# replaces each by its published v0.MINOR.PATCH. Only the missing commands are built.
kube_build_k8s() {
  local go=$1 build="$SHOPMESH_CACHE/kube/build-$K8S_VERSION" gomod staging ldflags key cmd
  local staging_version="v0.${K8S_VERSION#v1.}" logfile="$LOG_DIR/kube-build.log" missing=()
  shift
  for cmd in "$@"; do [[ -x $KUBE_BIN_DIR/$cmd ]] || missing+=("$cmd"); done
  ((${#missing[@]})) || return 0
  rm -rf "$build" && mkdir -p "$build/bin"
  log "kube: building ${missing[*]} $K8S_VERSION (many minutes; log $logfile)"
  (
    cd "$build" || exit 1
    gomod=$("$go" mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
    [[ -f $gomod ]] || { echo "cannot download k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
    staging=$(sed -n 's#^\s*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*#\1#p' "$gomod")
    [[ -n $staging ]] || { echo "no staging replaces found in $gomod"; exit 1; }
    {
      echo "module shopmesh.local/kube-build"
      echo
      grep '^go ' "$gomod"
      echo
      echo "require k8s.io/kubernetes $K8S_VERSION"
      echo
      echo "replace ("
      for key in $staging; do printf '\t%s => %s %s\n' "$key" "$key" "$staging_version"; done
      echo ")"
    } >go.mod || exit 1
    cat go.mod
    # (set -e does not apply inside `( ... ) || die`: each step exits on failure itself.)
    local packages=()
    for cmd in "${missing[@]}"; do packages+=("k8s.io/kubernetes/cmd/$cmd@$K8S_VERSION"); done
    "$go" get "${packages[@]}" || exit 1
    grep -q "^require k8s.io/kubernetes $K8S_VERSION\$" go.mod || { echo "go get moved k8s.io/kubernetes off $K8S_VERSION"; exit 1; }
    # The version the binaries report (kubectl version, /version), as the release build sets it.
    local major=${K8S_VERSION#v} minor
    minor=${major#*.} && minor=${minor%%.*} && major=${major%%.*}
    ldflags="-s -w"
    for key in client-go/pkg/version component-base/version; do
      ldflags+=" -X k8s.io/$key.gitVersion=$K8S_VERSION -X k8s.io/$key.gitMajor=$major"
      ldflags+=" -X k8s.io/$key.gitMinor=$minor -X k8s.io/$key.gitTreeState=clean"
      ldflags+=" -X k8s.io/$key.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    done
    for cmd in "${missing[@]}"; do
      echo "=== go build $cmd ($(date -Is))"
      "$go" build -p 2 -ldflags="$ldflags" -o "$build/bin/$cmd" "k8s.io/kubernetes/cmd/$cmd" || exit 1
    done
    echo "=== done ($(date -Is))"
  ) >>"$logfile" 2>&1 || die kube-build "building k8s.io/kubernetes $K8S_VERSION failed"
  mkdir -p "$KUBE_BIN_DIR"
  for cmd in "${missing[@]}"; do mv "$build/bin/$cmd" "$KUBE_BIN_DIR/$cmd"; done
  rm -rf "$build"
}

# kube_build_kwok: kwok's own go.mod needs no replaces; go install builds it as published.
kube_build_kwok() {
  local go=$1 logfile="$LOG_DIR/kube-build.log" tmp="$SHOPMESH_CACHE/kwok/build-$KWOK_VERSION"
  log "kube: building kwok $KWOK_VERSION (log $logfile)"
  rm -rf "$tmp" && mkdir -p "$tmp"
  GOBIN="$tmp" "$go" install -ldflags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" >>"$logfile" 2>&1 ||
    die kube-build "building sigs.k8s.io/kwok $KWOK_VERSION failed"
  mkdir -p "$(dirname "$KWOK_BIN_DIR")" && rm -rf "$KWOK_BIN_DIR" && mv "$tmp" "$KWOK_BIN_DIR"
}

kube_install() {
  command -v openssl >/dev/null || apt_ensure openssl || die kube "cannot install openssl"
  command -v kubectl >/dev/null || die kube "kubectl is not installed (it applies the fake nodes and Istio's CRDs)"
  local cmd built=true
  for cmd in "${KUBE_COMMANDS[@]}"; do [[ -x $KUBE_BIN_DIR/$cmd ]] || built=false; done
  $built && [[ -x $KWOK_BIN_DIR/kwok ]] && return 0
  local go
  go=$(kube_go)
  mkdir -p "$SHOPMESH_CACHE/kube" "$SHOPMESH_CACHE/kwok"
  # One build at a time, even from parallel runs of testenv/up.
  exec 8>"$SHOPMESH_CACHE/kube/.build.lock"
  flock 8
  export GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0
  kube_build_k8s "$go" "${KUBE_COMMANDS[@]}"
  [[ -x $KWOK_BIN_DIR/kwok ]] || kube_build_kwok "$go"
  flock -u 8
  exec 8>&-
}

# kube_build_commands COMMAND...: builds the missing commands of the k8s.io/kubernetes module (the
# node component's kubelet and kube-proxy), under the same lock and cache as the control plane.
kube_build_commands() {
  local cmd missing=()
  for cmd in "$@"; do [[ -x $KUBE_BIN_DIR/$cmd ]] || missing+=("$cmd"); done
  ((${#missing[@]})) || return 0
  local go
  go=$(kube_go)
  mkdir -p "$SHOPMESH_CACHE/kube"
  exec 8>"$SHOPMESH_CACHE/kube/.build.lock"
  flock 8
  export GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0
  kube_build_k8s "$go" "${missing[@]}"
  flock -u 8
  exec 8>&-
}

# kube_pki: a CA, the apiserver's serving certificate, client certificates, the front proxy's CA
# and client (aggregation layer) and the service account key pair, generated once into
# $KUBE_PKI_DIR (kept across restarts, removed by --wipe). The .complete file holds the layout's
# version: a PKI of an older layout is generated again.
KUBE_PKI_LAYOUT=2
kube_pki() {
  local pki=$KUBE_PKI_DIR
  [[ $(cat "$pki/.complete" 2>/dev/null) == "$KUBE_PKI_LAYOUT" ]] && return 0
  local tmp="$pki.tmp"
  # Daemons running with certificates about to be replaced would no longer trust each other.
  kube_stop
  rm -rf "$tmp" && mkdir -p "$tmp" && chmod 700 "$tmp"
  cat >"$tmp/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
CNF
  # (set -e does not apply inside `( ... ) || die`: each step exits on failure itself.)
  (
    cd "$tmp" || exit 1
    ca() {
      openssl req -config openssl.cnf -x509 -new -nodes -newkey rsa:2048 -sha256 -days 3650 \
        -subj "/CN=$2" -extensions ca -keyout "$1.key" -out "$1.crt"
    }
    # sign CA NAME SUBJECT EXTENSIONS
    sign() {
      openssl req -config openssl.cnf -new -nodes -newkey rsa:2048 -subj "$3" -keyout "$2.key" -out "$2.csr" &&
        openssl x509 -req -in "$2.csr" -CA "$1.crt" -CAkey "$1.key" -set_serial "0x$(openssl rand -hex 16)" \
          -sha256 -days 3650 -extfile openssl.cnf -extensions "$4" -out "$2.crt" &&
        rm -f "$2.csr"
    }
    ca ca shopmesh-test-ca || exit 1
    sign ca apiserver "/CN=kube-apiserver" server || exit 1
    sign ca admin "/O=system:masters/CN=shopmesh-admin" client || exit 1
    sign ca controller-manager "/CN=system:kube-controller-manager" client || exit 1
    sign ca scheduler "/CN=system:kube-scheduler" client || exit 1
    ca front-proxy-ca shopmesh-test-front-proxy-ca || exit 1
    sign front-proxy-ca front-proxy-client "/CN=front-proxy-client" client || exit 1
    openssl genrsa -out sa.key 2048 && openssl rsa -in sa.key -pubout -out sa.pub || exit 1
    chmod 600 ./*.key
  ) >>"$LOG_DIR/kube.log" 2>&1 || die kube "generating certificates with openssl failed"
  echo "$KUBE_PKI_LAYOUT" >"$tmp/.complete"
  rm -rf "$pki" && mv "$tmp" "$pki"
}

# kube_pki_sign NAME SUBJECT: one more client certificate signed by the CA, made once into
# $KUBE_PKI_DIR (the apiserver's client of kubelets, the real node's kubelet and kube-proxy).
kube_pki_sign() {
  local name=$1 subject=$2 pki=$KUBE_PKI_DIR
  [[ -s $pki/$name.crt && -s $pki/$name.key ]] && return 0
  (
    umask 077
    cd "$pki" || exit 1
    openssl req -config openssl.cnf -new -nodes -newkey rsa:2048 -subj "$subject" -keyout "$name.key.tmp" -out "$name.csr" &&
      openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
        -sha256 -days 3650 -extfile openssl.cnf -extensions client -out "$name.crt.tmp" &&
      rm -f "$name.csr" && mv "$name.key.tmp" "$name.key" && mv "$name.crt.tmp" "$name.crt"
  ) >>"$LOG_DIR/kube.log" 2>&1 || die kube "signing the certificate $name with openssl failed"
}

# kube_kubeconfig FILE USER CERT_NAME: a kubeconfig with everything embedded (works if copied).
kube_kubeconfig() (
  local file=$1 user=$2 cert=$3
  umask 077
  cat >"$file.tmp" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: $KUBE_CONTEXT
  cluster:
    server: $KUBE_URL
    certificate-authority-data: $(base64 -w0 "$KUBE_PKI_DIR/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$KUBE_PKI_DIR/$cert.crt")
    client-key-data: $(base64 -w0 "$KUBE_PKI_DIR/$cert.key")
contexts:
- name: $KUBE_CONTEXT
  context:
    cluster: $KUBE_CONTEXT
    user: $user
    namespace: default
current-context: $KUBE_CONTEXT
KCFG
  mv "$file.tmp" "$file"
)

kube_kubectl() { kubectl --kubeconfig "$KUBE_KUBECONFIG" --request-timeout=20s "$@"; }

kube_apiserver_ready() {
  [[ $(curl -sS --max-time 3 --cacert "$KUBE_PKI_DIR/ca.crt" --cert "$KUBE_PKI_DIR/admin.crt" \
    --key "$KUBE_PKI_DIR/admin.key" "$KUBE_URL/readyz" 2>/dev/null) == ok ]]
}
kube_controller_manager_healthy() {
  [[ $(curl -sS --max-time 3 -k "https://$TESTENV_HOST:$PORT_KUBE_CONTROLLER_MANAGER/healthz" 2>/dev/null) == ok ]]
}
kube_scheduler_healthy() {
  [[ $(curl -sS --max-time 3 -k "https://$TESTENV_HOST:$PORT_KUBE_SCHEDULER/healthz" 2>/dev/null) == ok ]]
}
kube_kwok_healthy() {
  [[ $(curl -sS --max-time 3 "http://$TESTENV_HOST:$PORT_KWOK/healthz" 2>/dev/null) == ok ]]
}
kube_nodes_ready() {
  local node status
  for node in "${KUBE_FAKE_NODES[@]}"; do
    status=$(kube_kubectl get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) || return 1
    [[ $status == True ]] || return 1
  done
}

# kube_fake_nodes: Node objects that kwok (not a kubelet) keeps Ready and runs Pods on. Their
# status (addresses, capacity, versions) is given at creation; kwok's node-initialize stage keeps it.
kube_fake_nodes() {
  local i node manifest=""
  for i in "${!KUBE_FAKE_NODES[@]}"; do
    node=${KUBE_FAKE_NODES[$i]}
    manifest+="---
apiVersion: v1
kind: Node
metadata:
  name: $node
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: \"0\"
  labels:
    type: kwok
    kubernetes.io/hostname: $node
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: \"\"
spec:
  podCIDR: 10.244.$i.0/24
  podCIDRs: [10.244.$i.0/24]
status:
  addresses:
  - {type: InternalIP, address: 10.240.0.$((10 + i))}
  - {type: Hostname, address: $node}
  allocatable: {cpu: \"32\", memory: 64Gi, pods: \"110\"}
  capacity: {cpu: \"32\", memory: 64Gi, pods: \"110\"}
  nodeInfo:
    kubeletVersion: $K8S_VERSION
    osImage: kwok fake node (no kubelet)
    architecture: amd64
    operatingSystem: linux
"
  done
  printf '%s' "$manifest" | kube_kubectl apply --server-side --field-manager=shopmesh-testenv -f - >>"$LOG_DIR/kube.log" 2>&1 ||
    die kube "creating the fake nodes failed"
}

# kube_istio_crds: Istio's CRDs (no Istio control or data plane runs here), applied again only
# when the file changed or they are missing.
kube_istio_crds() {
  [[ -f $KUBE_ISTIO_CRDS ]] || die kube "Istio's CRDs not found at $KUBE_ISTIO_CRDS"
  local sum stamp="$KUBE_DATA_DIR/istio-crds.sha256"
  sum=$(sha256sum <"$KUBE_ISTIO_CRDS" | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$sum" ]] &&
    kube_kubectl get crd virtualservices.networking.istio.io >/dev/null 2>&1; then
    return 0
  fi
  log "kube: applying Istio's CRDs"
  kube_kubectl apply --server-side --force-conflicts --field-manager=shopmesh-testenv -f "$KUBE_ISTIO_CRDS" \
    >>"$LOG_DIR/kube.log" 2>&1 || die kube "applying Istio's CRDs from $KUBE_ISTIO_CRDS failed"
  kube_kubectl wait --for=condition=Established --timeout=60s -f "$KUBE_ISTIO_CRDS" >>"$LOG_DIR/kube.log" 2>&1 ||
    die kube "Istio's CRDs not Established after 60s"
  echo "$sum" >"$stamp"
}

kube_start() {
  curl -fsS --max-time 3 "http://127.0.0.1:$PORT_ETCD/health" >/dev/null 2>&1 ||
    die kube "etcd does not answer on 127.0.0.1:$PORT_ETCD (testenv/up etcd kube)"
  mkdir -p "$KUBE_DATA_DIR"
  : >>"$LOG_DIR/kube.log"
  kube_pki
  kube_kubeconfig "$KUBE_KUBECONFIG" shopmesh-admin admin
  kube_kubeconfig "$KUBE_DATA_DIR/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
  kube_kubeconfig "$KUBE_DATA_DIR/scheduler.kubeconfig" system:kube-scheduler scheduler
  local pki=$KUBE_PKI_DIR
  # The apiserver's identity towards kubelets (logs, exec, port-forward of the real node's pods).
  kube_pki_sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"

  # The endpoint reconciler is off: a loopback address may not be published as an endpoint of
  # the `kubernetes` Service, and nothing here runs inside the cluster network.
  # Kubelets are reached at their InternalIP (the real node's veth address; a Hostname would not
  # resolve), as the apiserver-kubelet-client identity.
  local apiserver_args=("$KUBE_BIN_DIR/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$PORT_ETCD" --etcd-prefix="$KUBE_ETCD_PREFIX" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$PORT_KUBE_APISERVER" \
    --cert-dir="$KUBE_DATA_DIR/apiserver-certs" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --requestheader-client-ca-file="$pki/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$pki/front-proxy-client.crt" --proxy-client-key-file="$pki/front-proxy-client.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --api-audiences=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="$KUBE_SERVICE_CIDR" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --kubelet-preferred-address-types=InternalIP,Hostname,InternalDNS,ExternalDNS,ExternalIP \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --endpoint-reconciler-type=none --profiling=false --v=1)
  local pid
  # A running apiserver started with other flags (an older testenv) is restarted with these.
  if pid=$(pid_of kube-apiserver) && [[ $(tr '\0' '\n' <"/proc/$pid/cmdline") != "$(printf '%s\n' "${apiserver_args[@]}")" ]]; then
    log "kube: restarting kube-apiserver with changed flags"
    stop_daemon kube-apiserver
  fi
  start_daemon kube-apiserver "--secure-port=$PORT_KUBE_APISERVER" "${apiserver_args[@]}"
  wait_until kube-apiserver 180 kube_apiserver_ready

  start_daemon kube-controller-manager "--secure-port=$PORT_KUBE_CONTROLLER_MANAGER" \
    "$KUBE_BIN_DIR/kube-controller-manager" \
    --kubeconfig="$KUBE_DATA_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$KUBE_DATA_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$KUBE_DATA_DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$PORT_KUBE_CONTROLLER_MANAGER" \
    --cert-dir="$KUBE_DATA_DIR/controller-manager-certs" \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --use-service-account-credentials=true --controllers='*' --leader-elect=false \
    --service-cluster-ip-range="$KUBE_SERVICE_CIDR" --allocate-node-cidrs=false \
    --cluster-name=shopmesh-test --profiling=false --v=1
  wait_until kube-controller-manager 90 kube_controller_manager_healthy

  start_daemon kube-scheduler "--secure-port=$PORT_KUBE_SCHEDULER" "$KUBE_BIN_DIR/kube-scheduler" \
    --kubeconfig="$KUBE_DATA_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$KUBE_DATA_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig="$KUBE_DATA_DIR/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$PORT_KUBE_SCHEDULER" \
    --cert-dir="$KUBE_DATA_DIR/scheduler-certs" --leader-elect=false --profiling=false --v=1
  wait_until kube-scheduler 60 kube_scheduler_healthy

  # HOME: kwok also reads ~/.kwok/kwok.yaml; its own empty home keeps its built-in stages
  # (node-fast, node heartbeat, pod-fast) the only configuration. Node leases: without them
  # the node-lifecycle controller marks the fake nodes NotReady after its grace period and
  # sets every Pod's Ready condition to False, which kwok never sets back.
  mkdir -p "$KUBE_DATA_DIR/kwok-home"
  start_daemon kwok "--server-address=127.0.0.1:$PORT_KWOK" \
    env HOME="$KUBE_DATA_DIR/kwok-home" "$KWOK_BIN_DIR/kwok" \
    --kubeconfig="$KUBE_KUBECONFIG" --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --manage-nodes-with-label-selector=type=kwok \
    --server-address="127.0.0.1:$PORT_KWOK" --cidr=10.244.0.0/16 --node-lease-duration-seconds=40
  wait_until kwok 60 kube_kwok_healthy

  kube_nodes_ready || {
    kube_fake_nodes
    wait_until kwok 60 kube_nodes_ready
  }
  kube_istio_crds
  env_fragment kube "SHOPMESH_KUBECONFIG=$KUBE_KUBECONFIG" "KUBE_APISERVER_URL=$KUBE_URL"
}

kube_stop() {
  stop_daemon kwok
  stop_daemon kube-scheduler
  stop_daemon kube-controller-manager
  stop_daemon kube-apiserver
}

kube_address() { echo "$KUBE_URL"; }
kube_check() { kube_apiserver_ready && kube_nodes_ready; }

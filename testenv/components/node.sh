# shellcheck shell=bash
# A real Kubernetes worker node joined to the test control plane: containerd + runc (Debian's, an
# instance of their own), the reference CNI plugins (Debian's), kubelet and kube-proxy (iptables
# mode) built from the same k8s.io/kubernetes module as the control plane, CoreDNS serving
# cluster.local, and a NetworkPolicy enforcer (kube-network-policies where the kernel has the
# nftables `queue` expression, else kube-router's firewall controller alone: iptables + ipset).
#
# Containment: everything of the node runs inside a network namespace ($NODE_NETNS) and a mount
# namespace that this component creates. The host keeps its interfaces, routes, firewall rules and
# mounts: it only gains the host end of one veth ($NODE_HOST_IF, $NODE_HOST_IP) and a forwarder
# from that address to the loopback API server. The node's namespace has no default route, so no
# packet addressed to a pod, a Service or the node leaves the namespaces made here. Its iptables
# rules, ipsets, CNI network namespaces, container mounts, /run/containerd and /var/log live and
# die with those namespaces; pods run in the cgroup subtree $NODE_CGROUP_ROOT. `testenv/down`
# (node_stop) removes all of it; `up` after a crash tears down what is left and starts afresh.
# Needs the kube (API server) and docker (to build the pause image and hand images over) components.

NODE_NAME=shopmesh-node
NODE_LABEL=shopmesh.dev/real-node
NODE_NETNS=shopmesh-node
NODE_HOST_IF=shopmesh-node0
# Node link, pods and Services: ranges of their own, checked against the host's routes at start.
NODE_HOST_IP=10.231.0.1
NODE_IP=10.231.0.2
NODE_LINK_CIDR=10.231.0.0/30
NODE_POD_CIDR=10.245.0.0/24
NODE_POD_GATEWAY=10.245.0.1
NODE_CLUSTER_CIDR=10.245.0.0/16
NODE_BRIDGE=smcni0
NODE_DNS_IP=10.96.0.10
# kube-apiserver's --service-cluster-ip-range (KUBE_SERVICE_CIDR of kube.sh).
NODE_SERVICE_CIDR=10.96.0.0/16
NODE_CGROUP_ROOT=shopmesh-node

NODE_RUN="$RUN_DIR/node"
NODE_NS_DIR="$NODE_RUN/ns"
NODE_MNT_NS="$NODE_NS_DIR/mnt"
NODE_NET_NS="/run/netns/$NODE_NETNS"
NODE_CONF="$DATA_DIR/node/conf"
NODE_CONTAINERD_ROOT="$DATA_DIR/node/containerd"
NODE_CONTAINERD_SOCKET="$NODE_RUN/containerd.sock"
NODE_CTR=/usr/bin/ctr
NODE_CACHE="$SHOPMESH_CACHE/node"
NODE_PAUSE_IMAGE="shopmesh.local/pause:$K8S_VERSION"
NODE_COREDNS_BIN="$NODE_CACHE/coredns-$COREDNS_VERSION/coredns"
# The patches' content in the path: a changed patch builds again.
NODE_KUBE_ROUTER_BIN="$NODE_CACHE/kube-router-$KUBE_ROUTER_VERSION-$(cat "$TESTENV_ROOT"/patches/kube-router-"$KUBE_ROUTER_VERSION"-*.patch 2>/dev/null | sha256sum | cut -c1-12)/kube-router"
NODE_KNP_BIN="$NODE_CACHE/kube-network-policies-$KUBE_NETWORK_POLICIES_VERSION/kube-network-policies"
NODE_PAUSE_BIN="$NODE_CACHE/pause-$K8S_VERSION/pause"
# Daemons in stop order: kubelet first (it would restart what is killed under it).
NODE_DAEMONS=(node-kubelet node-kube-proxy node-enforcer node-coredns node-containerd node-apiserver-proxy node-apiserver-link)

# Where the environment's kube-apiserver listens (loopback only); reached from the node through
# a forwarder pair: node 127.0.0.1:PORT -> host $NODE_HOST_IP:PORT -> host 127.0.0.1:PORT, so that
# every node process uses the same URL and certificate names (IP:127.0.0.1) as the host does.
NODE_APISERVER_URL="https://127.0.0.1:$PORT_KUBE_APISERVER"

node_kubectl() { kubectl --kubeconfig "$TESTENV_HOME/kubeconfig" --request-timeout=20s "$@"; }

# node_in CMD...: CMD inside the node's network and mount namespaces (NODE_IN: the same prefix for
# start_daemon, which runs commands, not functions).
NODE_IN=(nsenter --net="$NODE_NET_NS" --mount="$NODE_MNT_NS" --)
node_in() { "${NODE_IN[@]}" "$@"; }
node_in_net() { nsenter --net="$NODE_NET_NS" -- "$@"; }

node_ctr() { "$NODE_CTR" -a "$NODE_CONTAINERD_SOCKET" -n k8s.io "$@"; }

# ---------------------------------------------------------------------------------------------
# install: Debian packages, the node's commands of k8s.io/kubernetes, CoreDNS, the enforcer, pause

node_go_build() {
  # node_go_build NAME OUT MODULE@VERSION MAIN_GO|- PACKAGE: a throwaway module that requires the
  # published module and builds one package of it (or the given main.go).
  local name=$1 out=$2 module=$3 main=$4 package=$5 logfile="$LOG_DIR/node-build.log"
  local build="$NODE_CACHE/build-$name" go
  go=$(command -v go 2>/dev/null) || go=/usr/local/go/bin/go
  [[ -x $go ]] || die node "no Go toolchain found to build $name"
  log "node: building $name ($module; log $logfile)"
  rm -rf "$build" && mkdir -p "$build"
  (
    cd "$build" || exit 1
    export GOFLAGS="-trimpath -buildvcs=false -mod=mod" CGO_ENABLED=0
    "$go" mod init "shopmesh.local/build-$name" || exit 1
    if [[ $main != - ]]; then printf '%s\n' "$main" >main.go; fi
    "$go" get "$module" || exit 1
    [[ $main == - ]] || "$go" mod tidy || exit 1
    echo "=== go build $name ($(date -Is))"
    "$go" build -p 2 -ldflags="-s -w" -o "$build/out" "$package" || exit 1
    echo "=== done ($(date -Is))"
  ) >>"$logfile" 2>&1 || die node-build "building $name from $module failed"
  mkdir -p "$(dirname "$out")" && mv "$build/out" "$out" && rm -rf "$build"
}

# kube-router's published source with testenv/patches/kube-router-*.patch applied, built by its
# own go.mod. The patch: a pod's traffic to itself (through its own Service) is judged by the pod's
# ingress policies. Unpatched, kube-router evaluates both directions of such a packet in the pod's
# one chain, where the default egress verdict accepts it whatever the ingress policies say; kind's
# kube-network-policies applies them (the NetworkPolicy API counts that traffic as ingress).
node_build_kube_router() {
  local module="github.com/cloudnativelabs/kube-router/v2@$KUBE_ROUTER_VERSION" logfile="$LOG_DIR/node-build.log"
  local build="$NODE_CACHE/build-kube-router" go dir patch
  go=$(command -v go 2>/dev/null) || go=/usr/local/go/bin/go
  log "node: building kube-router ($module with testenv/patches; log $logfile)"
  rm -rf "$build" && mkdir -p "$build"
  (
    export GOFLAGS="-trimpath -buildvcs=false" CGO_ENABLED=0
    dir=$("$go" mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [[ -d $dir ]] || { echo "cannot download $module"; exit 1; }
    cp -r "$dir/." "$build/src" && chmod -R u+w "$build/src" || exit 1
    for patch in "$TESTENV_ROOT"/patches/kube-router-"$KUBE_ROUTER_VERSION"-*.patch; do
      echo "=== patch $patch"
      patch -d "$build/src" -p1 --forward <"$patch" || exit 1
    done
    cd "$build/src" || exit 1
    echo "=== go build kube-router ($(date -Is))"
    "$go" build -p 2 -ldflags="-s -w" -o "$build/out" ./cmd/kube-router || exit 1
    echo "=== done ($(date -Is))"
  ) >>"$logfile" 2>&1 || die node-build "building kube-router from $module failed"
  mkdir -p "$(dirname "$NODE_KUBE_ROUTER_BIN")" && mv "$build/out" "$NODE_KUBE_ROUTER_BIN" && rm -rf "$build"
}

# CoreDNS with the plugins a cluster's DNS needs (kubernetes, cache, health, ready, errors, log,
# loadbalance, bind) instead of all of them: the cloud providers' SDKs would triple the build.
NODE_COREDNS_MAIN='package main

import (
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"

	"github.com/coredns/coredns/coremain"
)

func main() { coremain.Run() }'

# node_nft_queue_works: the nftables `queue` expression that kube-network-policies needs
# (CONFIG_NFT_QUEUE), tried in a scratch network namespace of its own.
node_nft_queue_works() {
  local ns="shopmesh-nftprobe-$$" ok=1
  ip netns add "$ns" 2>/dev/null || return 1
  if ip netns exec "$ns" nft add table inet probe 2>/dev/null &&
    ip netns exec "$ns" nft add chain inet probe c '{ type filter hook forward priority 0; }' 2>/dev/null &&
    ip netns exec "$ns" nft add rule inet probe c queue num 100 bypass 2>/dev/null; then
    ok=0
  fi
  ip netns del "$ns" 2>/dev/null
  return $ok
}

# node_enforcer: which NetworkPolicy enforcer this machine runs (cached per boot).
node_enforcer() {
  local cache="$NODE_RUN/enforcer" boot
  boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)
  if [[ -f $cache ]] && [[ $(sed -n 1p "$cache") == "$boot" ]]; then sed -n 2p "$cache"; return; fi
  # Without the nft command (before node_install) nothing is known yet: not cached.
  command -v nft >/dev/null || { echo kube-router; return; }
  local choice=kube-router
  node_nft_queue_works && choice=kube-network-policies
  mkdir -p "$NODE_RUN" && printf '%s\n%s\n' "$boot" "$choice" >"$cache"
  echo "$choice"
}

node_install() {
  apt_ensure containerd runc containernetworking-plugins iptables ipset nftables conntrack socat gcc libc6-dev patch ||
    die node "cannot install the node's Debian packages (containerd runc containernetworking-plugins iptables ipset nftables conntrack socat gcc)"
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback && -x /usr/lib/cni/portmap ]] ||
    die node "the CNI reference plugins are missing from /usr/lib/cni"
  load_component kube
  kube_build_commands kubelet kube-proxy
  mkdir -p "$NODE_CACHE"
  exec 7>"$NODE_CACHE/.build.lock"
  flock 7
  [[ -x $NODE_COREDNS_BIN ]] ||
    node_go_build coredns "$NODE_COREDNS_BIN" "github.com/coredns/coredns@$COREDNS_VERSION" "$NODE_COREDNS_MAIN" .
  case $(node_enforcer) in
    kube-router)
      [[ -x $NODE_KUBE_ROUTER_BIN ]] || node_build_kube_router
      ;;
    kube-network-policies)
      [[ -x $NODE_KNP_BIN ]] ||
        node_go_build kube-network-policies "$NODE_KNP_BIN" "sigs.k8s.io/kube-network-policies@$KUBE_NETWORK_POLICIES_VERSION" - \
          sigs.k8s.io/kube-network-policies/cmd
      ;;
  esac
  if [[ ! -x $NODE_PAUSE_BIN ]]; then
    # The sandbox image's program, from the k8s.io/kubernetes module's own source.
    local go source
    go=$(kube_go)
    source="$("$go" env GOMODCACHE)/k8s.io/kubernetes@$K8S_VERSION/build/pause/linux/pause.c"
    [[ -f $source ]] || "$go" mod download "k8s.io/kubernetes@$K8S_VERSION" >>"$LOG_DIR/node-build.log" 2>&1
    [[ -f $source ]] || die node-build "pause.c not found at $source"
    mkdir -p "$(dirname "$NODE_PAUSE_BIN")"
    gcc -Os -Wall -Werror -static -DVERSION="$K8S_VERSION-shopmesh" -o "$NODE_PAUSE_BIN.tmp" "$source" >>"$LOG_DIR/node-build.log" 2>&1 ||
      die node-build "gcc -static of $source failed"
    mv "$NODE_PAUSE_BIN.tmp" "$NODE_PAUSE_BIN"
  fi
  flock -u 7
  exec 7>&-
}

# ---------------------------------------------------------------------------------------------
# namespaces

# node_check_ranges: the node's, pods' and Services' ranges must not overlap a route of the host.
node_check_ranges() {
  local ip2int range route net
  ip2int() { local IFS=.; set -- $1; echo $((($1 << 24) + ($2 << 16) + ($3 << 8) + $4)); }
  overlaps() {
    local a=${1%/*} al=${1#*/} b=${2%/*} bl=${2#*/} l
    [[ $1 == */* ]] || al=32
    [[ $2 == */* ]] || bl=32
    l=$((al < bl ? al : bl))
    (( ($(ip2int "$a") >> (32 - l)) == ($(ip2int "$b") >> (32 - l)) ))
  }
  while read -r route _; do
    [[ $route == default || $route == *:* || $route == broadcast || $route == local ]] && continue
    for range in "$NODE_LINK_CIDR" "$NODE_CLUSTER_CIDR" "$NODE_SERVICE_CIDR"; do
      if overlaps "$route" "$range"; then
        # The node's own veth route is ours.
        [[ $range == "$NODE_LINK_CIDR" && $(ip -4 route show "$route" dev "$NODE_HOST_IF" 2>/dev/null) ]] && continue
        die node "the host has a route to $route, which overlaps the node's range $range (change it in testenv/components/node.sh)"
      fi
    done
  done < <(ip -4 route show table main)
}

node_netns_up() {
  [[ -e $NODE_NET_NS ]] && return 0
  ip netns add "$NODE_NETNS" || die node "ip netns add $NODE_NETNS failed"
  ip link add "$NODE_HOST_IF" type veth peer name eth0 netns "$NODE_NETNS" || die node "creating the veth $NODE_HOST_IF failed"
  ip addr add "$NODE_HOST_IP/${NODE_LINK_CIDR#*/}" dev "$NODE_HOST_IF"
  ip link set "$NODE_HOST_IF" up
  ip -n "$NODE_NETNS" link set lo up
  ip -n "$NODE_NETNS" addr add "$NODE_IP/${NODE_LINK_CIDR#*/}" dev eth0
  ip -n "$NODE_NETNS" link set eth0 up
  # Inside the node only: routing between pods, and bridged pod traffic through iptables (kube-proxy
  # and the enforcer need both). No default route: nothing leaves the machine.
  node_in_net sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward && echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables' ||
    die node "cannot set ip_forward / bridge-nf-call-iptables in the node's network namespace"
}

# node_mountns_up: a mount namespace (slave of the host's: host mounts show inside, nothing mounted
# inside shows on the host), kept by a bind mount of its ns file. Inside it, a tmpfs over the paths
# that containerd, runc, iptables and the kubelet use machine-wide (/run: pod network namespaces,
# shim sockets, runc state, the xtables lock; /var/log: /var/log/containers), and the values the kubelet
# wants for six machine-wide kernel settings shown over /proc/sys: the kubelet would otherwise
# rewrite the host's (kernel.panic, kernel.panic_on_oops, vm.overcommit_memory).
node_mountns_up() {
  mountpoint -q "$NODE_MNT_NS" && return 0
  mkdir -p "$NODE_NS_DIR"
  if ! mountpoint -q "$NODE_NS_DIR"; then
    mount --bind "$NODE_NS_DIR" "$NODE_NS_DIR" && mount --make-private "$NODE_NS_DIR" ||
      die node "cannot make $NODE_NS_DIR a private mount (needed to keep a mount namespace)"
  fi
  touch "$NODE_MNT_NS"
  local sysctls="$NODE_RUN/sysctl"
  mkdir -p "$sysctls"
  echo 1 >"$sysctls/overcommit_memory"
  echo 0 >"$sysctls/panic_on_oom"
  echo 10 >"$sysctls/panic"
  echo 1 >"$sysctls/panic_on_oops"
  echo 1000000 >"$sysctls/root_maxkeys"
  echo 25000000 >"$sysctls/root_maxbytes"
  node_in_net unshare --mount="$NODE_MNT_NS" --propagation slave sh -ec "
    mount -t tmpfs -o mode=0755 shopmesh-node-run /run
    mkdir -p /run/netns /run/containerd /run/lock
    mount -t tmpfs -o mode=0755 shopmesh-node-log /var/log
    for f in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes; do
      mount --bind -o ro '$sysctls'/\${f##*/} /proc/sys/\$f
    done
  " >>"$LOG_DIR/node.log" 2>&1 || die node "setting up the node's mount namespace failed"
}

# node_cgroups_up: the cgroup subtree of the node's pods in every cgroup v1 hierarchy (the kubelet's
# cgroupRoot; cpuset needs its cpus and mems filled before anything can join).
node_cgroups_up() {
  local dir
  for dir in /sys/fs/cgroup/*/; do
    [[ $dir == */unified/ ]] && continue
    mkdir -p "$dir$NODE_CGROUP_ROOT" 2>/dev/null || continue
  done
  if [[ -d /sys/fs/cgroup/cpuset/$NODE_CGROUP_ROOT ]]; then
    cat /sys/fs/cgroup/cpuset/cpuset.cpus >"/sys/fs/cgroup/cpuset/$NODE_CGROUP_ROOT/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset/cpuset.mems >"/sys/fs/cgroup/cpuset/$NODE_CGROUP_ROOT/cpuset.mems"
  fi
}

# ---------------------------------------------------------------------------------------------
# configuration files

node_kubeconfig() {
  # node_kubeconfig FILE USER CERT_NAME: like kube_kubeconfig, for the node's own URL.
  local file=$1 user=$2 cert=$3
  (
    umask 077
    cat >"$file.tmp" <<KCFG
apiVersion: v1
kind: Config
clusters:
- name: shopmesh-test
  cluster:
    server: $NODE_APISERVER_URL
    certificate-authority-data: $(base64 -w0 "$KUBE_PKI_DIR/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$KUBE_PKI_DIR/$cert.crt")
    client-key-data: $(base64 -w0 "$KUBE_PKI_DIR/$cert.key")
contexts:
- name: shopmesh-test
  context: {cluster: shopmesh-test, user: $user}
current-context: shopmesh-test
KCFG
    mv "$file.tmp" "$file"
  )
}

node_write_config() {
  mkdir -p "$NODE_CONF/cni" "$NODE_CONTAINERD_ROOT" "$NODE_RUN"
  load_component kube
  kube_pki_sign "node-kubelet" "/O=system:nodes/CN=system:node:$NODE_NAME"
  kube_pki_sign "node-kube-proxy" "/CN=system:kube-proxy"
  node_kubeconfig "$NODE_CONF/kubelet.kubeconfig" "system:node:$NODE_NAME" node-kubelet
  node_kubeconfig "$NODE_CONF/kube-proxy.kubeconfig" system:kube-proxy node-kube-proxy
  # CoreDNS and the enforcer read the whole cluster (Services, EndpointSlices, pods, namespaces,
  # NetworkPolicies): the environment's admin identity, on loopback only.
  node_kubeconfig "$NODE_CONF/admin.kubeconfig" shopmesh-admin admin

  cat >"$NODE_CONF/containerd.toml" <<EOF
version = 2
root = "$NODE_CONTAINERD_ROOT"
state = "$NODE_RUN/containerd-state"

[grpc]
  address = "$NODE_CONTAINERD_SOCKET"

[ttrpc]
  address = "$NODE_CONTAINERD_SOCKET.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_CONTAINERD_ROOT/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$NODE_PAUSE_IMAGE"
  # This machine's root lacks CAP_SYS_RESOURCE: a negative oom_score_adj is refused, and runc then
  # fails every sandbox ("can't get final child's PID from pipe: EOF").
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE_CONF/cni"
EOF

  cat >"$NODE_CONF/cni/10-shopmesh.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "shopmesh-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$NODE_POD_CIDR", "gateway": "$NODE_POD_GATEWAY"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$NODE_RUN/cni-ipam"
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF

  # Pods of dnsPolicy Default get this (no upstream DNS exists here); ClusterFirst pods use CoreDNS.
  printf 'nameserver %s\noptions ndots:1\n' "$NODE_DNS_IP" >"$NODE_CONF/resolv.conf"

  cat >"$NODE_CONF/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# cgroup v1 hybrid without systemd: cgroupfs, and 1.34 still accepts v1 when told to.
cgroupDriver: cgroupfs
failCgroupV1: false
cgroupRoot: /$NODE_CGROUP_ROOT
containerRuntimeEndpoint: unix://$NODE_CONTAINERD_SOCKET
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $KUBE_PKI_DIR/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
clusterDNS: [$NODE_DNS_IP]
resolvConf: $NODE_CONF/resolv.conf
podLogsDir: $NODE_RUN/pod-logs
failSwapOn: false
# The kubelet may not raise its own priority here (no CAP_SYS_RESOURCE): warnings otherwise.
oomScoreAdj: 0
maxPods: 110
serializeImagePulls: false
# Images arrive by import, never by pull: none is ever garbage-collected, and a full disk of the
# host does not evict the tests' pods before a real shortage.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%", nodefs.inodesFree: "2%"}
syncFrequency: 10s
nodeStatusUpdateFrequency: 5s
shutdownGracePeriod: 0s
# Only pods that ask for the real node run there (nodeSelector + toleration): the other tests'
# pods stay on the kwok nodes, which play them without running anything.
registerWithTaints:
- {key: $NODE_LABEL, value: "true", effect: NoExecute}
EOF

  cat >"$NODE_CONF/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $NODE_CONF/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $NODE_CLUSTER_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Machine-wide conntrack settings stay the host's.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false}
nodePortAddresses: [$NODE_IP/32]
EOF

  cat >"$NODE_CONF/Corefile" <<EOF
.:53 {
    bind $NODE_IP
    errors
    health 127.0.0.1:18080
    ready 127.0.0.1:18181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $NODE_CONF/admin.kubeconfig shopmesh-test
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
    loadbalance
}
EOF
}

# node_dns_service: the kube-dns Service (clusterDNS) in front of CoreDNS, which runs on the node
# itself (not as a pod): a Service without selector and an EndpointSlice naming the node's address.
node_dns_service() {
  node_kubectl apply --server-side --force-conflicts --field-manager=shopmesh-testenv -f - >>"$LOG_DIR/node.log" 2>&1 <<EOF || die node "creating the kube-dns Service failed"
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {k8s-app: kube-dns, kubernetes.io/name: CoreDNS}
spec:
  clusterIP: $NODE_DNS_IP
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: 53}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 53}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-shopmesh-node
  namespace: kube-system
  labels:
    kubernetes.io/service-name: kube-dns
    endpointslice.kubernetes.io/managed-by: shopmesh-testenv
addressType: IPv4
ports:
- {name: dns, port: 53, protocol: UDP}
- {name: dns-tcp, port: 53, protocol: TCP}
endpoints:
- addresses: [$NODE_IP]
  conditions: {ready: true}
  nodeName: $NODE_NAME
EOF
}

# ---------------------------------------------------------------------------------------------
# images

# node_load_image IMAGE...: hands images of the environment's Docker engine to the node's
# containerd, as `kind load docker-image` does; an image already there with the same id is skipped.
node_load_image() {
  load_component docker
  local image id name
  for image in "$@"; do
    id=$(docker_cli image inspect -f '{{.Id}}' "$image" 2>/dev/null) || die node "image $image is not in the test environment's Docker engine"
    name=$image
    [[ $name == */* ]] || name="library/$name"
    [[ ${name%%/*} == *.* || ${name%%/*} == *:* || ${name%%/*} == localhost ]] || name="docker.io/$name"
    [[ ${name##*/} == *:* || $name == *@* ]] || name="$name:latest"
    if node_ctr images ls "name==$name" 2>/dev/null | grep -q "shopmesh.dev/docker-id=$id"; then continue; fi
    log "node: importing $image into the node's containerd"
    docker_cli save "$image" | node_ctr images import - >>"$LOG_DIR/node.log" 2>&1 ||
      die node "importing $image into the node's containerd failed"
    node_ctr images label "$name" "shopmesh.dev/docker-id=$id" >/dev/null 2>&1 || die node "image $image imported under another name than $name"
  done
}

node_pause_image() {
  load_component docker
  if ! docker_cli image inspect "$NODE_PAUSE_IMAGE" >/dev/null 2>&1; then
    local dir="$NODE_RUN/pause-rootfs"
    rm -rf "$dir" && mkdir -p "$dir" && cp "$NODE_PAUSE_BIN" "$dir/pause"
    tar -C "$dir" -c pause | docker_cli import -c 'ENTRYPOINT ["/pause"]' - "$NODE_PAUSE_IMAGE" >>"$LOG_DIR/node.log" 2>&1 ||
      die node "docker import of the pause image failed"
    rm -rf "$dir"
  fi
  node_load_image "$NODE_PAUSE_IMAGE"
}

# ---------------------------------------------------------------------------------------------
# health

node_daemons_running() {
  local name
  for name in "${NODE_DAEMONS[@]}"; do pid_of "$name" >/dev/null || return 1; done
}
node_containerd_ready() { "$NODE_CTR" -a "$NODE_CONTAINERD_SOCKET" version >/dev/null 2>&1; }
node_http_ok() { node_in_net curl -fsS --max-time 3 "$1" >/dev/null 2>&1; }
node_kubelet_healthy() { node_http_ok http://127.0.0.1:10248/healthz; }
node_proxy_healthy() { node_http_ok http://127.0.0.1:10256/healthz; }
node_coredns_ready() { node_http_ok http://127.0.0.1:18181/ready; }
node_enforcer_healthy() {
  case $(node_enforcer) in
    kube-router) node_http_ok http://127.0.0.1:20244/healthz ;;
    *) pid_of node-enforcer >/dev/null ;;
  esac
}
node_registered() { node_kubectl get node "$NODE_NAME" >/dev/null 2>&1; }
node_ready_status() {
  node_kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null
}
node_is_ready() { [[ $(node_ready_status) == True ]]; }
node_apiserver_link_ok() { node_in_net curl -sS --max-time 3 -k -o /dev/null "$NODE_APISERVER_URL/readyz"; }

# ---------------------------------------------------------------------------------------------
# start / stop

node_start() {
  load_component kube
  kube_apiserver_ready || die node "kube-apiserver does not answer (testenv/up kube node)"
  if node_daemons_running && [[ -e $NODE_NET_NS ]] && mountpoint -q "$NODE_MNT_NS" && node_is_ready; then
    node_env_fragment
    return 0
  fi
  # Whatever is left of an earlier run (a crash, a half start) goes first: a node starts whole.
  if [[ -e $NODE_NET_NS ]] || mountpoint -q "$NODE_MNT_NS" || ls "$RUN_DIR"/node-*.pid >/dev/null 2>&1; then
    log "node: removing what an earlier run left before starting afresh"
    node_teardown
  fi
  : >>"$LOG_DIR/node.log"
  node_check_ranges
  node_netns_up
  node_mountns_up
  node_cgroups_up
  node_write_config
  local enforcer
  enforcer=$(node_enforcer)

  # The API server, from inside the node: 127.0.0.1:PORT there -> the host's end of the veth -> the
  # host's loopback, where kube-apiserver listens.
  start_daemon node-apiserver-link "$NODE_HOST_IP:$PORT_KUBE_APISERVER" \
    socat "TCP-LISTEN:$PORT_KUBE_APISERVER,bind=$NODE_HOST_IP,reuseaddr,fork" "TCP:127.0.0.1:$PORT_KUBE_APISERVER"
  start_daemon node-apiserver-proxy "node 127.0.0.1:$PORT_KUBE_APISERVER" \
    nsenter --net="$NODE_NET_NS" -- socat "TCP-LISTEN:$PORT_KUBE_APISERVER,bind=127.0.0.1,reuseaddr,fork" "TCP:$NODE_HOST_IP:$PORT_KUBE_APISERVER"
  wait_until node-apiserver-proxy 20 node_apiserver_link_ok

  start_daemon node-containerd "$NODE_CONTAINERD_SOCKET" "${NODE_IN[@]}" /usr/bin/containerd --config "$NODE_CONF/containerd.toml"
  wait_until node-containerd 60 node_containerd_ready
  node_pause_image

  start_daemon node-kubelet "$NODE_NAME $NODE_IP" "${NODE_IN[@]}" "$KUBE_BIN_DIR/kubelet" \
    --config="$NODE_CONF/kubelet.yaml" --kubeconfig="$NODE_CONF/kubelet.kubeconfig" \
    --root-dir="$NODE_RUN/kubelet" --cert-dir="$NODE_RUN/kubelet/pki" \
    --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --node-labels="$NODE_LABEL=true" --v=1
  wait_until node-kubelet 90 node_registered
  # A Node object kept from an earlier run gets the taint too (registerWithTaints acts on creation).
  node_kubectl taint node "$NODE_NAME" "$NODE_LABEL=true:NoExecute" --overwrite >>"$LOG_DIR/node.log" 2>&1 ||
    die node "tainting the node failed"
  # No controller allocates pod ranges here (allocate-node-cidrs=false): the node's is set once.
  if [[ -z $(node_kubectl get node "$NODE_NAME" -o jsonpath='{.spec.podCIDR}' 2>/dev/null) ]]; then
    node_kubectl patch node "$NODE_NAME" --type merge \
      -p "{\"spec\":{\"podCIDR\":\"$NODE_POD_CIDR\",\"podCIDRs\":[\"$NODE_POD_CIDR\"]}}" >>"$LOG_DIR/node.log" 2>&1 ||
      die node "setting the node's podCIDR failed"
  fi

  start_daemon node-kube-proxy "iptables" "${NODE_IN[@]}" "$KUBE_BIN_DIR/kube-proxy" --config="$NODE_CONF/kube-proxy.yaml" --v=1
  wait_until node-kube-proxy 60 node_proxy_healthy

  node_dns_service
  start_daemon node-coredns "$NODE_IP:53" "${NODE_IN[@]}" "$NODE_COREDNS_BIN" -conf "$NODE_CONF/Corefile"
  wait_until node-coredns 60 node_coredns_ready

  case $enforcer in
    kube-router)
      # The firewall (NetworkPolicy) controller alone: routing, service proxy and CNI are others'.
      start_daemon node-enforcer "kube-router firewall" "${NODE_IN[@]}" "$NODE_KUBE_ROUTER_BIN" \
        --kubeconfig="$NODE_CONF/admin.kubeconfig" --hostname-override="$NODE_NAME" \
        --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
        --enable-ipv6=false --health-port=20244 --metrics-port=0 --v=1
      ;;
    kube-network-policies)
      node_knp_token
      start_daemon node-enforcer "kube-network-policies" "${NODE_IN[@]}" env \
        KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$PORT_KUBE_APISERVER" \
        "$NODE_KNP_BIN" --hostname-override="$NODE_NAME" --metrics-bind-address=127.0.0.1:19080 --disable-nri=true --v=1
      ;;
  esac
  wait_until node-enforcer 60 node_enforcer_healthy
  wait_until node-kubelet 120 node_is_ready
  node_env_fragment
}

# kube-network-policies reads only the in-cluster configuration: a service account token and the
# CA at the fixed path, inside the node's mount namespace.
node_knp_token() {
  local dir="$NODE_RUN/knp-serviceaccount" token
  mkdir -p "$dir"
  node_kubectl -n kube-system create serviceaccount shopmesh-network-policies >/dev/null 2>&1 || true
  node_kubectl create clusterrolebinding shopmesh-network-policies --clusterrole=cluster-admin \
    --serviceaccount=kube-system:shopmesh-network-policies >/dev/null 2>&1 || true
  token=$(node_kubectl -n kube-system create token shopmesh-network-policies --duration=8760h) ||
    die node "cannot create a token for kube-network-policies"
  printf '%s' "$token" >"$dir/token" && cp "$KUBE_PKI_DIR/ca.crt" "$dir/ca.crt" && echo kube-system >"$dir/namespace"
  node_in sh -c "mkdir -p /var/run/secrets/kubernetes.io/serviceaccount && mount --bind '$dir' /var/run/secrets/kubernetes.io/serviceaccount" ||
    die node "cannot mount the service account of kube-network-policies"
}

node_env_fragment() {
  env_fragment node "SHOPMESH_NODE_NAME=$NODE_NAME" "SHOPMESH_NODE_IP=$NODE_IP" \
    "SHOPMESH_NODE_LABEL=$NODE_LABEL=true" "SHOPMESH_NODE_TAINT=$NODE_LABEL=true:NoExecute" "SHOPMESH_NODE_CONTAINERD_SOCKET=$NODE_CONTAINERD_SOCKET" \
    "SHOPMESH_NODE_CTR=$NODE_CTR" "SHOPMESH_NODE_NETWORK_POLICY=$(node_enforcer)"
}

# node_kill_matching PATTERN: kills (by pid) the processes whose command line contains PATTERN:
# the containerd shims of this node's containerd, which outlive it.
node_kill_matching() {
  local pattern=$1 proc pid
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [[ $pid == "$$" ]] && continue
    tr '\0' ' ' 2>/dev/null <"$proc/cmdline" | grep -qF -- "$pattern" && { kill -KILL "$pid" 2>/dev/null || true; }
  done
  return 0
}

# node_kill_cgroup: every process of the node's pods (the kubelet's cgroupRoot), then the cgroups.
node_kill_cgroup() {
  local dir pid i
  for i in 1 2 3; do
    for dir in /sys/fs/cgroup/*/"$NODE_CGROUP_ROOT"; do
      [[ -d $dir ]] || continue
      while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done < <(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null)
    done
    sleep 0.2
  done
  for dir in /sys/fs/cgroup/*/"$NODE_CGROUP_ROOT"; do
    [[ -d $dir ]] && { find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true; }
  done
  return 0
}

# node_teardown: stops and removes everything of the node (processes, pods, namespaces with their
# mounts, rules and ipsets, the host's veth end); leaves the Node object and the image store.
node_teardown() {
  local name
  for name in "${NODE_DAEMONS[@]}"; do stop_daemon "$name"; done
  node_kill_cgroup
  node_kill_matching "-address $NODE_CONTAINERD_SOCKET"
  if mountpoint -q "$NODE_MNT_NS"; then umount "$NODE_MNT_NS" || umount -l "$NODE_MNT_NS"; fi
  if mountpoint -q "$NODE_NS_DIR"; then umount "$NODE_NS_DIR" || umount -l "$NODE_NS_DIR"; fi
  [[ -e $NODE_NET_NS ]] && { ip netns del "$NODE_NETNS" 2>/dev/null || true; }
  ip link del "$NODE_HOST_IF" 2>/dev/null || true
  # State of the stopped node only (the containerd image store in $DATA_DIR stays).
  rm -rf "$NODE_RUN"
  return 0
}

node_stop() {
  node_teardown
  rm -f "$ENV_DIR/node.env"
  # The shop that `npm run bench:pipeline` leaves running on the node (its namespace and the ingress
  # gateway stand-in in istio-system carry this label) goes with the node.
  (load_component kube && kube_apiserver_ready &&
    node_kubectl delete namespace -l shopmesh.dev/pipeline-real-node --ignore-not-found --wait=false &&
    node_kubectl -n istio-system delete deployment -l shopmesh.dev/pipeline-real-node --ignore-not-found --wait=false) >/dev/null 2>&1
  # A Node object without its kubelet would turn NotReady and keep its pods: it goes too.
  (load_component kube && kube_apiserver_ready && node_kubectl delete node "$NODE_NAME" --ignore-not-found --wait=false) >/dev/null 2>&1
  return 0
}

node_address() { echo "$NODE_NAME $NODE_IP, policy: $(node_enforcer)"; }
node_check() { node_daemons_running && node_is_ready; }

# node_state: Ready, or why not (testenv/status).
node_state() {
  local name missing=()
  for name in "${NODE_DAEMONS[@]}"; do pid_of "$name" >/dev/null || missing+=("${name#node-}"); done
  if ((${#missing[@]})); then
    echo "not running: ${missing[*]} (read $LOG_DIR/node-*.log)"
    return 1
  fi
  local message
  message=$(node_kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].message}' 2>&1)
  if [[ $message == True* ]]; then echo Ready; return 0; fi
  echo "NotReady: ${message#* }"
  return 1
}

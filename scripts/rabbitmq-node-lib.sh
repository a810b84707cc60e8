# shellcheck shell=bash
# Sourced by scripts/rabbitmq-cluster and scripts/rabbitmq-tls-node: runs extra RabbitMQ nodes
# from Debian's rabbitmq-server package next to the default node (rabbit@localhost on 5672),
# without systemd and without touching the default node (broker-notes 3.4). Each extra node has
# its own node name, ports, config, enabled_plugins file, data, logs and HOME (with its own
# Erlang cookie). As root, nodes run as the package's `rabbitmq` user (like the default node);
# otherwise as the calling user.
#
# A node directory D holds:
#   D/etc/rabbitmq.conf, D/etc/enabled_plugins, D/etc/rabbitmq-env.conf (empty, so the
#   package's /etc/rabbitmq/rabbitmq-env.conf is not read), D/mnesia (data), D/log (logs and
#   console.log), D/pid (the Erlang VM's pid, written by RabbitMQ), D/pgid (the process group
#   of the whole node: the start script's wrapper shell and the VM).
# The cookie lives in "$RMQ_HOME/.erlang.cookie" (one HOME per group of nodes that must talk).

RMQ_BIN=/usr/lib/rabbitmq/bin
RMQ_HOST=127.0.0.1

rmq_log() { printf '%s: %s\n' "${RMQ_TOOL:-rabbitmq}" "$*" >&2; }
rmq_die() {
  rmq_log "$*"
  exit 1
}

rmq_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs Debian's rabbitmq-server if it is missing. The package's own service may start the
# default node; that is scripts/rabbitmq-up's business, not ours.
rmq_ensure_package() {
  [ -x "$RMQ_BIN/rabbitmq-server" ] && return 0
  rmq_log "installing rabbitmq-server (Debian package)"
  rmq_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  rmq_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  [ -x "$RMQ_BIN/rabbitmq-server" ] || rmq_die "rabbitmq-server is not installed"
}

# The user the nodes run as.
rmq_user() {
  if [ "$(id -u)" -eq 0 ]; then echo rabbitmq; else id -un; fi
}

# Runs a command as the node user.
rmq_as_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u rabbitmq -- "$@"; else "$@"; fi
}

rmq_listening() { # port
  (exec 3<>"/dev/tcp/$RMQ_HOST/$1") 2>/dev/null
}

# Creates HOME with an Erlang cookie unless it has one.
rmq_ensure_home() { # home
  local home=$1
  mkdir -p "$home"
  if [ ! -s "$home/.erlang.cookie" ]; then
    (umask 077 && od -An -N20 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F >"$home/.erlang.cookie")
    chmod 400 "$home/.erlang.cookie"
  fi
  [ "$(id -u)" -eq 0 ] && chown -R rabbitmq:rabbitmq "$home"
  return 0
}

# Writes a node's directory. The caller has written the rabbitmq.conf body into $3.
rmq_prepare_dir() { # dir plugins-term conf-text
  local dir=$1 plugins=$2 conf=$3
  mkdir -p "$dir/etc" "$dir/mnesia" "$dir/log"
  printf '%s\n' "$conf" >"$dir/etc/rabbitmq.conf"
  printf '%s\n' "$plugins" >"$dir/etc/enabled_plugins"
  : >"$dir/etc/rabbitmq-env.conf"
  [ "$(id -u)" -eq 0 ] && chown -R rabbitmq:rabbitmq "$dir"
  return 0
}

# The Erlang VM's pid if the node in $dir runs, else nothing (exit 1).
rmq_pid() { # dir
  local pid
  pid=$(cat "$1/pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# Starts a node in the background (returns at once; see rmq_wait_port).
rmq_spawn() { # node dir home amqp-port dist-port
  local node=$1 dir=$2 home=$3 port=$4 dist=$5
  rm -f "$dir/pid"
  local as=()
  [ "$(id -u)" -eq 0 ] && as=(runuser -u rabbitmq --)
  # setsid: the node gets its own process group, so `stop` can clean up every process of it
  # (and only of it) even when the VM does not exit on SIGTERM.
  setsid "${as[@]}" env -i \
    PATH="/usr/sbin:/usr/bin:/sbin:/bin" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    HOME="$home" \
    RABBITMQ_NODENAME="$node" \
    RABBITMQ_DIST_PORT="$dist" \
    RABBITMQ_CONFIG_FILE="$dir/etc/rabbitmq.conf" \
    RABBITMQ_ADVANCED_CONFIG_FILE="$dir/etc/advanced.config" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/etc/enabled_plugins" \
    RABBITMQ_CONF_ENV_FILE="$dir/etc/rabbitmq-env.conf" \
    RABBITMQ_MNESIA_BASE="$dir/mnesia" \
    RABBITMQ_LOG_BASE="$dir/log" \
    RABBITMQ_PID_FILE="$dir/pid" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    "$RMQ_BIN/rabbitmq-server" </dev/null >>"$dir/log/console.log" 2>&1 &
  echo $! >"$dir/pgid"
  rmq_log "starting $node (AMQP $RMQ_HOST:$port, distribution $dist, dir $dir)"
}

# Waits until the node's VM runs and its AMQP port answers.
rmq_wait_port() { # node dir port wait-secs
  local node=$1 dir=$2 port=$3 wait_secs=$4 i
  for ((i = 0; i < wait_secs * 5; i++)); do
    if rmq_pid "$dir" >/dev/null && rmq_listening "$port"; then
      return 0
    fi
    if ! kill -0 "$(cat "$dir/pgid" 2>/dev/null || echo 0)" 2>/dev/null && ((i > 10)); then
      tail -n 30 "$dir/log/console.log" >&2 || true
      rmq_die "$node exited during start (logs: $dir/log)"
    fi
    sleep 0.2
  done
  tail -n 30 "$dir/log/console.log" >&2 || true
  rmq_die "$node did not listen on $RMQ_HOST:$port within ${wait_secs}s (logs: $dir/log)"
}

# Stops the node in $dir: SIGTERM to the VM (a clean shutdown), then, after wait-secs, SIGKILL to
# everything left in its process group. With signal KILL, kills at once (a crash).
rmq_stop_dir() { # dir wait-secs [signal]
  local dir=$1 wait_secs=$2 signal=${3:-TERM} pid pgid i
  pgid=$(cat "$dir/pgid" 2>/dev/null || true)
  if pid=$(rmq_pid "$dir"); then
    kill "-$signal" "$pid" 2>/dev/null || true
    for ((i = 0; i < wait_secs * 5; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
  fi
  if [ -n "$pgid" ] && kill -0 -- "-$pgid" 2>/dev/null; then
    kill -KILL -- "-$pgid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$dir/pid" "$dir/pgid"
}

# rabbitmqctl (or another CLI tool) against an extra node, as the node user, with its cookie.
rmq_cli() { # tool node home args...
  local tool=$1 node=$2 home=$3
  shift 3
  rmq_as_user env -i PATH="/usr/sbin:/usr/bin:/sbin:/bin" LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    HOME="$home" RABBITMQ_CONF_ENV_FILE=/dev/null ERL_EPMD_ADDRESS=127.0.0.1 \
    "$RMQ_BIN/$tool" -n "$node" "$@"
}

# True when something other than the node in $dir listens on the port.
rmq_port_taken() { # port dir
  rmq_listening "$1" && ! rmq_pid "$2" >/dev/null
}

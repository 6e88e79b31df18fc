#!/usr/bin/env bash
# Provisions and runs the local infrastructure on 127.0.0.1: Temporal dev server, Redis,
# PostgreSQL and Elasticsearch. Idempotent: what is installed is reused, what runs is left running.
#   infra.sh up      install what is missing, start what is not running, print the addresses
#   infra.sh down    stop what this script started
#   infra.sh status  print what is running
# Everything is cached outside the work tree, so a fresh clone on the same machine starts fast.
set -euo pipefail

# Elasticsearch runs as its own user, which cannot enter root's home: as root, cache under /opt.
if [ "$(id -u)" = 0 ]; then default_cache=/opt/testplanit-workers; else default_cache="$HOME/.cache/testplanit-workers"; fi
CACHE_DIR="${TPW_CACHE_DIR:-$default_cache}"
STATE_DIR="${TPW_STATE_DIR:-$CACHE_DIR/state}"
BIN_DIR="$CACHE_DIR/bin"

TEMPORAL_CLI_VERSION="${TEMPORAL_CLI_VERSION:-v1.5.1}"
# The Temporal server that CLI embeds (go.temporal.io/server in its go.mod; `temporal --version`
# prints it), so what the tests run on. docker-compose.yml's Temporal images must be the same
# version (test/composeFile.test.ts); install_temporal refuses a CLI that embeds another.
TEMPORAL_SERVER_VERSION="${TEMPORAL_SERVER_VERSION:-1.29.1}"
TEMPORAL_PORT="${TPW_TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TPW_TEMPORAL_UI_PORT:-8233}"
TEMPORAL_HEADLESS="${TPW_TEMPORAL_HEADLESS:-false}"
REDIS_PORT="${TPW_REDIS_PORT:-6379}"
PG_PORT="${TPW_PG_PORT:-5432}"
PG_USER="${TPW_PG_USER:-testplanit}"
PG_PASSWORD="${TPW_PG_PASSWORD:-testplanit}"
# The PostgreSQL major the tests run: Debian bookworm's (the Dockerfile's base too). Installed by
# that major, so docker-compose.yml's postgres images can be checked against it (test/composeFile.test.ts).
PG_MAJOR="${TPW_PG_MAJOR:-15}"
ES_VERSION="${TPW_ES_VERSION:-8.19.9}"
ES_PORT="${TPW_ES_PORT:-9200}"
ES_USER="tpw-elasticsearch"

export PATH="$PATH:/usr/local/go/bin"
mkdir -p "$CACHE_DIR" "$STATE_DIR" "$BIN_DIR"

log() { printf '[infra] %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name timeout-seconds command...
  local name=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then log "$name did not become ready within ${timeout}s"; return 1; fi
    sleep 1
  done
}

apt_updated=false
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  ((${#missing[@]} == 0)) && return 0
  if [ "$apt_updated" = false ]; then apt-get update -qq >&2; apt_updated=true; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

# ---------------------------------------------------------------- Temporal
temporal_bin() { echo "$BIN_DIR/temporal-$TEMPORAL_CLI_VERSION"; }

install_temporal() {
  local bin; bin=$(temporal_bin)
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || { log "Go is required to build the Temporal CLI"; return 1; }
    log "building Temporal CLI $TEMPORAL_CLI_VERSION from the Go module proxy (first time only, several minutes)"
    local gobin; gobin=$(mktemp -d)
    CGO_ENABLED=0 GOBIN="$gobin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" >&2
    mv "$gobin/temporal" "$bin"; rmdir "$gobin"
  fi
  # Keeps TEMPORAL_SERVER_VERSION true when the CLI is bumped (`temporal version ... (Server 1.29.1, UI ...)`).
  local version; version=$("$bin" --version)
  if [[ "$version" != *"(Server $TEMPORAL_SERVER_VERSION,"* ]]; then
    log "Temporal CLI $TEMPORAL_CLI_VERSION is \"$version\", not server $TEMPORAL_SERVER_VERSION: set TEMPORAL_SERVER_VERSION"
    log "in scripts/infra.sh and the Temporal images in docker-compose.yml to its server version"
    return 1
  fi
}

start_temporal() {
  if port_open "$TEMPORAL_PORT"; then log "Temporal already listening on $TEMPORAL_PORT"; return 0; fi
  install_temporal
  local headless_flag=()
  [ "$TEMPORAL_HEADLESS" = true ] && headless_flag=(--headless)
  log "starting Temporal dev server"
  # Task-queue fairness is decided per partition, so one partition per task queue (set before any
  # backlog exists: tasks written to other partitions would be stranded when the count drops).
  # WAL with synchronous=normal survives a crash of the server process (not of the machine) and
  # lets SQLite commit several times faster than its default of one fsync per transaction.
  nohup "$(temporal_bin)" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" "${headless_flag[@]}" \
    --db-filename "$STATE_DIR/temporal.sqlite" \
    --search-attribute TenantId=Keyword --search-attribute JobQueue=Keyword --search-attribute JobName=Keyword \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=${TPW_TEMPORAL_SQLITE_SYNCHRONOUS:-normal} \
    --dynamic-config-value frontend.enableServerVersionCheck=false \
    --dynamic-config-value matching.enableFairness=true \
    --dynamic-config-value matching.numTaskqueueReadPartitions=1 \
    --dynamic-config-value matching.numTaskqueueWritePartitions=1 \
    --log-level warn >"$STATE_DIR/temporal.log" 2>&1 &
  echo $! >"$STATE_DIR/temporal.pid"
  wait_for Temporal 60 port_open "$TEMPORAL_PORT"
  # The frontend answers before the default namespace is ready; describe proves it is.
  wait_for "Temporal namespace" 60 "$(temporal_bin)" operator namespace describe --address "127.0.0.1:$TEMPORAL_PORT" -n default
}

# ---------------------------------------------------------------- Redis
start_redis() {
  if port_open "$REDIS_PORT"; then log "Redis already listening on $REDIS_PORT"; return 0; fi
  apt_install redis-server
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --pidfile "$STATE_DIR/redis.pid" --logfile "$STATE_DIR/redis.log" --dir "$STATE_DIR"
  wait_for Redis 30 redis-cli -p "$REDIS_PORT" ping
}

# ---------------------------------------------------------------- PostgreSQL
pg_cluster_version() { if [ -d "/etc/postgresql/$PG_MAJOR" ]; then echo "$PG_MAJOR"; fi; }

start_postgres() {
  apt_install "postgresql-$PG_MAJOR"
  local version; version=$(pg_cluster_version)
  [ -n "$version" ] || { log "no PostgreSQL cluster found after install"; return 1; }
  if ! port_open "$PG_PORT"; then
    log "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    touch "$STATE_DIR/postgres.started"
    wait_for PostgreSQL 60 port_open "$PG_PORT"
  else
    log "PostgreSQL already listening on $PG_PORT"
  fi
  # A login role that may create the per-tenant test and demo databases.
  su postgres -c "psql -p $PG_PORT -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'\"" | grep -q 1 ||
    su postgres -c "psql -p $PG_PORT -qc \"CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'\""
  # DROP DATABASE ... WITH (FORCE) must also end autovacuum workers, which belong to no role;
  # only members of pg_signal_backend may do that.
  su postgres -c "psql -p $PG_PORT -qc \"GRANT pg_signal_backend TO $PG_USER\"" >/dev/null
  # Tests reach some tenant databases as roles of their own, whose passwords are secrets they look
  # for in logs and histories (test/tenantBound.e2e.test.ts).
  su postgres -c "psql -p $PG_PORT -qc \"ALTER ROLE $PG_USER CREATEROLE\"" >/dev/null
}

# ---------------------------------------------------------------- Elasticsearch
es_home() { echo "$CACHE_DIR/elasticsearch-$ES_VERSION"; }

install_elasticsearch() {
  [ -x "$(es_home)/bin/elasticsearch" ] && return 0
  apt_install unzip maven
  log "downloading Elasticsearch $ES_VERSION (integ-test distribution) from Maven Central"
  local tmp; tmp=$(mktemp -d)
  mvn -q dependency:copy -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    -DoutputDirectory="$tmp" >&2
  unzip -q "$tmp/elasticsearch-$ES_VERSION.zip" -d "$CACHE_DIR"
  rm -rf "$tmp"
}

es_healthy() { curl -fsS "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null; }

start_elasticsearch() {
  if port_open "$ES_PORT"; then log "Elasticsearch already listening on $ES_PORT"; return 0; fi
  install_elasticsearch
  id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
  local data="$STATE_DIR/es-data" logs="$STATE_DIR/es-logs"
  mkdir -p "$data" "$logs"
  chown -R "$ES_USER" "$(es_home)" "$data" "$logs"
  local java_home; java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  log "starting Elasticsearch $ES_VERSION"
  rm -f "$STATE_DIR/es.pid"
  touch "$STATE_DIR/es.pid"; chown "$ES_USER" "$STATE_DIR/es.pid"
  su "$ES_USER" -s /bin/bash -c "ES_JAVA_HOME='$java_home' ES_JAVA_OPTS='${TPW_ES_JAVA_OPTS:--Xms512m -Xmx1g}' \
    '$(es_home)/bin/elasticsearch' -d -p '$STATE_DIR/es.pid' \
    -Ediscovery.type=single-node -Enetwork.host=127.0.0.1 -Ehttp.port=$ES_PORT \
    -Expack.security.enabled=false -Epath.data='$data' -Epath.logs='$logs' \
    -Ecluster.routing.allocation.disk.threshold_enabled=false" >"$STATE_DIR/es.out" 2>&1
  wait_for Elasticsearch 120 es_healthy
}

# ---------------------------------------------------------------- commands
up() {
  # Independent installs run side by side: the Temporal build and the ES download dominate.
  install_temporal & local t=$!
  (apt_install redis-server "postgresql-$PG_MAJOR" curl unzip maven && install_elasticsearch) & local o=$!
  wait $t; wait $o
  start_redis
  start_postgres
  start_elasticsearch
  start_temporal
  cat <<TXT
Infrastructure is up:
  Temporal         127.0.0.1:$TEMPORAL_PORT   (Web UI http://127.0.0.1:$TEMPORAL_UI_PORT unless headless)
  Redis            redis://127.0.0.1:$REDIS_PORT
  PostgreSQL       postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT
  Elasticsearch    http://127.0.0.1:$ES_PORT
TXT
}

stop_pidfile() { # name pidfile
  local pid
  [ -s "$2" ] || return 0
  pid=$(cat "$2")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $1 ($pid)"; kill "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  rm -f "$2"
}

down() {
  stop_pidfile Temporal "$STATE_DIR/temporal.pid"
  stop_pidfile Elasticsearch "$STATE_DIR/es.pid"
  stop_pidfile Redis "$STATE_DIR/redis.pid"
  if [ -f "$STATE_DIR/postgres.started" ]; then
    log "stopping PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(pg_cluster_version)" main stop || true
    rm -f "$STATE_DIR/postgres.started"
  fi
}

status() {
  for svc in "Temporal:$TEMPORAL_PORT" "Redis:$REDIS_PORT" "PostgreSQL:$PG_PORT" "Elasticsearch:$ES_PORT"; do
    if port_open "${svc#*:}"; then echo "${svc%%:*} up on ${svc#*:}"; else echo "${svc%%:*} down"; fi
  done
}

# The chaos run (scripts/chaos.ts) crashes the Temporal dev server and brings it back: its SQLite
# state (WAL) must survive a killed process.
crash_restart_temporal() {
  if [ -s "$STATE_DIR/temporal.pid" ]; then
    local pid; pid=$(cat "$STATE_DIR/temporal.pid")
    log "killing Temporal ($pid)"; kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do port_open "$TEMPORAL_PORT" || break; sleep 1; done
    rm -f "$STATE_DIR/temporal.pid"
  fi
  start_temporal
}

# The chaos run restarts Elasticsearch while reindexes and issue syncs write to it.
restart_elasticsearch() {
  stop_pidfile Elasticsearch "$STATE_DIR/es.pid"
  for _ in $(seq 1 30); do port_open "$ES_PORT" || break; sleep 1; done
  start_elasticsearch
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  status) status ;;
  crash-restart-temporal) crash_restart_temporal ;;
  restart-elasticsearch) restart_elasticsearch ;;
  *) echo "usage: $0 up|down|status|crash-restart-temporal|restart-elasticsearch" >&2; exit 2 ;;
esac

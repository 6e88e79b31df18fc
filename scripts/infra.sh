#!/usr/bin/env bash
# Provisions and runs the local infrastructure on 127.0.0.1: Temporal, Redis, PostgreSQL and
# Elasticsearch. Idempotent: what is installed is reused, what runs is left running.
#   infra.sh up             install what is missing, start what is not running, print the addresses
#   infra.sh down           stop what this script started
#   infra.sh status         print what is running
#   infra.sh up-temporal    only Temporal (and, for TPW_TEMPORAL=server, the PostgreSQL it needs):
#   infra.sh down-temporal  e.g. a second one on other ports (TPW_TEMPORAL_PORT, TPW_STATE_DIR) to try
#                           the server mode next to a running dev server
# Temporal comes in two modes, chosen by TPW_TEMPORAL:
#   dev     (default) the Temporal CLI's dev server: one process, SQLite, Web UI; what the tests run.
#   server  the Temporal server binary as a deployment runs it: PostgreSQL persistence and SQL
#           visibility (schemas made by temporal-sql-tool), a YAML config, a dynamic config file,
#           4 history shards, no Web UI. Same frontend address, namespace, search attributes and
#           dynamic config as the dev server, so every client and test works unchanged.
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
TEMPORAL_MODE="${TPW_TEMPORAL:-dev}"
# Server mode: its databases in the PostgreSQL below, reached as a role of its own (as a deployment
# gives Temporal its own credentials; docker-compose.yml's temporal-postgres uses the same).
TEMPORAL_DB="${TPW_TEMPORAL_DB:-temporal}"
TEMPORAL_VISIBILITY_DB="${TPW_TEMPORAL_VISIBILITY_DB:-temporal_visibility}"
TEMPORAL_PG_USER="${TPW_TEMPORAL_PG_USER:-temporal}"
TEMPORAL_PG_PASSWORD="${TPW_TEMPORAL_PG_PASSWORD:-temporal}"
# Fixed for the life of the databases: the server refuses to start on a database made with another
# count (drop both databases to change it). 4 is what Temporal's own development configs use.
TEMPORAL_HISTORY_SHARDS="${TPW_TEMPORAL_HISTORY_SHARDS:-4}"
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

case "$TEMPORAL_MODE" in
  dev | server) ;;
  *) echo "TPW_TEMPORAL must be dev or server, not \"$TEMPORAL_MODE\"" >&2; exit 2 ;;
esac

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

# The dynamic config both modes run with: dev-server flags or the server's dynamic config file.
# The server must not call home (the machine reaches no such host, and a deployment should not either).
# Task-queue fairness is decided per partition, so one partition per task queue (set before any
# backlog exists: tasks written to other partitions would be stranded when the count drops).
TEMPORAL_DYNAMIC_CONFIG=(
  frontend.enableServerVersionCheck=false
  matching.enableFairness=true
  matching.numTaskqueueReadPartitions=1
  matching.numTaskqueueWritePartitions=1
)
# What the workflows carry (src/temporal/searchAttributes.ts), all Keyword.
TEMPORAL_SEARCH_ATTRIBUTES=(TenantId JobQueue JobName)

# The mode that runs now, from its pid file (so down, status and crash-restart need no TPW_TEMPORAL);
# empty when neither runs.
temporal_running_mode() {
  local mode
  for mode in server dev; do
    if [ -s "$(temporal_pidfile $mode)" ] && kill -0 "$(cat "$(temporal_pidfile $mode)")" 2>/dev/null; then
      echo "$mode"; return 0
    fi
  done
}
temporal_pidfile() { if [ "$1" = server ]; then echo "$STATE_DIR/temporal-server.pid"; else echo "$STATE_DIR/temporal.pid"; fi; }

start_temporal() {
  if port_open "$TEMPORAL_PORT"; then
    log "Temporal already listening on $TEMPORAL_PORT"
    # Switching modes takes a stop: say so rather than leave the other mode running unnoticed.
    local running; running=$(temporal_running_mode)
    if [ -n "$running" ] && [ "$running" != "$TEMPORAL_MODE" ]; then
      log "it runs in $running mode, not TPW_TEMPORAL=$TEMPORAL_MODE: stop it first (npm run infra:down)"
    fi
    return 0
  fi
  if [ "$TEMPORAL_MODE" = server ]; then start_temporal_server; else start_temporal_dev; fi
}

start_temporal_dev() {
  install_temporal
  local headless_flag=() dynamic_flags=() value
  [ "$TEMPORAL_HEADLESS" = true ] && headless_flag=(--headless)
  for value in "${TEMPORAL_DYNAMIC_CONFIG[@]}"; do dynamic_flags+=(--dynamic-config-value "$value"); done
  local search_flags=() name
  for name in "${TEMPORAL_SEARCH_ATTRIBUTES[@]}"; do search_flags+=(--search-attribute "$name=Keyword"); done
  log "starting Temporal dev server"
  # WAL with synchronous=normal survives a crash of the server process (not of the machine) and
  # lets SQLite commit several times faster than its default of one fsync per transaction.
  nohup "$(temporal_bin)" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" "${headless_flag[@]}" \
    --db-filename "$STATE_DIR/temporal.sqlite" \
    "${search_flags[@]}" \
    --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=${TPW_TEMPORAL_SQLITE_SYNCHRONOUS:-normal} \
    "${dynamic_flags[@]}" \
    --log-level warn >"$STATE_DIR/temporal.log" 2>&1 &
  echo $! >"$(temporal_pidfile dev)"
  wait_for Temporal 60 port_open "$TEMPORAL_PORT"
  # The frontend answers before the default namespace is ready; describe proves it is.
  wait_for "Temporal namespace" 60 "$(temporal_bin)" operator namespace describe --address "127.0.0.1:$TEMPORAL_PORT" -n default
}

# ---------------------------------------------------------------- Temporal server mode
# The server and its schema tool, from the very module and version the CLI embeds, so both modes run
# the same server code. Built into the CLI's cache directory, each named by its version.
temporal_server_bin() { echo "$BIN_DIR/temporal-server-v$TEMPORAL_SERVER_VERSION"; }
temporal_sql_tool_bin() { echo "$BIN_DIR/temporal-sql-tool-v$TEMPORAL_SERVER_VERSION"; }

install_temporal_server() {
  # The CLI too: it creates the namespace and search attributes and proves readiness.
  install_temporal
  [ -x "$(temporal_server_bin)" ] && [ -x "$(temporal_sql_tool_bin)" ] && return 0
  command -v go >/dev/null || { log "Go is required to build the Temporal server"; return 1; }
  log "building Temporal server v$TEMPORAL_SERVER_VERSION and temporal-sql-tool from the Go module proxy (first time only, several minutes)"
  # go.temporal.io/server has no replace directive, so go install builds it outside any module.
  # Pure Go (pgx for PostgreSQL), so CGO is not needed; without it the binaries are static.
  local gobin; gobin=$(mktemp -d)
  CGO_ENABLED=0 GOBIN="$gobin" go install \
    "go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION" \
    "go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION" >&2
  mv "$gobin/server" "$(temporal_server_bin)"; mv "$gobin/sql" "$(temporal_sql_tool_bin)"; rmdir "$gobin"
}

pg_superuser() { su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 $*"; }

temporal_sql_tool() { # database command...
  local db=$1; shift
  "$(temporal_sql_tool_bin)" --plugin postgres12 --endpoint 127.0.0.1 --port "$PG_PORT" \
    --user "$TEMPORAL_PG_USER" --password "$TEMPORAL_PG_PASSWORD" --database "$db" "$@" \
    >>"$STATE_DIR/temporal-server-schema.log" 2>&1 ||
    { log "temporal-sql-tool $* on $db failed, see $STATE_DIR/temporal-server-schema.log"; return 1; }
}

# Creates the two databases once and brings their schemas to the server's version on every start,
# as Temporal's own setup does: setup-schema -v 0.0 only makes the version tables (a no-op when
# they exist), update-schema applies the versioned steps not yet applied. The steps are those of
# schema/postgresql/v12/{temporal,visibility}/versioned in the server module, embedded in
# temporal-sql-tool (--schema-name), so the tool and the schema are always of one version and do
# not depend on the Go module cache surviving.
setup_temporal_schema() {
  : >"$STATE_DIR/temporal-server-schema.log" # this start's output only
  pg_superuser "-tAc \"SELECT 1 FROM pg_roles WHERE rolname='$TEMPORAL_PG_USER'\"" | grep -q 1 ||
    pg_superuser "-qc \"CREATE ROLE $TEMPORAL_PG_USER LOGIN CREATEDB PASSWORD '$TEMPORAL_PG_PASSWORD'\""
  local pair db schema
  for pair in "$TEMPORAL_DB:temporal" "$TEMPORAL_VISIBILITY_DB:visibility"; do
    db=${pair%%:*} schema=${pair#*:}
    if ! pg_superuser "-tAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1; then
      log "creating database $db (Temporal $schema schema)"
      temporal_sql_tool "$db" create-database --defaultdb postgres
    fi
    temporal_sql_tool "$db" setup-schema -v 0.0
    temporal_sql_tool "$db" update-schema --schema-name "postgresql/v12/$schema"
  done
}

# One cluster, all four services in one process. Ports follow Temporal's defaults relative to the
# frontend's (7233: history 7234, matching 7235, worker 7239, frontend HTTP 7243, membership 6933-6939),
# so a second server on another frontend port does not collide with the first.
write_temporal_server_config() {
  local dir="$STATE_DIR/temporal-server" p=$TEMPORAL_PORT
  mkdir -p "$dir"
  cat >"$dir/development.yaml" <<YAML
# Written by scripts/infra.sh on every start (edits are lost): TPW_TEMPORAL=server.
log:
  stdout: true
  level: warn

persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: $TEMPORAL_HISTORY_SHARDS
  datastores:
    default:
      sql:
        pluginName: postgres12
        databaseName: $TEMPORAL_DB
        connectAddr: 127.0.0.1:$PG_PORT
        connectProtocol: tcp
        user: $TEMPORAL_PG_USER
        password: "$TEMPORAL_PG_PASSWORD"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    visibility:
      sql:
        pluginName: postgres12
        databaseName: $TEMPORAL_VISIBILITY_DB
        connectAddr: 127.0.0.1:$PG_PORT
        connectProtocol: tcp
        user: $TEMPORAL_PG_USER
        password: "$TEMPORAL_PG_PASSWORD"
        maxConns: 10
        maxIdleConns: 10
        maxConnLifetime: 1h

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1

services:
  frontend:
    rpc: { grpcPort: $p, httpPort: $((p + 10)), membershipPort: $((p - 300)), bindOnLocalHost: true }
  history:
    rpc: { grpcPort: $((p + 1)), membershipPort: $((p - 299)), bindOnLocalHost: true }
  matching:
    rpc: { grpcPort: $((p + 2)), membershipPort: $((p - 298)), bindOnLocalHost: true }
  worker:
    rpc: { grpcPort: $((p + 6)), membershipPort: $((p - 294)), bindOnLocalHost: true }

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:$p
      httpAddress: 127.0.0.1:$((p + 10))

dcRedirectionPolicy:
  policy: noop

# The worker service (system workflows: scheduler, batch, deletion) reaches the frontend here.
publicClient:
  hostPort: 127.0.0.1:$p

dynamicConfigClient:
  filepath: $dir/dynamicconfig.yaml
  pollInterval: 10s
YAML
  {
    echo "# Written by scripts/infra.sh on every start (TEMPORAL_DYNAMIC_CONFIG there); read every 10 s."
    local entry
    for entry in "${TEMPORAL_DYNAMIC_CONFIG[@]}"; do printf '%s:\n  - value: %s\n' "${entry%%=*}" "${entry#*=}"; done
  } >"$dir/dynamicconfig.yaml"
}

temporal_cli() { "$(temporal_bin)" --address "127.0.0.1:$TEMPORAL_PORT" "$@"; }

# A namespace of its own is not made by the server (the dev server and auto-setup images make
# `default`); describe first, so a restart does not try again.
ensure_temporal_namespace() {
  temporal_cli operator namespace describe -n default || temporal_cli operator namespace create -n default
}

# Search attributes on SQL visibility belong to a namespace (aliases of pre-allocated columns).
# Only the missing ones are created: creating one that exists is a no-op, but a warning in the
# server's log on every start. One call each: CLI v1.5.1 takes several --name but registers only
# the first.
ensure_temporal_search_attributes() {
  local existing name
  existing=$(temporal_cli operator search-attribute list -n default) || return 1
  for name in "${TEMPORAL_SEARCH_ATTRIBUTES[@]}"; do
    grep -qw "$name" <<<"$existing" ||
      temporal_cli operator search-attribute create -n default --name "$name" --type Keyword || return 1
  done
}

# The frontend learns of a new namespace and its search attributes from its namespace cache, which
# refreshes every few seconds: a query that names every attribute succeeds only once a start
# carrying them would, so up returns when the first test can start a workflow.
temporal_search_attributes_usable() {
  local query="" name
  for name in "${TEMPORAL_SEARCH_ATTRIBUTES[@]}"; do query+="${query:+ AND }$name = 'ready'"; done
  temporal_cli workflow list -n default --limit 1 --query "$query"
}

start_temporal_server() {
  install_temporal_server
  port_open "$PG_PORT" || start_postgres
  setup_temporal_schema
  write_temporal_server_config
  log "starting Temporal server v$TEMPORAL_SERVER_VERSION (PostgreSQL $TEMPORAL_DB, $TEMPORAL_VISIBILITY_DB)"
  nohup "$(temporal_server_bin)" --root "$STATE_DIR/temporal-server" --config . --env development \
    --allow-no-auth start >"$STATE_DIR/temporal-server.log" 2>&1 &
  echo $! >"$(temporal_pidfile server)"
  wait_for Temporal 120 port_open "$TEMPORAL_PORT"
  # Four services and their membership ring must be up before the frontend serves requests.
  wait_for "Temporal cluster" 120 temporal_cli operator cluster health
  wait_for "Temporal namespace" 60 ensure_temporal_namespace
  wait_for "Temporal search attributes" 60 ensure_temporal_search_attributes
  wait_for "Temporal namespace cache" 60 temporal_search_attributes_usable
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
  if [ "$TEMPORAL_MODE" = server ]; then install_temporal_server & else install_temporal & fi
  local t=$!
  (apt_install redis-server "postgresql-$PG_MAJOR" curl unzip maven && install_elasticsearch) & local o=$!
  wait $t; wait $o
  start_redis
  start_postgres
  start_elasticsearch
  start_temporal
  local temporal_note="dev server, Web UI http://127.0.0.1:$TEMPORAL_UI_PORT unless headless"
  [ "$TEMPORAL_MODE" = server ] && temporal_note="server on PostgreSQL $TEMPORAL_DB, $TEMPORAL_VISIBILITY_DB; no Web UI"
  cat <<TXT
Infrastructure is up:
  Temporal         127.0.0.1:$TEMPORAL_PORT   ($temporal_note)
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

down_temporal() {
  stop_pidfile "Temporal dev server" "$(temporal_pidfile dev)"
  stop_pidfile "Temporal server" "$(temporal_pidfile server)"
}

down() {
  down_temporal
  stop_pidfile Elasticsearch "$STATE_DIR/es.pid"
  stop_pidfile Redis "$STATE_DIR/redis.pid"
  if [ -f "$STATE_DIR/postgres.started" ]; then
    log "stopping PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(pg_cluster_version)" main stop || true
    rm -f "$STATE_DIR/postgres.started"
  fi
}

status() {
  local mode; mode=$(temporal_running_mode)
  if port_open "$TEMPORAL_PORT"; then echo "Temporal up on $TEMPORAL_PORT (${mode:-not started by this script}${mode:+ mode})"
  else echo "Temporal down"; fi
  for svc in "Redis:$REDIS_PORT" "PostgreSQL:$PG_PORT" "Elasticsearch:$ES_PORT"; do
    if port_open "${svc#*:}"; then echo "${svc%%:*} up on ${svc#*:}"; else echo "${svc%%:*} down"; fi
  done
}

# The chaos run (scripts/chaos.ts) crashes the Temporal server and brings it back in the mode that
# ran: the dev server's SQLite state (WAL) or the server's PostgreSQL state must survive a killed process.
crash_restart_temporal() {
  local mode; mode=$(temporal_running_mode)
  if [ -n "$mode" ]; then
    TEMPORAL_MODE=$mode
    local pidfile; pidfile=$(temporal_pidfile "$mode")
    local pid; pid=$(cat "$pidfile")
    log "killing Temporal $([ "$mode" = server ] && echo server || echo dev server) ($pid)"; kill -9 "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do port_open "$TEMPORAL_PORT" || break; sleep 1; done
    rm -f "$pidfile"
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
  up-temporal) start_temporal ;;
  down-temporal) down_temporal ;;
  crash-restart-temporal) crash_restart_temporal ;;
  restart-elasticsearch) restart_elasticsearch ;;
  *) echo "usage: $0 up|down|status|up-temporal|down-temporal|crash-restart-temporal|restart-elasticsearch" >&2; exit 2 ;;
esac

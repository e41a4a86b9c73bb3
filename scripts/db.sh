#!/usr/bin/env bash
# Provisions PostgreSQL with pgvector for citebot and prints one line,
# `export DATABASE_URL=...`, for the database it set up.
#
#   scripts/db.sh          set up (idempotent) and start the project's cluster
#   scripts/db.sh stop     stop the project's cluster
#
# If DATABASE_URL is set, reachable and `vector` can be created there, it is
# used as it is and nothing else happens. Otherwise PostgreSQL and pgvector
# are installed with apt where missing (pgvector from a distro package where
# one exists, else built from Debian's source package), and a private cluster
# is created under .data/pg, owned by a non-root user, listening on a Unix
# socket in that folder and on 127.0.0.1:${CITEBOT_PG_PORT:-54329}.
# The application role (citebot) is an ordinary role: LOGIN and CREATEDB
# (tests make a database each), no SUPERUSER. The cluster's superuser is
# postgres, reachable only through the Unix socket in the cluster's 0700
# folder; it creates the vector extension in template1 and in citebot, so
# the migrations' CREATE EXTENSION IF NOT EXISTS is a no-op for citebot
# (pgvector is not a trusted extension). A cluster made by an older db.sh,
# where citebot was the superuser, is migrated on the next run.
# A replication role (citebot_replication) lets streaming replicas and
# pg_basebackup in; its URL goes to .data/replication_url, for the
# read-replica test. A cluster made before it gets it on the next run.
# Works as root (CI) and as a normal user with sudo. Progress goes to stderr;
# stdout carries only the export line.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${CITEBOT_DATA_DIR:-$repo/.data}
port=${CITEBOT_PG_PORT:-54329}
dbname=citebot
dbuser=citebot
repluser=citebot_replication
admin=postgres

log() { printf 'db: %s\n' "$*" >&2; }
die() { printf 'db: error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=
apt_install() {
	if [ -z "$apt_updated" ]; then
		log "apt-get update"
		as_root apt-get update -qq >&2
		apt_updated=1
	fi
	log "apt-get install $*"
	local out
	out=$(mktemp)
	if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$out" 2>&1; then
		cat "$out" >&2
		rm -f "$out"
		die "apt-get install $* did not succeed"
	fi
	rm -f "$out"
}

# check_url succeeds when DATABASE_URL answers and vector can be created.
check_url() {
	command -v psql >/dev/null 2>&1 || return 1
	PGCONNECT_TIMEOUT=5 psql "$1" -qAtX -v ON_ERROR_STOP=1 \
		-c 'CREATE EXTENSION IF NOT EXISTS vector' >/dev/null 2>&1
}

pg_version() {
	local v
	v=$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sed -E 's#.*/postgresql/([0-9]+)/bin/pg_ctl#\1#' | sort -n | tail -1)
	printf '%s' "$v"
}

ensure_postgres() {
	if [ -z "$(pg_version)" ]; then
		apt_install postgresql postgresql-contrib
	fi
	pgver=$(pg_version)
	[ -n "$pgver" ] || die "PostgreSQL is not installed and apt could not install it"
	pgbin=/usr/lib/postgresql/$pgver/bin
}

ensure_pgvector() {
	local control=/usr/share/postgresql/$pgver/extension/vector.control
	[ -f "$control" ] && return 0
	if [ -z "$apt_updated" ]; then as_root apt-get update -qq >&2; apt_updated=1; fi
	local pkg=postgresql-$pgver-pgvector
	if apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
		apt_install "$pkg"
	else
		build_pgvector
	fi
	[ -f "$control" ] || die "pgvector did not install: $control is missing"
}

# build_pgvector builds Debian's pgvector source package (from the trixie
# suite) against postgresql-server-dev. The deb-src entry lives in a
# temporary apt configuration, so the system's apt sources are not changed.
build_pgvector() {
	log "no pgvector package for PostgreSQL $pgver: building Debian's source package"
	apt_install "postgresql-server-dev-$pgver" make gcc libc6-dev
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	trap 'as_root rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/apt/lists/partial" "$tmp/apt/parts" "$tmp/src"
	echo 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main' >"$tmp/apt/sources.list"
	local opts=(-o "Dir::Etc::SourceList=$tmp/apt/sources.list" -o "Dir::Etc::SourceParts=$tmp/apt/parts"
		-o "Dir::State::Lists=$tmp/apt/lists" -o "Debug::NoLocking=1")
	apt-get "${opts[@]}" update -qq >&2 2>/dev/null || apt-get "${opts[@]}" update >&2
	(cd "$tmp/src" && apt-get "${opts[@]}" source --download-only pgvector >&2 2>/dev/null)
	local orig
	orig=$(ls "$tmp"/src/pgvector_*.orig.tar.* 2>/dev/null | head -1)
	[ -n "$orig" ] || die "could not fetch Debian's pgvector source package"
	tar -xf "$orig" -C "$tmp/src"
	local dir
	dir=$(find "$tmp/src" -mindepth 1 -maxdepth 1 -type d -name 'pgvector*' | head -1)
	log "building $(basename "$dir")"
	make -s -C "$dir" PG_CONFIG="$pgbin/pg_config" OPTFLAGS="" >&2
	as_root make -s -C "$dir" PG_CONFIG="$pgbin/pg_config" install >&2
	as_root rm -rf "$tmp"
	trap - EXIT
}

# The cluster must not run as root: as root, use the postgres system user
# (created by the postgresql package).
pick_owner() {
	if [ "$(id -u)" -ne 0 ]; then
		owner=$(id -un)
		run_as() { "$@"; }
		return
	fi
	owner=postgres
	id -u "$owner" >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin "$owner"
	run_as() { runuser -u "$owner" -- "$@"; }
}

# pick_pgdata puts the cluster in $data/pg, or, when the owner cannot reach
# that folder (a checkout under a private home, as root), in /var/lib/citebot.
pick_pgdata() {
	mkdir -p "$data"
	pgdata=$data/pg
	if [ -f "$data/pg-location" ]; then
		pgdata=$(cat "$data/pg-location")
	elif [ "$(id -u)" -eq 0 ] && ! runuser -u "$owner" -- test -x "$data"; then
		pgdata=/var/lib/citebot/$(printf '%s' "$repo" | sha256sum | cut -c1-12)/pg
		log "$owner cannot reach $data; the cluster lives in $pgdata"
	fi
	echo "$pgdata" >"$data/pg-location"
	mkdir -p "$pgdata"
	chmod 700 "$pgdata"
	[ "$(id -u)" -ne 0 ] || chown "$owner" "$pgdata"
}

init_cluster() {
	[ -f "$pgdata/PG_VERSION" ] && return 0
	log "creating a cluster in $pgdata"
	# initdb wants a password for the superuser when host logins need one;
	# it is never used: the superuser comes in through the socket only.
	local pwfile
	pwfile=$(mktemp)
	head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$pwfile"
	[ "$(id -u)" -ne 0 ] || chown "$owner" "$pwfile"
	if ! run_as "$pgbin/initdb" -D "$pgdata" -U "$admin" --pwfile="$pwfile" \
		--auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$data/initdb.log" 2>&1; then
		rm -f "$pwfile"
		cat "$data/initdb.log" >&2
		find "$pgdata" -mindepth 1 -delete
		die "initdb did not succeed"
	fi
	rm -f "$pwfile"
	cat >>"$pgdata/postgresql.conf" <<CONF
# citebot's private cluster
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$pgdata'
shared_buffers = 256MB
maintenance_work_mem = 512MB
max_connections = 200
CONF
}

start_cluster() {
	if run_as "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
		return 0
	fi
	log "starting PostgreSQL $pgver on 127.0.0.1:$port"
	run_as "$pgbin/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 start >&2 ||
		die "PostgreSQL did not start; see $pgdata/server.log"
}

# psql_as ROLE DB [psql args]: psql through the cluster's socket.
psql_as() {
	local role=$1 db=$2
	shift 2
	run_as env PGOPTIONS="-c client_min_messages=warning" "$pgbin/psql" -h "$pgdata" -p "$port" -U "$role" -d "$db" \
		-qAtX -v ON_ERROR_STOP=1 "$@"
}

# migrate_bootstrap turns a cluster made by an older db.sh (initdb -U
# citebot) into the current layout. There citebot is the bootstrap
# superuser, which owns the system catalogs: taking SUPERUSER away would
# leave it able to write pg_authid. So that role is renamed to postgres,
# and citebot is made again, as an ordinary role, by setup_roles.
migrate_bootstrap() {
	local boot
	boot=$(psql_as "$dbuser" postgres -c "SELECT rolname FROM pg_roles WHERE oid = 10" 2>/dev/null) || return 0
	[ "$boot" = "$dbuser" ] || return 0
	if [ "$(psql_as "$dbuser" postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$admin'")" = 1 ]; then
		die "role $dbuser is the cluster's bootstrap superuser and a role $admin exists too: migrate by hand"
	fi
	log "migrating the cluster: $dbuser is its superuser; renaming that role to $admin"
	# The session user cannot rename itself: a helper role does it.
	psql_as "$dbuser" postgres -c "DROP ROLE IF EXISTS citebot_migrate" -c "CREATE ROLE citebot_migrate SUPERUSER LOGIN" >&2
	psql_as citebot_migrate postgres -c "ALTER ROLE $dbuser RENAME TO $admin" >&2
	psql_as "$admin" postgres -c "DROP ROLE citebot_migrate" -c "ALTER ROLE $admin PASSWORD NULL" >&2
}

# setup_roles makes citebot an ordinary role with the password of
# $data/pg-password (made on first use).
setup_roles() {
	if [ ! -s "$data/pg-password" ]; then
		head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 24 >"$data/pg-password"
		chmod 600 "$data/pg-password"
	fi
	local pw
	pw=$(cat "$data/pg-password")
	# The password goes through stdin, not the process list.
	printf '%s\n' \
		"SELECT 'CREATE ROLE $dbuser LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$dbuser') \\gexec" \
		"ALTER ROLE $dbuser LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$pw';" \
		"DROP ROLE IF EXISTS citebot_migrate;" | psql_as "$admin" postgres >&2
}

# setup_replication makes the role that streaming replicas (and
# pg_basebackup) connect as, $repluser with REPLICATION and the password of
# $data/pg-replication-password, lets it in over TCP from 127.0.0.1, and
# writes its URL to $data/replication_url: the read-replica test
# (rag/store) makes a real standby of this cluster with it. An existing
# cluster gets all of it on the next run; no restart is needed (the
# defaults wal_level = replica and max_wal_senders = 10 allow streaming).
setup_replication() {
	if [ ! -s "$data/pg-replication-password" ]; then
		head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 24 >"$data/pg-replication-password"
		chmod 600 "$data/pg-replication-password"
	fi
	local pw hba
	pw=$(cat "$data/pg-replication-password")
	printf '%s\n' \
		"SELECT 'CREATE ROLE $repluser' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$repluser') \\gexec" \
		"ALTER ROLE $repluser LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$pw';" | psql_as "$admin" postgres >&2
	hba=$(psql_as "$admin" postgres -c "SHOW hba_file")
	if ! run_as grep -Eq "^host[[:space:]]+replication[[:space:]]+(all|$repluser)[[:space:]]+127\.0\.0\.1/32" "$hba"; then
		log "allowing replication connections from 127.0.0.1 in $hba"
		printf 'host    replication     %s     127.0.0.1/32            scram-sha-256\n' "$repluser" | run_as tee -a "$hba" >/dev/null
		psql_as "$admin" postgres -c "SELECT pg_reload_conf()" >/dev/null
	fi
	printf '%s\n' "postgres://$repluser:$pw@127.0.0.1:$port/$dbname?sslmode=disable" >"$data/replication_url"
	chmod 600 "$data/replication_url"
}

# app_databases lists citebot's database and the tests' (citebot_test_*).
app_databases() {
	psql_as "$admin" postgres -c "SELECT datname FROM pg_database WHERE datname = '$dbname' OR datname LIKE '${dbname}\_%'"
}

# own_objects gives citebot the database db and what the migrations made in
# it (tables with their indexes and sequences, functions), which an older
# db.sh left to the superuser; the extension's own objects stay its owner's.
own_objects() {
	local db=$1
	psql_as "$admin" postgres -c "ALTER DATABASE \"$db\" OWNER TO $dbuser" >&2
	psql_as "$admin" "$db" >&2 <<SQL
SELECT format('ALTER TABLE %s OWNER TO $dbuser', c.oid::regclass)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relowner <> '$dbuser'::regrole
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
\gexec
SELECT format('ALTER FUNCTION %s OWNER TO $dbuser', p.oid::regprocedure)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.proowner <> '$dbuser'::regrole
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
\gexec
SQL
}

create_db() {
	if [ "$(psql_as "$admin" postgres -c "SELECT 1 FROM pg_database WHERE datname = '$dbname'")" != 1 ]; then
		psql_as "$admin" postgres -c "CREATE DATABASE $dbname OWNER $dbuser" >&2
	fi
	# New databases (the tests') copy template1, vector included.
	psql_as "$admin" template1 -c "CREATE EXTENSION IF NOT EXISTS vector" >&2
	psql_as "$admin" "$dbname" -c "CREATE EXTENSION IF NOT EXISTS vector" >&2
	local db
	for db in $(app_databases); do
		own_objects "$db"
	done
}

stop() {
	pick_owner
	[ -f "$data/pg-location" ] || { log "no cluster"; return 0; }
	pgdata=$(cat "$data/pg-location")
	ensure_postgres
	if run_as "$pgbin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
		run_as "$pgbin/pg_ctl" -D "$pgdata" -m fast -w stop >&2
	else
		log "cluster not running"
	fi
}

main() {
	if [ "${1:-}" = stop ]; then stop; return; fi
	if [ -n "${DATABASE_URL:-}" ] && check_url "$DATABASE_URL"; then
		log "using DATABASE_URL as set"
		printf 'export DATABASE_URL=%s\n' "$DATABASE_URL"
		return
	fi
	ensure_postgres
	ensure_pgvector
	pick_owner
	pick_pgdata
	init_cluster
	start_cluster
	migrate_bootstrap
	setup_roles
	setup_replication
	create_db
	local url="postgres://$dbuser:$(cat "$data/pg-password")@127.0.0.1:$port/$dbname?sslmode=disable"
	printf '%s\n' "$url" >"$data/database_url"
	chmod 600 "$data/database_url"
	printf 'export DATABASE_URL=%s\n' "$url"
}

main "$@"

#!/usr/bin/env bash
# A local Tryton 6.0 LTS (Debian packages, SQLite) for PsaSync's live ERP tests and the Tryton demo.
#
#   scripts/tryton.sh install   apt packages (no recommends) and the 6.0 project_revenue SQLite fix
#   scripts/tryton.sh init      a fresh database: modules, company, chart, fiscal year, product, API user
#   scripts/tryton.sh start     trytond on a free loopback port; the URL goes to $TRYTON_HOME/state.env
#   scripts/tryton.sh stop      stops the trytond this script started (by its PID)
#   scripts/tryton.sh status    prints whether it runs and where
#   scripts/tryton.sh reset     stop, restore the database as init left it, start (about a second)
#
# Every command is idempotent: install skips what is installed, init skips a database made by the same setup (reset for a
# clean one), start does nothing when the server already answers. Each prints what it did and how long it took.
# Environment: TRYTON_HOME (default /tmp/psasync-tryton), TRYTON_DB (psa), TRYTON_API_PASSWORD (the password of
# the API user psa_sync; default below is for this throwaway local database only).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home="${TRYTON_HOME:-/tmp/psasync-tryton}"
db="${TRYTON_DB:-psa}"
api_password="${TRYTON_API_PASSWORD:-PsaSync-Local-7x!}"
# Debian's interpreter: trytond and proteus live in its dist-packages, which a pyenv/venv python3 cannot see.
py=/usr/bin/python3
packages=(tryton-server tryton-proteus tryton-modules-party tryton-modules-company tryton-modules-currency
  tryton-modules-country tryton-modules-account tryton-modules-account-invoice tryton-modules-account-product
  tryton-modules-product tryton-modules-project tryton-modules-project-invoice tryton-modules-timesheet
  tryton-modules-timesheet-cost)

started_at=$(date +%s.%N)
say() { printf 'tryton: %s\n' "$*"; }
took() { awk -v a="$started_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
fail() { printf 'tryton: %s\n' "$*" >&2; exit 1; }

url() { sed -n 's/^TRYTON_URL=//p' "$home/state.env" 2>/dev/null; }
pid() { cat "$home/trytond.pid" 2>/dev/null || true; }
running() { local p; p=$(pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
# Whether a Tryton answers at URL $1 (Debian's python3 comes with trytond; curl may not be installed).
answers() {
  [ -n "$1" ] && $py - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
body = b'{"id": 0, "method": "common.server.version", "params": []}'
request = urllib.request.Request(sys.argv[1], body, {"Content-Type": "application/json"})
urllib.request.urlopen(request, timeout=2).read()
PY
}

do_install() {
  # Not root: sudo that fails instead of waiting for a password nobody will type (CI, the test fixture).
  local sudo=; [ "$(id -u)" = 0 ] || sudo="sudo -n"
  if dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | grep -vq 'install ok installed' \
     || [ "$(dpkg-query -W -f='${Status}\n' "${packages[@]}" 2>/dev/null | wc -l)" -ne "${#packages[@]}" ]; then
    command -v apt-get >/dev/null || fail "apt-get is not available: Tryton 6.0 is installed from Debian packages"
    $sudo apt-get update -qq >/dev/null
    # Without --no-install-recommends apt also pulls PostgreSQL, LibreOffice and more (hundreds of packages).
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    say "installed ${#packages[@]} packages and their dependencies"
  else
    say "packages already installed"
  fi
  # project_revenue 6.0 fails on SQLite when it reads project.work.cost (an int where it expects a float), and
  # that failure can leave the database locked. PsaSync never reads cost; the fix protects anyone who does (reports, trytond-console).
  local f=/usr/lib/python3/dist-packages/trytond/modules/project_revenue/work.py
  if [ -f "$f" ] && grep -q 'if not isinstance(cost, float):' "$f"; then
    $sudo sed -i 's/if not isinstance(cost, float):/if not isinstance(cost, (int, float)):/' "$f"
    say "patched project_revenue cost on SQLite"
  fi
  say "install done in $(took)s"
}

free_port() { $py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

do_init() {
  command -v trytond-admin >/dev/null || fail "trytond-admin not found: run scripts/tryton.sh install first"
  # The seed remembers which setup made it: a changed setup script means a new database.
  local setup_version; setup_version=$(cat "$here/tryton_setup.py" "$0" | sha256sum | cut -c1-16)
  if [ -f "$home/$db.seed.sqlite" ] && [ "$(cat "$home/seed.version" 2>/dev/null)" = "$setup_version" ]; then
    say "database $db already initialised in $home (reset restores it, rm -rf $home starts over)"
    return
  fi
  do_stop quiet
  rm -rf "$home"; mkdir -p "$home/db"
  local port; port=$(free_port)
  cat >"$home/trytond.conf" <<CONF
[database]
uri = sqlite://
path = $home/db

[web]
listen = 127.0.0.1:$port

[session]
# Idle timeout in seconds. Methods such as invoice posting need a fresh session; the client logs in again on a 401.
timeout = 3600
CONF
  printf 'TRYTON_URL=http://127.0.0.1:%s/\nTRYTON_PORT=%s\nTRYTON_DATABASE=%s\nTRYTON_USER=psa_sync\n' "$port" "$port" "$db" >"$home/state.env"
  # The admin password only protects this throwaway database; trytond-admin reads it from a file.
  printf 'admin\n' >"$home/admin.pass"
  touch "$home/db/$db.sqlite"   # the SQLite backend does not create the file itself
  TRYTONPASSFILE="$home/admin.pass" trytond-admin -c "$home/trytond.conf" -d "$db" \
    -u project_invoice timesheet_cost --activate-dependencies --email admin@example.invalid \
    </dev/null >"$home/admin.log" 2>&1 || { tail -n 20 "$home/admin.log" >&2; fail "trytond-admin failed"; }
  say "database $db created with its modules ($(took)s)"
  PYTHONWARNINGS=ignore TRYTON_API_PASSWORD="$api_password" $py "$here/tryton_setup.py" "$home/trytond.conf" "$db" \
    >"$home/setup.log" 2>&1 || { tail -n 20 "$home/setup.log" >&2; fail "company setup failed"; }
  sed 's/^/tryton:   /' "$home/setup.log"
  cp "$home/db/$db.sqlite" "$home/$db.seed.sqlite"
  echo "$setup_version" >"$home/seed.version"
  say "init done in $(took)s"
}

do_start() {
  [ -f "$home/trytond.conf" ] || fail "no database in $home: run scripts/tryton.sh init first"
  local u; u=$(url)
  if running && answers "$u"; then
    say "already running at $u (pid $(pid))"
    return
  fi
  do_stop quiet
  # One request at a time: the stock trytond is threaded, and parallel writes on SQLite race.
  $py "$here/tryton_serve.py" -c "$home/trytond.conf" -d "$db" --pidfile "$home/trytond.pid" \
    >"$home/trytond.log" 2>&1 </dev/null &
  disown || true
  for _ in $(seq 1 150); do
    if answers "$u"; then
      say "started at $u (pid $(pid)) in $(took)s"
      return
    fi
    sleep 0.2
  done
  tail -n 20 "$home/trytond.log" >&2
  fail "trytond did not answer at $u within 30 s"
}

do_stop() {
  local p; p=$(pid)
  if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
    kill "$p"
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -9 "$p"
    [ "${1:-}" = quiet ] || say "stopped pid $p in $(took)s"
  else
    [ "${1:-}" = quiet ] || say "not running"
  fi
  rm -f "$home/trytond.pid"
}

do_status() {
  if running && answers "$(url)"; then
    say "running at $(url) (pid $(pid)), database $db in $home"
  else
    say "not running (home $home)"
    return 3
  fi
}

do_reset() {
  [ -f "$home/$db.seed.sqlite" ] || fail "nothing to reset to: run scripts/tryton.sh init first"
  do_stop quiet
  cp "$home/$db.seed.sqlite" "$home/db/$db.sqlite"
  say "database $db restored"
  do_start
}

case "${1:-}" in
  install) do_install ;;
  init) do_init ;;
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  reset) do_reset ;;
  *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac

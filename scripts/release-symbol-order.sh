#!/usr/bin/env bash
# Writes scripts/release-symbol-order.txt, the order in which the release link
# (`make bench`) lays out the node's functions: first every function a node runs
# while it starts and idles, in the order it first runs them, then those its
# first requests run (pages, the API, the federation documents, a post).
#
# Why: an idle node's resident memory is mostly the pages of its own code, and
# the kernel maps code 64 kB at a time around each page a process touches. With
# the functions of start-up scattered over 35 MB of code, an idle node had about
# 25 MB of it resident; packed together, a few MB. lld places the functions named
# here first (each function is a section of its own: the release build compiles
# with -function-sections) and every other function after them, as before.
#
# How: a release node is started under valgrind's callgrind, which records every
# function that runs; a dump 3 s after "node is serving" (where `meent-bench`
# reads the idle figure) separates start-up from the requests that follow.
# Names the binary does not define (libc, SQLite) are left out. Run it again
# when start-up changes much; a stale file still links (unknown names are
# ignored), it only packs less.
#
#   scripts/release-symbol-order.sh [RELEASE_BINARY] [OUTPUT]
# Needs valgrind (installed with apt when run as root), curl and python3.
set -euo pipefail

binary=$(readlink -f "${1:-.build-release/release/meent}")
output=${2:-scripts/release-symbol-order.txt}
[[ -x "$binary" ]] || { echo "no executable at $binary: run make bench (or build the release product) first" >&2; exit 1; }

if ! command -v valgrind >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq valgrind >/dev/null
  else
    echo "valgrind is needed: sudo apt-get install -y valgrind" >&2
    exit 1
  fi
fi
for tool in curl python3 strip nm callgrind_control; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is needed" >&2; exit 1; }
done

work=$(mktemp -d)
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

host=127.0.0.79
port=18079
base="http://$host:$port"
settings=(--data-dir "$work/data" --listen-host "$host" --listen-port "$port" --base-url "$base"
          --set BCRYPT_COST=4 --set FEDERATION_MODE=open --set ALLOW_PRIVATE_NETWORK_PEERS=true)

wait_until_serving() { # log file, seconds
  for _ in $(seq 1 $(($2 * 10))); do
    grep -q "node is serving" "$1" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$1" >&2; echo "the node stopped" >&2; exit 1; }
    sleep 0.1
  done
  echo "the node did not start within $2 s" >&2
  exit 1
}

# The first start creates the node (keys, administrator); the profiled start
# is an ordinary one on existing data, as the idle figure's is.
"$binary" serve "${settings[@]}" >"$work/first.log" 2>&1 &
pid=$!
wait_until_serving "$work/first.log" 30
password=$(awk '$1 == "password:" { print $2; exit }' "$work/first.log")
kill -TERM "$pid"; wait "$pid" || true; pid=""

# valgrind cannot read the DWARF of the statically linked binary; the symbol
# table is all this needs.
strip --strip-debug -o "$work/meent" "$binary"
valgrind --tool=callgrind --demangle=no --dump-instr=no --callgrind-out-file="$work/callgrind.out" \
  "$work/meent" serve "${settings[@]}" >"$work/profiled.log" 2>&1 &
pid=$!
wait_until_serving "$work/profiled.log" 600
sleep 3
callgrind_control --dump=start "$pid" >/dev/null 2>&1

get() { curl -s -o /dev/null "$@" || true; }
token=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$password\"}" "$base/api/v1/auth/token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
auth=(-H "Authorization: Bearer $token")
for path in / /login /groups /search?q=water /healthz /metrics /.well-known/nodeinfo /nodeinfo/2.1 \
            "/.well-known/webfinger?resource=acct:admin@$host:$port" /api/v1/groups /missing; do
  get "$base$path"
done
get -H 'Accept: application/activity+json' "$base/users/admin"
get -X POST -H 'Content-Type: application/activity+json' \
  -d '{"id":"https://peer.example/a/1","type":"Follow","actor":"https://peer.example/users/x"}' "$base/inbox"
get "${auth[@]}" -H 'Content-Type: application/json' -d '{"name":"Waterbeheer","slug":"waterbeheer"}' "$base/api/v1/groups"
get "${auth[@]}" -H 'Content-Type: application/json' -d '{"type":"status","body":"Hallo allemaal"}' "$base/api/v1/content"
for path in /api/v1/me /api/v1/me/dashboard /dashboard / /api/v1/search?q=hallo /groups/waterbeheer /api/v1/groups/waterbeheer; do
  get "${auth[@]}" "$base$path"
done
sleep 1
kill -TERM "$pid"; wait "$pid" || true; pid=""

nm --defined-only "$binary" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' >"$work/defined.txt"
python3 - "$work/callgrind.out.1" "$work/callgrind.out" "$work/defined.txt" "$output" <<'EOF'
import re, sys

start_dump, rest_dump, defined_path, output = sys.argv[1:]
pattern = re.compile(r"^c?fn=\((\d+)\)(?: (.*))?$")

def functions(path):
    """Function names of a callgrind dump in the order they first appear."""
    names, seen, order = {}, set(), []
    with open(path, errors="replace") as dump:
        for line in dump:
            match = pattern.match(line.rstrip("\n"))
            if not match:
                continue
            if match.group(2) is not None:
                names[match.group(1)] = re.sub(r"'\d+$", "", match.group(2))
            name = names.get(match.group(1))
            if name and name not in seen:
                seen.add(name)
                order.append(name)
    return order

# Identical functions were folded into one (lld's --icf): callgrind names one
# of the names at that address, and the next link may keep another of them, so
# every name at the address is listed.
names_at, address_of = {}, {}
with open(defined_path) as file:
    for line in file:
        address, name = line.split()
        names_at.setdefault(address, []).append(name)
        address_of[name] = address

def with_aliases(order, placed):
    listed = []
    for name in order:
        for alias in names_at.get(address_of.get(name), []):
            if alias not in placed:
                placed.add(alias)
                listed.append(alias)
    return listed

placed = set()
start = with_aliases(functions(start_dump), placed)
rest = with_aliases(functions(rest_dump), placed)
with open(output, "w") as file:
    file.write("# Written by scripts/release-symbol-order.sh: the release link's function order.\n")
    file.write(f"# {len(start)} functions of start-up and idle, then {len(rest)} of the first requests.\n")
    file.write("\n".join(start + rest) + "\n")
print(f"{output}: {len(start)} functions of start-up and idle, {len(rest)} of the first requests")
EOF

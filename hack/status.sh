#!/usr/bin/env bash
# hack/status.sh — every control plane's autobootstrap status as one table.
#
#   hack/status.sh [--talosconfig FILE] [--context NAME] [-e ENDPOINT] NODE[,NODE...] ...
#
# Reads /var/lib/autobootstrap/status.json from each node with
# `talosctl -n NODE read`, the same admin-only MachineService/Read the agents
# use for ballots (so it needs an admin talosconfig, and the nodes' own
# certificates verify it as usual). A node that cannot be read is a row that
# says why. Needs talosctl and jq; TALOSCTL overrides the talosctl binary.
# Written as a script on the operator's machine because a Talos node has no
# shell to run a `--status` of the agent in.
set -euo pipefail

STATUS_FILE=/var/lib/autobootstrap/status.json
TALOSCTL=${TALOSCTL:-talosctl}

usage() { sed -n '4p' "$0" | sed 's/^#  *//'; }

flags=()
nodes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --talosconfig | --context | -e | --endpoints)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      flags+=("$1" "$2")
      shift 2
      ;;
    --talosconfig=* | --context=* | --endpoints=*) flags+=("$1"); shift ;;
    -n | --nodes)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      IFS=, read -ra more <<<"$2"
      nodes+=("${more[@]}")
      shift 2
      ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "unknown flag $1" >&2; usage >&2; exit 2 ;;
    *)
      IFS=, read -ra more <<<"$1"
      nodes+=("${more[@]}")
      shift
      ;;
  esac
done
[ ${#nodes[@]} -gt 0 ] || { usage >&2; exit 2; }
command -v jq >/dev/null || { echo "hack/status.sh needs jq" >&2; exit 2; }

rows=()
for node in "${nodes[@]}"; do
  if out=$("$TALOSCTL" "${flags[@]}" -n "$node" read "$STATUS_FILE" 2>&1) &&
    printf '%s' "$out" | jq -e 'type == "object"' >/dev/null 2>&1; then
    rows+=("$(printf '%s' "$out" | jq -c --arg n "$node" '{node: $n, s: .}')")
  else
    rows+=("$(jq -cn --arg n "$node" --arg e "$(printf '%s' "$out" | tail -n 1)" '{node: $n, error: $e}')")
  fi
done

# One row per node, columns padded to the widest cell; WHY comes last, unpadded.
printf '%s\n' "${rows[@]}" | jq -rs '
  def cell: if . == null or . == "" then "-" else tostring | gsub("[\\t\\n\\r]"; " ") end;
  def pad($n): . + ([range(0; $n - length)] | map(" ") | join(""));
  def peers: if type == "object" and length > 0 then to_entries | map("\(.key)=\(.value)") | join(",") else null end;
  def row: if .error != null then [.node, "unreadable", null, null, null, null, .error]
    else .s as $s | [.node, $s.phase, "\($s.quorum.seen // "?")/\($s.quorum.needed // "?")", $s.nominee.address?,
      ($s.peers | peers), $s.updated,
      (($s.why // "") + (if ($s.lastError // null) != null then " (last error: \($s.lastError))" else "" end))] end;
  ([["NODE", "PHASE", "QUORUM", "NOMINEE", "PEERS", "UPDATED", "WHY"]] + map(row | map(cell))) as $all
  | [range(0; 7) as $i | $all | map(.[$i] | length) | max] as $w
  | $all[] | [range(0; 7) as $i | if $i == 6 then .[$i] else (.[$i] | pad($w[$i])) end] | join("  ")
'

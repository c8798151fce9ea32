# Sourced by hack/test.sh, demo.sh, bench.sh and netns/sweep.sh, so a run and its sweeps
# agree on where run-named temp dirs live. The sandboxes bind each agent's
# /var/lib/autobootstrap from there, and the agent refuses to keep ballots on
# a memory filesystem: when /tmp is tmpfs (Debian 13's default) and TMPDIR is
# unset, use /var/tmp, which is on disk.
if [ -z "${TMPDIR:-}" ]; then
  case "$(stat -f -c %T /tmp 2>/dev/null || true)" in
    tmpfs | ramfs) export TMPDIR=/var/tmp ;;
  esac
fi

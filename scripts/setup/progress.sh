# shellcheck shell=bash
# What the setup and service scripts tell the user. Sourced by each of them after it sets `label`
# (the prefix of its lines: kafka, models, cfn-lint, ...). A long step prints one line, closed with
# its outcome and elapsed time once it ends:
#
#   kafka: fetching Apache Kafka 4.1.1 and its dependencies from Maven Central… done, 46 jars (14.2 s)
#
# Everything goes to stdout except `die`'s reason, which goes to stderr.

say() { echo "$label: $*"; }

# Ends the open step as failed first, so that the reason reads as its own line.
die() {
  step_end failed
  echo "$label: $*" >&2
  exit 1
}

# Microseconds since the epoch (EPOCHREALTIME is bash 5; its decimal mark follows the locale).
now_us() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    echo "${EPOCHREALTIME/[.,]/}"
  else
    date +%s%6N
  fi
}

# The time since a `now_us` reading, in tenths of a second: "14.2 s".
elapsed_since() {
  local us=$(($(now_us) - $1))
  printf '%d.%d s' $((us / 1000000)) $((us / 100000 % 10))
}

# A path as the user reads it: relative to the current directory when below it.
shown_path() {
  echo "${1#"$PWD/"}"
}

step_started=""

# step_begin TEXT: prints "label: TEXT… " and leaves the line open for step_end.
step_begin() {
  printf '%s: %s… ' "$label" "$1"
  step_started="$(now_us)"
}

# step_end [OUTCOME]: closes the open step's line with OUTCOME (default "done") and its elapsed time.
# Does nothing when no step is open.
step_end() {
  [[ -n "$step_started" ]] || return 0
  printf '%s (%s)\n' "${1:-done}" "$(elapsed_since "$step_started")"
  step_started=""
}

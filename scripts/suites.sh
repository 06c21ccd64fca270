# Sourced by test.sh and sanitize.sh: `run NAME COMMAND...` runs one suite
# and records PASS or FAIL without stopping; `summarize TITLE` prints the
# record and exits non-zero when any suite failed.
status=0
results=()
run() {
  local name=$1; shift
  echo "=== $name"
  if "$@"; then
    results+=("PASS  $name")
  else
    results+=("FAIL  $name"); status=1
  fi
}
summarize() {
  echo
  echo "=== $1"
  printf '%s\n' "${results[@]}"
  exit $status
}

#!/usr/bin/env bash
# The one implementation behind both action.yml files (repository root and this directory).
# Inputs arrive as FR_* environment variables (never spliced into the script text), outputs go to
# $GITHUB_OUTPUT. Commands:
#   validate  validate PATHS, problems as annotations on the diff
#   plan      plan PATHS into OUT_DIR/plan.json (+ plan.md); OUT_DIR/result.json records the outcome
#             for the sticky comment; on failure OUT_DIR/error.txt holds the error
#   apply     apply exactly the saved plan FR_PLAN_FILE (its manifests digest checked against PATHS);
#             there is deliberately no "plan and apply afresh" mode
#   comment   compose the sticky comment from every result.json under FR_RESULTS_DIR
set -o pipefail

out_dir="${FR_OUT_DIR:-${RUNNER_TEMP:-/tmp}/flyte-reconciler/${FR_ENV:-default}}"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"  # absolute: outputs are read by later steps from other directories
env_flag=()
if [ -n "${FR_ENV:-}" ]; then env_flag=(--env "$FR_ENV"); fi
read -r -a paths <<< "${FR_PATHS:-manifests/}"
read -r -a extra <<< "${FR_ARGS:-}"
log_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
output() { echo "$1=$2" >> "${GITHUB_OUTPUT:-/dev/null}"; }

write_result() {  # environment, exit code, plan file or "", error file or ""
  FR_R_ENV="$1" FR_R_CODE="$2" FR_R_PLAN="$3" FR_R_ERROR="$4" FR_R_LOG="$log_url" python - "$out_dir/result.json" <<'PY'
import json, os, sys
record = {"environment": os.environ["FR_R_ENV"] or "default", "exit_code": int(os.environ["FR_R_CODE"]),
          "log_url": os.environ["FR_R_LOG"], "plan": os.environ["FR_R_PLAN"] or None,
          "error": os.environ["FR_R_ERROR"] or None}
open(sys.argv[1], "w").write(json.dumps(record))
PY
}

case "${FR_COMMAND:-plan}" in
  validate)
    flyte-reconciler validate "${paths[@]}" "${env_flag[@]}" --format github "${extra[@]}"
    code=$?
    ;;
  plan)
    rm -f "$out_dir/plan.json" "$out_dir/plan.md" "$out_dir/error.txt"
    flyte-reconciler plan "${paths[@]}" "${env_flag[@]}" --out "$out_dir/plan.json" --detailed-exitcode \
      --format github "${extra[@]}" 2> "$out_dir/stderr.txt"
    code=$?
    cat "$out_dir/stderr.txt" >&2
    if { [ "$code" = 0 ] || [ "$code" = 2 ]; } && [ -f "$out_dir/plan.json" ]; then
      flyte-reconciler show "$out_dir/plan.json" --format markdown > "$out_dir/plan.md"
      write_result "${FR_ENV:-}" "$code" plan.json ""
    else
      mv "$out_dir/stderr.txt" "$out_dir/error.txt"
      write_result "${FR_ENV:-}" "$code" "" error.txt
      output error-file "$out_dir/error.txt"
    fi
    output plan-file "$out_dir/plan.json"
    output markdown-file "$out_dir/plan.md"
    output result-dir "$out_dir"
    if [ "$code" = 2 ]; then output has-changes true; else output has-changes false; fi
    ;;
  apply)
    if [ -z "${FR_PLAN_FILE:-}" ]; then
      echo "::error::apply needs plan-file: this action applies only a saved, reviewed plan (see examples/github)"
      exit 1
    fi
    # Never another environment than the one reviewed: the saved plan names its environment.
    planned_env="$(python -c 'import json,sys; print(json.load(open(sys.argv[1])).get("environment") or "")' \
      "$FR_PLAN_FILE")" || exit 1
    if [ -n "${FR_ENV:-}" ] && [ "$planned_env" != "$FR_ENV" ]; then
      echo "::error::the saved plan was made for environment '${planned_env:-none}', not '$FR_ENV'; refusing to apply it"
      echo "Error: the saved plan was made for environment '${planned_env:-none}', not '$FR_ENV'" > "$out_dir/error.txt"
      output error-file "$out_dir/error.txt"
      output exit-code 1
      exit 1
    fi
    # No --env: the saved plan names its own target; the check above already pinned the environment.
    flyte-reconciler apply --plan "$FR_PLAN_FILE" "${paths[@]}" --auto-approve "${extra[@]}" \
      2> "$out_dir/stderr.txt"
    code=$?
    cat "$out_dir/stderr.txt" >&2
    if [ "$code" != 0 ]; then cp "$out_dir/stderr.txt" "$out_dir/error.txt"; output error-file "$out_dir/error.txt"; fi
    ;;
  comment)
    python "$FR_ACTION_DIR/sticky_comment.py" "${FR_RESULTS_DIR:?results-dir is required}" \
      --out "$out_dir/comment.json" --commit "${FR_COMMIT:-}" --expect "${FR_EXPECT:-}" --log-url "$log_url"
    code=$?
    output comment-file "$out_dir/comment.json"
    ;;
  *)
    echo "::error::unknown command '${FR_COMMAND}' (validate, plan, apply or comment)"
    exit 1
    ;;
esac

output exit-code "$code"
# plan's 2 means "changes present", not failure.
if [ "${FR_COMMAND:-plan}" = plan ] && [ "$code" = 2 ]; then exit 0; fi
exit "$code"

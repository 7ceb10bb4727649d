# shellcheck shell=bash
# Gate step "clusterfuzzlite": .clusterfuzzlite/build.sh runs here with the
# OSS-Fuzz variables set by hand and every target replays its seed corpus
# (ci/clusterfuzzlite-check). A build check, so it runs whatever --fuzz-seconds
# says. Its own build tree, build/gate-cflite/, is kept between runs (incremental).
gate_step_clusterfuzzlite() {
  local work="$GATE_ROOT/build/gate-cflite"
  bash "$GATE_ROOT/ci/clusterfuzzlite-check" --work "$work" --keep
  lab_step_detail "build.sh + seed replay of $(find "$work/out" -maxdepth 1 -name 'fuzz_*_seed_corpus.zip' | wc -l) targets"
}
gate_register clusterfuzzlite - log

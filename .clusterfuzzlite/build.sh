#!/bin/bash -eu
# Builds every Labyrinth harness for ClusterFuzzLite / OSS-Fuzz: $OUT/fuzz_<name>,
# fuzz_<name>_seed_corpus.zip, fuzz_<name>.dict and fuzz_<name>.options.
# Uses the variables the builders set: $CC $CXX $CFLAGS $CXXFLAGS
# $LIB_FUZZING_ENGINE $OUT $SRC $WORK $SANITIZER. ci/clusterfuzzlite-check runs
# this script locally with those variables set by hand.
src="$SRC/labyrinth"
build="$WORK/labyrinth-build"
cmake -S "$src" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DLABYRINTH_TESTS=OFF -DLABYRINTH_FUZZ=ON \
  -DLABYRINTH_FUZZING_ENGINE="$LIB_FUZZING_ENGINE"
harnesses=$(sed -n 's/^set(LABYRINTH_HARNESSES \(.*\))$/\1/p' "$src/fuzz/CMakeLists.txt" | head -n 1)
harnesses="$harnesses smp"  # fuzz_smp: its own layout, outside LABYRINTH_HARNESSES
targets=""
for h in $harnesses; do targets="$targets fuzz_$h"; done
cmake --build "$build" --target $targets
for h in $harnesses; do
  cp "$build/fuzz/fuzz_$h" "$OUT/"
  rm -f "$OUT/fuzz_${h}_seed_corpus.zip"
  (cd "$src/corpus/$h" && zip -q -j "$OUT/fuzz_${h}_seed_corpus.zip" ./*.bin)
  if [ -f "$src/fuzz/fuzz_$h.dict" ]; then cp "$src/fuzz/fuzz_$h.dict" "$OUT/fuzz_$h.dict"; fi
  printf '[libfuzzer]\nmax_len = 512\ntimeout = 10\n' > "$OUT/fuzz_$h.options"
  if [ -f "$OUT/fuzz_$h.dict" ]; then printf 'dict = fuzz_%s.dict\n' "$h" >> "$OUT/fuzz_$h.options"; fi
done

#!/usr/bin/env bash
# The OASIS-2D synthesis experiment (issue 12) on ../shared/data/brain/oasis2d, as a user would run it:
#   scripts/oasis2d.sh val|report OUT [more `blendwarp synth run` options...]
# val:    the first 10 subjects of split.json's dev_test (every choice is made on these)
# report: the other 40 (the reported table)
# Both pass the 10 as --val: each segmenter is kept at the step of its best Dice on them (early stop).
# Atlas 0140, the 100 unlabeled scans (their label maps are passed as VOL:SEG for the label-transfer
# report only, and as --train for the supervised upper bound), labels seg24 named by seg24_labels.txt.
set -euo pipefail
D=${OASIS2D:-../shared/data/brain/oasis2d}
SET=${1:?val or report}; OUT=${2:?output folder}; shift 2
case "$SET" in val|report) ;; *) echo "first argument: val or report" >&2; exit 2;; esac
ids=$(node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const ids = s.dev_test.map((x) => x.match(/OAS1_(\d{4})/)[1]);
  console.log((process.argv[2] === "val" ? ids.slice(0, 10) : ids.slice(10)).join(" "));' "$D/split.json" "$SET")
vids=$(node -e '
  const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(s.dev_test.map((x) => x.match(/OAS1_(\d{4})/)[1]).slice(0, 10).join(" "));' "$D/split.json")
tests=(); for i in $ids; do tests+=("$D/test/${i}_norm.nii.gz:$D/test/${i}_seg24.nii.gz"); done
val=(); for i in $vids; do val+=("$D/test/${i}_norm.nii.gz:$D/test/${i}_seg24.nii.gz"); done
unl=(); train=()
for f in "$D"/unlabeled/*_norm.nii.gz; do
  b=$(basename "$f" _norm.nii.gz)
  unl+=("$f:$D/unlabeled-labels/${b}_seg24.nii.gz"); train+=("$f:$D/unlabeled-labels/${b}_seg24.nii.gz")
done
exec node ${NODE_OPTS:-} bin/blendwarp.js synth run --backend "${BACKEND:-wasm}" \
  --atlas "$D/atlas/0140_norm.nii.gz" --atlas-seg "$D/atlas/0140_seg24.nii.gz" --labels "$D/seg24_labels.txt" \
  --unlabeled "${unl[@]}" --test "${tests[@]}" --val "${val[@]}" --train "${train[@]}" --out "$OUT" "$@"

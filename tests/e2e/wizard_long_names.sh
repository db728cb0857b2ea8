#!/bin/bash
# Long names on Verify: two people whose first names fill the columns see
# the same order line on both screens, headings and instructions that fit
# 80 columns (their name, or "they"/"Theirs" where it would not), in the
# digit and the word form: nothing is cut.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/e2e/tmux.sh"
need_tmux

P=$PADSEAL
A="$T/max" B="$T/bart"
run 0 "$P" --home "$A" create --name "Maximiliane Example" --email max@example.org --key p256 \
	--new-passphrase-file "$T/pass"
run 0 "$P" --home "$B" create --name "Bartholomew Tester" --email bart@example.org --key p256 \
	--new-passphrase-file "$T/pass"
run 0 "$P" --home "$A" cert --out "$T/max.pem"
run 0 "$P" --home "$B" cert --out "$T/bart.pem"
run 0 "$P" --home "$A" import "$T/bart.pem"
run 0 "$P" --home "$B" import "$T/max.pem"
# Who reads first: the one whose own fingerprint sorts first.
fa=$("$P" --home "$A" fingerprint --json | sed 's/.*"fingerprint_sha256":"\([^"]*\)".*/\1/')
fb=$("$P" --home "$B" fingerprint --json | sed 's/.*"fingerprint_sha256":"\([^"]*\)".*/\1/')
if [[ $fa < $fb ]]; then first=Maximiliane second=Bartholomew R=max L=bart
else first=Bartholomew second=Maximiliane R=bart L=max; fi

# no_cut_mark WHO: nothing on the screen ends in the mark of a cut.
no_cut_mark() { expect_not_in "$SCREEN" "…" "$1: nothing cut at 80 columns"; }

start_also max "$A"
start_also bart "$B"
for who in max bart; do
	use $who
	wait_for "1 Create" || continue
	keys 4 Enter
	wait_for "reads first" || continue
	expect_in "$(line_with 'reads first')" "  $first reads first, then $second." "$who: the order by name"
	no_cut_mark "$who"
done
# The one who listens types; the other reads.
use $L
wait_for "Yours"
expect_in "$(line_with 'Yours')" "Yours — you read it next                Theirs — type what you hear (0/16)" \
	"the listener's headings fit"
use $R
wait_flat "You read: say each group on the left"
expect_in "$(line_with 'Yours')" "Yours — read it aloud (0/16)            Theirs — read after yours" \
	"the reader's headings fit: Theirs, no name"
keys a
wait_for "confirmed it (16/16)"
expect_in "$(line_with 'Yours')" "Yours — they confirmed it (16/16)" "the reader's heading: they"
no_cut_mark "$R after all confirmed"
keys w
wait_for "F2  digits"
expect_in "$(flat)" "reads out the groups of" "$R in words: what to do next, under the words"
no_cut_mark "$R in words"
use $L
keys w
wait_for "F2  digits"
expect_in "$SCREEN" "$first reads first, then $second." "$L in words: the order line"
expect_in "$(flat)" "type each one on the right as you hear it" "$L in words: what to do, under the words"
no_cut_mark "$L in words"
finish

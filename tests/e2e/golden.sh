#!/bin/sh
# Whole screens at 80x24, compared with the files in tests/e2e/golden/:
# the home screen, Verify and Test, each as a person sees it at that point
# of the flow.  What differs from run to run (fingerprint groups, dates,
# times, the test's folder) is replaced by placeholders before comparing;
# everything else (words, layout, marks, the status line) must match to the
# character.  After an intended change of a screen, write the new goldens
# with  PADSEAL_GOLDEN_UPDATE=1 make check TESTS=tests/e2e/golden.sh  and
# read their diff before committing them.
. "${PADSEAL_TESTLIB:?run through make check}"
. "$(dirname "$0")/tmux.sh"
need_tmux

GOLD=$(dirname "$0")/golden

# normal: $SCREEN with what varies replaced, trailing blanks dropped.
normal() {
	printf '%s\n' "$SCREEN" | sed -E \
		-e "s| *$T| T|g" \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}/YYYY-MM-DD/g' \
		-e 's/[0-9]{1,2}:[0-9]{2}( UTC)?/HH:MM/g' \
		-e 's/[0-9A-F]{8,}/HEX/g' \
		-e 's/(^|[^0-9A-Za-z])[0-9A-F]{4}([^0-9A-Za-z]|$)/\1XXXX\2/g' \
		-e 's/(^|[^0-9A-Za-z])[0-9A-F]{4}([^0-9A-Za-z]|$)/\1XXXX\2/g' \
		-e 's/ +$//'
}

# golden NAME: the screen, as normal() makes it, against golden/NAME.txt.
golden() {
	ok
	if [ "${PADSEAL_GOLDEN_UPDATE:-0}" = 1 ]; then
		normal > "$GOLD/$1.txt"
		return
	fi
	if [ ! -f "$GOLD/$1.txt" ]; then
		fail "golden/$1.txt is missing"
		return
	fi
	normal > "$T/$1.now"
	diff -u "$GOLD/$1.txt" "$T/$1.now" > "$T/$1.diff" ||
		fail "the $1 screen differs from golden/$1.txt:
$(cat "$T/$1.diff")"
}

[ $UTF8 = 1 ] || { fail "the goldens are drawn in a UTF-8 locale, and this system has none"; finish; exit 1; }

A="$T/alice" S="$T/sam"
# Two people who have exchanged introductions; the verification ahead
# starts with Alice reading.  Whose fingerprint reads first depends on the
# random keys, so both credentials are made again until it is Alice: with
# both new each time, each try is an even chance whatever came before (with
# Alice's kept, a fingerprint of hers that sorts high made Sam read first
# in nearly every try).
tries=0
while :; do
	rm -rf "$A" "$S" "$T/a.eml" "$T/s.eml"
	run 0 "$PADSEAL" --home "$A" --new-passphrase-file "$T/pass" \
		create --name "Alice Example" --email alice@example.org --key p256
	run 0 "$PADSEAL" --home "$S" --new-passphrase-file "$T/pass" \
		create --name "Sam Example" --email sam@example.org --key p256
	run 0 "$PADSEAL" --home "$A" --passphrase-file "$T/pass" intro --to sam@example.org --out "$T/a.eml"
	run 0 "$PADSEAL" --home "$S" --passphrase-file "$T/pass" intro --to alice@example.org --out "$T/s.eml"
	rm -rf "$T/a2" && cp -a "$A" "$T/a2"
	run 0 "$PADSEAL" --home "$T/a2" import "$T/s.eml"
	start "probe$tries" "$T/a2"
	wait_for "1 Create" && keys 4 Enter && wait_for "reads first"
	case $(flat) in *"Alice reads first"*) break ;; esac
	tries=$((tries + 1))
	[ $tries -lt 40 ] || { fail "Sam read first forty times in a row"; finish; exit 1; }
done
rm -rf "$A" && mv "$T/a2" "$A"
run 0 "$PADSEAL" --home "$S" import "$T/a.eml"

# 1. Home: Alice, not backed up, Sam imported and not verified.
start home "$A"
if wait_for "1 Create"; then
	golden home
	# 2. Verify, as it opens.
	keys 4 Enter
	wait_for "Alice reads first"
	golden verify
	keys Escape
	wait_for "1 Create"
	keys q
	ended home 0 "q on the home screen" "Correspondents"
fi

# 3. Test: both trust each other; Alice's screen before any message.
run 0 "$PADSEAL" --home "$A" trust sam@example.org --verified phone
run 0 "$PADSEAL" --home "$S" trust alice@example.org --verified phone
start test "$A"
if wait_for "1 Create"; then
	keys 6 Enter
	wait_for "outgoing"
	golden test
	keys Escape
	wait_for "1 Create"
	keys q
	ended test 0 "q after Test" "Correspondents"
fi
finish

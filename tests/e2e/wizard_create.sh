#!/bin/sh
# The Create step end to end, by keystrokes only, at 80x24: a "Name <addr>"
# typed into the address field is split for the user, an address line is
# added, checked as typed and removed, RSA 4096 is chosen, a weak
# passphrase is refused with its reason, a mistyped repetition is caught,
# the terminal is resized mid-form and during key generation (held by the
# wizard's test hook, PADSEAL_TEST_KEYGEN_GATE, until the test creates the
# gate file), and the result shows the fingerprint the command line
# prints.  Then: the home holds exactly that credential (status --json,
# show), a restarted wizard resumes at Back up, and a replacement
# cancelled during key generation leaves the home byte for byte as it was.
. "${PADSEAL_TESTLIB:?run through make check}"
. "$(dirname "$0")/tmux.sh"
need_tmux

GOOD='correct horse battery staple'
H="$T/home"

# Never drawn: no passphrase may be on any screen the test looks at.
no_secret() {
	expect_not_in "$SCREEN" "correct horse" "$1: passphrase not drawn"
	expect_not_in "$SCREEN" "short one" "$1: passphrase not drawn"
	expect_not_in "$SCREEN" "something else 42" "$1: passphrase not drawn"
}

GATE="$T/keygen-gate"
PADSEAL_E2E_ENV="PADSEAL_TEST_KEYGEN_GATE=$GATE"
start create "$H"
PADSEAL_E2E_ENV=
if wait_for "1 Create"; then
	keys Enter
	wait_for "Add another address"
	expect_in "$SCREEN" "Create your credential" "the create form"
	expect_in "$SCREEN" "(•) RSA 3072 (recommended)" "RSA 3072 is the default"
	expect_in "$(line_with 'Valid for')" "730" "two years by default"

	# "Name <addr>" in the address field: said as typed, split on Enter.
	keys Tab
	type_text 'Alice Example <alice@example.org>'
	wait_for "Enter splits them"
	keys Enter
	wait_flat "is a name and an address together"
	expect_in "$(flat)" "holds the bare address, alice@example.org" "the split explained"
	keys Enter
	wait_for "holds the bare address now"
	expect_in "$(line_with 'Name  ')" "Alice Example" "the name moved to its field"
	expect_in "$(line_with 'Address')" "alice@example.org" "the bare address stays"
	expect_not_in "$(line_with 'Address')" "<" "no angle brackets left"
	expect_in "$(line_with 'Address')" "✓" "the address checked"

	# A second line: checked as typed, then removed with Ctrl-D.  While it
	# is empty, Add another address adds none and says so.
	keys Tab Enter
	wait_for "Add another address"
	keys Tab Enter
	wait_flat "Type an address in the empty line first"
	type_text 'alice at work'
	keys Tab
	wait_for "contains a space"
	keys BTab C-d
	wait_gone "alice at work"
	expect_not_in "$SCREEN" "contains a space" "the line and its note gone"

	# Resize mid-form: the notice, then the form as it was.
	tm resize-window -t e2e -x 60 -y 20
	wait_for "padseal needs at least 80x24"
	tm resize-window -t e2e -x 80 -y 24
	wait_for "Add another address"
	expect_in "$(line_with 'Name  ')" "Alice Example" "typed name kept over a resize"

	# RSA 4096; generation is held until the gate file exists, so the
	# resize lands during it however fast the machine.  The focus is on
	# the first address line again.
	# Tabbing into the key type highlights the chosen one: Space keeps it.
	keys Tab Tab Space
	settle
	expect_in "$SCREEN" "(•) RSA 3072 (recommended)" "Space on the key type keeps the chosen one"
	expect_not_in "$SCREEN" "the minimum" "the hint is the chosen one's"
	keys Down Space
	wait_for "(•) RSA 4096"
	expect_in "$SCREEN" "slower to create" "the key type's explanation"
	keys Tab Tab Enter
	wait_for "Choose the passphrase"
	expect_in "$SCREEN" "Alice Example <alice@example.org>, RSA 4096" "the request summed up"

	# Too short: refused with the reason, before and on Enter.
	type_text 'short one'
	wait_for "refused: the passphrase is too short"
	no_secret "weak passphrase"
	keys Tab
	type_text 'short one'
	keys Enter
	wait_for "This passphrase is refused"
	expect_in "$(flat)" "too short: 9 characters, at least 10 are needed" "the reason given"
	no_secret "refused"

	# Mistyped repetition: caught, the repetition wiped.
	keys C-u
	type_text "$GOOD"
	wait_for "strong"
	keys Tab C-u
	type_text 'something else 42'
	wait_for "not the same"
	keys Enter
	wait_flat "The two passphrases differ"
	no_secret "mismatch"

	# The right one; the terminal grows while the key is generated.
	type_text "$GOOD"
	wait_for "$OKMARK the same"
	keys Enter \; resize-window -t e2e -x 100 -y 30
	wait_bottom "Esc  cancel" 30
	expect_in "$SCREEN" "Generating your RSA 4096 key pair" "still generating after the resize"
	no_secret "generating"
	tm resize-window -t e2e -x 80 -y 24
	wait_bottom "Esc  cancel" 24
	expect_in "$SCREEN" "Generating your RSA 4096 key pair" "still generating at 80x24"
	: > "$GATE" # the key may be generated now
	WAIT_TRIES=1200 wait_for "Your credential is made"
	no_secret "result"
	expect_in "$SCREEN" "Fingerprint (SHA-256)" "the fingerprint shown"
	expect_in "$SCREEN" "Checks: will mail programs accept it?" "the lint findings shown"
	expect_in "$SCREEN" "RSA 4096" "the key type"
	expect_in "$(flat)" "valid in every mail program, renewals need no new call" "the CA form said whole"
	expect_not_in "$SCREEN" "…" "the result: nothing cut at 80 columns"

	run 0 "$PADSEAL" --home "$H" fingerprint
	first=$(printf '%s\n' "$OUT" | grep ' 1 ' | head -n 1 | sed 's/^ *//')
	expect_in "$SCREEN" "$first" "the same fingerprint as padseal fingerprint"
	expect_in "$first" "8 " "a grouped line"

	keys Escape
	wait_for "1 Create"
	expect_in "$(line_with '2 Back up')" "next" "Back up is next"
	keys q
	ended create 0 "q after create" "Correspondents"
fi

run 0 "$PADSEAL" --home "$H" status --json
expect_in "$OUT" '"name":"Alice Example","emails":["alice@example.org"]' "status: the identity"
expect_in "$OUT" '"steps":{"create":"done","backup":"todo"}' "status: the steps"
run 0 "$PADSEAL" --home "$H" show
expect_in "$OUT" "RSA 4096" "show: the key type chosen"
expect_in "$OUT" "0 errors" "show: a clean certificate"
# The key was stored under the passphrase typed, and only under it.
run 0 "$PADSEAL" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" \
	backup --out "$T/check.p12"
run 1 "$PADSEAL" --home "$H" --passphrase-file "$T/wrong" --new-passphrase-file "$T/pass2" \
	backup --out "$T/check2.p12"

# Resume: a fresh start lands on the next step, and Enter opens it.
H2="$T/home2"
run 0 "$PADSEAL" --home "$H2" --new-passphrase-file "$T/pass" \
	create --name "Sam Example" --email sam@example.org --key p256
start resume "$H2"
if wait_for "1 Create"; then
	expect_in "$(line_with '2 Back up')" "next" "resume: Back up next"
	keys Enter
	wait_for "Back up your credential"
	keys Escape
	wait_for "1 Create"
	keys q
	ended resume 0 "q after resume" "Correspondents"
fi

# A replacement cancelled during key generation: nothing changes.  The
# gate is never opened: the key is still being generated when Esc comes.
before=$(tree_hash "$H2")
PADSEAL_E2E_ENV="PADSEAL_TEST_KEYGEN_GATE=$T/never-opened"
start cancel "$H2"
PADSEAL_E2E_ENV=
if wait_for "1 Create"; then
	keys 1 Enter
	wait_for "You have a credential already"
	expect_in "$(line_with 'Name  ')" "Sam Example" "the current name offered"
	keys Tab Tab Down Space Tab Tab Enter
	wait_for "Replace your credential?"
	expect_in "$(flat)" "archived, never deleted" "replacing explained"
	keys Enter
	wait_for "Choose the passphrase"
	type_text "$GOOD"
	keys Tab
	type_text "$GOOD"
	keys Enter
	wait_for "Generating your"
	keys Escape
	wait_flat "Cancelled: the key was thrown away and nothing was stored"
	no_secret "cancelled"
	keys Escape
	wait_for "Add another address"
	keys Escape
	wait_for "1 Create"
	keys q
	ended cancel 0 "q after cancel" "Correspondents"
fi
expect_in "$(tree_hash "$H2")" "$before" "a cancelled create leaves the home as it was"

finish

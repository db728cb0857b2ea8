#!/bin/bash
# Trusting a certificate that mail programs will reject, on the wizard's
# Trust screen: the question names the problem in words (not a count of
# "lint errors"), Cancel is what Enter answers, so two hurried Enters trust
# nothing; choosing "Trust it anyway" trusts it, recorded as forced.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/e2e/tmux.sh"
need_tmux
command -v openssl >/dev/null || { fail "openssl is not installed"; finish; exit 1; }

P=$PADSEAL
H="$T/alice"
run 0 "$P" --home "$H" create --name "Alice Example" --email alice@example.org --key p256 \
	--new-passphrase-file "$T/pass"
# RSA without keyEncipherment in its Key Usage, and no Extended Key Usage.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/bob.key" -subj "/CN=Bob Example" \
	-addext "subjectAltName=email:bob@example.org" -addext "basicConstraints=critical,CA:FALSE" \
	-addext "keyUsage=digitalSignature" -days 300 -out "$T/bob.pem" 2>/dev/null
run 0 "$P" --home "$H" import "$T/bob.pem"
before=$(tree_hash "$H")

start trust "$H"
if wait_for "1 Create"; then
	keys 5 Enter
	wait_for "Trust this certificate"
	keys Enter # from "Verified" to the button
	wait_for "> "
	keys Enter
	wait_for "It will not work everywhere"
	expect_in "$(flat)" "Some mail programs will reject this certificate, whatever you do here: Key Usage lacks keyEncipherment, which an RSA key needs to receive encrypted mail" \
		"the problem named in words"
	expect_in "$(flat)" "And 1 more problem: padseal lint shows them all." "the other one counted"
	expect_in "$(flat)" "Better: ask Bob for a new certificate." "the fix"
	expect_not_in "$SCREEN" "lint error" "no count of lint errors"
	expect_in "$(line_with 'Cancel')" "> Cancel <" "Cancel is the answer Enter gives"
	uncut_mark=$(printf '%s\n' "$SCREEN" | grep -F "…")
	ok "the question: nothing cut"; [ -z "$uncut_mark" ] || fail "$uncut_mark"
	keys Enter
	wait_gone "It will not work everywhere"
	ok "Enter twice trusts nothing"
	[ "$(tree_hash "$H")" = "$before" ] || fail "the home changed"
	keys Enter
	wait_for "It will not work everywhere"
	keys Tab
	wait_for "> Trust it anyway <"
	keys Enter
	wait_gone "It will not work everywhere"
	wait_flat "verified by phone"
fi
run 0 "$P" --home "$H" peers --json
expect_in "$OUT" '"trusted":true' "trusted anyway"
expect_in "$OUT" '"forced":true' "recorded as forced"
finish

#!/bin/sh
# Quitting in the middle of the flow and coming back, at 80x24: after the
# introduction is written the wizard reopens on Exchange, waiting for the
# correspondent's certificate; after the import, on Verify; a verification
# abandoned halfway records nothing; after trust and sending, on Test with
# the outgoing messages still marked sent.  A second correspondent brings
# the picker for steps 4 to 6, and a correspondent's own row opens the
# step they are at (Exchange, while they have not had ours).
. "${PADSEAL_TESTLIB:?run through make check}"
. "$(dirname "$0")/tmux.sh"
need_tmux

PASS='correct horse battery staple'
H="$T/alice" S="$T/sam" B="$T/bob"
run 0 "$PADSEAL" --home "$H" --new-passphrase-file "$T/pass" \
	create --name "Alice Example" --email alice@example.org --key p256
run 0 "$PADSEAL" --home "$H" --passphrase-file "$T/pass" \
	--new-passphrase-file "$T/pass2" backup --out "$T/alice.p12"
run 0 "$PADSEAL" --home "$S" --new-passphrase-file "$T/pass" \
	create --name "Sam Example" --email sam@example.org --key p256
run 0 "$PADSEAL" --home "$S" --passphrase-file "$T/pass" \
	intro --to alice@example.org --out "$T/user/from-sam.eml"

# 1. The introduction written, then q.
start intro "$H"
if wait_for "1 Create"; then
	expect_in "$(line_with '3 Exchange')" "next" "Exchange is next"
	keys Enter
	wait_for "Send yours by mail"
	type_text sam@example.org
	keys Tab Tab
	type_text "$PASS"
	keys Enter
	wait_for "Wrote the introduction mail for sam@example.org."
	keys Escape
	wait_for "1 Create"
	keys q
	ended intro 0 "q after the introduction" "Correspondents"
fi
[ -s "$T/user/intro-for-sam@example.org.eml" ] || fail "the introduction was not kept"

# 2. Back: still Exchange, now waiting for Sam's certificate.
start import "$H"
if wait_for "1 Create"; then
	expect_in "$(line_with '3 Exchange')" "next" "still Exchange"
	keys Enter
	wait_for "> File"
	expect_in "$(line_with 'Import theirs')" "(•)" "import chosen: Sam's is awaited"
	type_text "~/from-sam.eml"
	keys Enter
	wait_for "Found in ~/from-sam.eml"
	keys Enter
	wait_for "Imported, not trusted yet."
	keys Escape
	wait_for "sam@example.org"
	expect_in "$(line_with '4 Verify')" "next" "Verify next"
	keys q
	ended import 0 "q after the import" "Correspondents"
fi

# 3. Back: Verify, for the only correspondent at once; abandoned halfway.
before=$(tree_hash "$H")
start verify "$H"
if wait_for "1 Create"; then
	expect_in "$(line_with '3 Exchange')" "done" "Exchange done"
	keys Enter
	verify_listen
	expect_in "$SCREEN" "Verify sam@example.org" "Sam's certificate"
	run 0 "$PADSEAL" --home "$S" fingerprint --json
	groups=$(printf '%s' "$OUT" | sed 's/.*"groups":\["//; s/"\].*//; s/","/ /g')
	set -- $groups
	type_text "$1$2$3"
	wait_for "(3/16)"
	# The word form: the groups right so far stay right; the fourth is
	# typed as words.
	words=$(printf '%s' "$OUT" | sed 's/.*"words":\["//; s/"\].*//; s/","/ /g')
	set -- $words
	keys w
	wait_for "F2  digits"
	expect_in "$(line_with ' 3  ')" "$5 $6" "group 3 shown as words"
	expect_in "$(line_with 'type what you hear')" "(3/16)" "still three right"
	type_text "$7 $8 "
	wait_for "(4/16)"
	expect_in "$(line_with ' 4  ')" "$OKMARK" "group 4 right in words"
	keys Escape
	wait_for "1 Create"
	keys q
	ended verify 0 "q during verification" "Correspondents"
fi
expect_in "$(tree_hash "$H")" "$before" "an abandoned verification records nothing"

# 4. Back: Verify again; this time through to Trust and Test, then q.
start trust "$H"
if wait_for "1 Create"; then
	expect_in "$(line_with '4 Verify')" "next" "still Verify"
	keys Enter
	verify_listen
	type_text "$(printf '%s' "$groups" | tr -d ' ')"
	verify_done
	keys Right Enter # in person
	wait_for "Trust this certificate"
	expect_in "$(flat)" "just now (in person)" "the method carried"
	expect_in "$(line_with 'in person:')" "(•)" "in person chosen"
	keys Enter
	wait_for "verified in person."
	keys Enter
	wait_for "outgoing"
	keys s
	wait_for "Write the four messages"
	type_text "$PASS"
	keys Enter
	wait_flat "Wrote the four test messages"
	keys Escape
	wait_for "1 Create"
	expect_in "$(line_with '6 Test')" "next" "Test next"
	keys q
	ended trust 0 "q after sending" "Correspondents"
fi

# 5. Back: Test, the messages still marked sent.  Then a second
# correspondent: steps 4 to 6 ask which one; a row opens its own step.
run 0 "$PADSEAL" --home "$B" --new-passphrase-file "$T/pass" \
	create --name "Bob Example" --email bob@example.org --key p256
run 0 "$PADSEAL" --home "$B" cert --out "$T/bob.pem"
start matrix "$H"
if wait_for "1 Create"; then
	expect_in "$(line_with '6 Test')" "next" "still Test"
	keys Enter
	wait_for "outgoing"
	expect_in "$(line_with 'outgoing')" "sent" "the sent messages remembered"
	keys Escape
	wait_for "1 Create"
	run 0 "$PADSEAL" --home "$H" import "$T/bob.pem"
	keys r
	wait_for "bob@example.org"
	keys 4 Enter
	wait_for "with which correspondent?"
	expect_in "$(line_with '> ')" "bob@example.org" "the one still to verify first"
	expect_in "$(line_with 'sam@example.org')" "done" "Sam verified"
	keys Escape
	wait_gone "with which correspondent?"
	keys 6 Enter
	wait_for "with which correspondent?"
	expect_in "$(line_with '> ')" "sam@example.org" "Test: Sam first"
	keys Down Enter
	wait_for "Test with bob@example.org"
	keys s
	wait_flat "not trusted yet, so padseal does not encrypt to it"
	expect_not_in "$SCREEN" "Write the four messages" "no messages for an untrusted certificate"
	keys Escape
	wait_for "1 Create"
	# Down past step 6: the correspondents' rows.  Bob has not had
	# Alice's certificate yet: his row opens Exchange, for him.
	keys 6 Down Down Enter
	wait_for "Send yours by mail"
	expect_in "$(line_with 'To  ')" "bob@example.org" "Exchange for Bob"
	# In person: the certificate file, given to Bob.  Up from the
	# passphrase to the choice of action.
	expect_in "$(line_with '> ')" "Key passphrase" "the passphrase is what is left to type"
	keys BTab BTab BTab Down
	wait_for "Given to"
	expect_in "$(line_with 'Save to')" "~/certificate-alice@example.org.pem" "the file named"
	expect_in "$(line_with 'Given to')" "bob@example.org" "given to Bob"
	keys Tab Tab Tab Enter
	wait_for "Wrote your certificate file."
	expect_in "$(flat)" "Recorded as given to bob@example.org" "the handover recorded"
	keys Escape
	wait_for "bob@example.org"
	expect_in "$(line_with 'bob@example.org')" "$OKMARK" "Bob: exchanged"
	keys Escape
	wait_for "1 Create"
	keys q
	ended matrix 0 "q at the end" "Correspondents"
fi

# The file written for Bob is Alice's certificate, as OpenSSL reads it.
run 0 openssl x509 -noout -fingerprint -sha256 -in "$T/user/certificate-alice@example.org.pem"
ossl=$OUT
run 0 "$PADSEAL" --home "$H" cert --out "$T/alice-own.pem"
run 0 openssl x509 -noout -fingerprint -sha256 -in "$T/alice-own.pem"
expect_in "$ossl" "$OUT" "the certificate file is Alice's"
run 0 "$PADSEAL" --home "$H" status --json
expect_in "$OUT" '"verified":"in-person","trusted":true' "status: Sam verified in person"
expect_in "$OUT" '"email":"bob@example.org","fingerprint_sha256":' "status: Bob"
expect_in "${OUT#*bob@example.org}" '"steps":{"exchange":"done","verify":"todo"' "status: Bob exchanged in person"
expect_in "$OUT" '"out":{"plain":"sent","signed":"sent","encrypted":"sent","signed-encrypted":"sent"}' \
	"status: the four sent"

finish

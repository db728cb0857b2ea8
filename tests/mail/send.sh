#!/bin/sh
# Sending without a server: intro and matrix send piped to a command
# (--sendmail), byte for byte what padseal signed; the command's refusal in
# one sentence with the home unchanged; the options' usage errors.  The
# real SMTP and IMAP servers are in tests/mail/servers.sh.
. "$PADSEAL_TESTLIB"

P=$PADSEAL
A="$T/alice"
S="$T/sam"

run 0 "$P" --home "$A" create --name "Alice Example" --email alice@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$S" create --name "Sam Tester" --email sam@example.org --key p256 --new-passphrase-file "$T/pass2"

# --- usage: exit 2, one line, nothing written --------------------------------
before=$(tree_hash "$A")
for bad in "--smtp http://mail.example.org" "--smtp smtp://" "--smtp imaps://mail.example.org"; do
	# shellcheck disable=SC2086
	run 2 "$P" --home "$A" intro --to sam@example.org $bad --passphrase-file "$T/pass" &&
		expect_one_line_error "intro $bad"
	expect_in "$ERR" "is not an SMTP URL" "intro $bad"
done
run 2 "$P" --home "$A" intro --to sam@example.org --smtp smtp://alice@example.org@mail.example.org --passphrase-file "$T/pass"
expect_in "$ERR" "write the user's @ as %40 (smtps://alice%40example.org@host) or give the user with --smtp-user" "an address as the URL's user"
run 2 "$P" --home "$A" intro --to sam@example.org --smtp smtp://alice:secret@mail.example.org --passphrase-file "$T/pass"
expect_in "$ERR" "the SMTP URL holds a password" "a password in the URL is refused"
run 2 "$P" --home "$A" intro --to sam@example.org --smtp smtps://alice@127.0.0.1:9 --passphrase-file "$T/pass"
expect_in "$ERR" "no terminal to ask for the password of alice on smtps://alice@127.0.0.1:9: use --smtp-pass-file FILE" "no password, no terminal"
run 2 "$P" --home "$A" intro --to sam@example.org --smtp smtps://127.0.0.1:9 --sendmail cat
expect_in "$ERR" "either --smtp URL or --sendmail COMMAND" "both ways at once"
run 2 "$P" --home "$A" intro --to sam@example.org --cacert "$T/pass" --passphrase-file "$T/pass"
expect_in "$ERR" "go with --smtp URL" "--cacert alone"
run 2 "$P" --home "$A" matrix send --to sam@example.org
expect_in "$ERR" "needs --out DIR, --smtp URL or --sendmail COMMAND" "matrix send with nowhere to go"
run 2 "$P" --home "$A" status --smtp smtps://127.0.0.1:9
expect_in "$ERR" "--smtp does not apply to status" "--smtp on another verb"
ok; [ "$before" = "$(tree_hash "$A")" ] || fail "a usage error changed the home"

# --- no server there: one sentence, the home as it was -----------------------
run 1 "$P" --home "$A" intro --to sam@example.org --smtp smtp://127.0.0.1:9 --passphrase-file "$T/pass" &&
	expect_one_line_error "nothing listens"
expect_in "$ERR" "cannot connect to 127.0.0.1" "nothing listens"
ok; [ "$before" = "$(tree_hash "$A")" ] || fail "a failed send changed the home"

# --- the command refuses ----------------------------------------------------
run 1 "$P" --home "$A" intro --to sam@example.org --sendmail "cat >/dev/null; echo 'sam@example.org... User unknown' >&2; exit 67" --passphrase-file "$T/pass" &&
	expect_one_line_error "sendmail refuses"
expect_in "$ERR" "refused the message (exit status 67): sam@example.org... User unknown" "the command's own words"
run 1 "$P" --home "$A" intro --to sam@example.org --sendmail "cat >/dev/null; exit 1" --out "$T/intro-kept.eml" --passphrase-file "$T/pass"
expect_in "$ERR" "refused the message (exit status 1)" "a command that fails silently"
ok; [ ! -e "$T/intro-kept.eml" ] || fail "the --out copy of a refused intro was left behind"
run 1 "$P" --home "$A" intro --to sam@example.org --sendmail "cat > '$T/a/b/c/none'" --passphrase-file "$T/pass"
expect_one_line_error "a command that fails"
ok; [ "$before" = "$(tree_hash "$A")" ] || fail "a refused send changed the home"

# --- sent: exactly the bytes padseal signed ------------------------------------
run 0 "$P" --home "$A" intro --to sam@example.org --sendmail "cat > '$T/piped.eml'" --out "$T/intro.eml" --passphrase-file "$T/pass"
expect_in "$ERR" "Sent the introduction to sam@example.org through cat" "intro says where it went"
ok; cmp -s "$T/piped.eml" "$T/intro.eml" || fail "the command did not get the very bytes written to --out"
run 0 "$P" --home "$S" import "$T/piped.eml"
run 0 "$P" --home "$S" intro --to alice@example.org --sendmail "cat > '$T/from-sam.eml'" --passphrase-file "$T/pass2"
run 0 "$P" --home "$A" import "$T/from-sam.eml"
run 0 "$P" --home "$A" trust sam@example.org --verified phone
run 0 "$P" --home "$S" trust alice@example.org --verified phone

# matrix send: each message piped, the files too when --out is given
mkdir -p "$T/piped"
run 0 "$P" --home "$A" matrix send --to sam@example.org --out "$T/a2s" --sendmail "cat > \"\$(mktemp '$T/piped/m.XXXXXX')\"" --passphrase-file "$T/pass"
expect_in "$OUT" "Sent the four test messages to sam@example.org through" "matrix send says where"
ok; [ "$(ls "$T/piped" | wc -l)" = 4 ] || fail "matrix send did not pipe four messages"
for f in "$T"/a2s/*.eml; do
	found=0
	for g in "$T"/piped/*; do cmp -s "$f" "$g" && found=1; done
	ok; [ $found = 1 ] || fail "$f was not piped byte for byte"
done
run 0 "$P" --home "$A" matrix --to sam@example.org --json
expect_in "$OUT" '"out":{"plain":"sent","signed":"sent","encrypted":"sent","signed-encrypted":"sent"}' "the four out cells are sent"
run 2 "$P" --home "$S" matrix check "$T"/piped/*
run 0 "$P" --home "$S" matrix check "$T"/piped/* --passphrase-file "$T/pass2"
expect_in "$OUT" "in:signed-encrypted  passed" "what was piped passes at the other end"

# a refusal in the middle: the ones before stay sent, the rest is said
rm -rf "$T/piped"; mkdir -p "$T/piped"
run 1 "$P" --home "$S" matrix send --to alice@example.org --sendmail "cat >/dev/null; n=\$(ls '$T/piped' | wc -l); [ \$n -lt 2 ] || { echo 'quota exceeded' >&2; exit 75; }; touch \"\$(mktemp '$T/piped/m.XXXXXX')\"" --passphrase-file "$T/pass2"
expect_in "$ERR" "quota exceeded; the first 2 of the four test messages were sent" "partial send"
run 0 "$P" --home "$S" matrix --to alice@example.org --json
expect_in "$OUT" '"out":{"plain":"sent","signed":"sent","encrypted":"todo","signed-encrypted":"todo"}' "only the ones that went are sent"

finish

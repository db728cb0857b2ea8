#!/bin/bash
# The real Thunderbird as a sender, the second mail program after NeoMutt
# (tests/mail/neomutt.sh).  Alice's and Sam's Thunderbird profiles are set
# up by padseal install --for thunderbird --profile; Thunderbird (headless,
# driven by tests/tb/tb.py send) composes the four kinds with its own S/MIME
# code and sends them to the other through the test's Postfix (STARTTLS, a
# login, the server's certificate verified against the test's CA).  Each
# padseal fetches what arrived from Dovecot and passes the incoming cells as
# written by Thunderbird, and reads the Sent folder Thunderbird kept (an
# mbox file in its profile) for the outgoing cells: the test step is done
# both ways with a real mail program.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/mail/servers.lib"
. "$(dirname "$PADSEAL_TESTLIB")/tb/lib.sh"
tb_require

servers_start || { finish; exit 1; }
trap 'servers_stop; rm -rf "$T"' EXIT
export TMPDIR="$T" # Thunderbird's; the servers' folder must be reachable by their users

P=$PADSEAL
A="$T/alice"
S="$T/sam"
CA="$MS/tls/ca.crt"
IMAP="imap://127.0.0.1:$IMAP_PORT/INBOX"

trusting_pair "$A" "$S"

# --- Thunderbird for each, set up by padseal; it sends the four kinds -----
# tb_sends WHO NAME HOME PASSFILE TO: WHO's profile made by padseal install
# --for thunderbird --profile; Thunderbird sends the four kinds to TO and
# keeps its Sent folder, copied to $T/WHO-sent.
tb_sends() {
	PR=$T/profile-$1
	mkdir -m 700 "$PR"
	certutil -N -d "sql:$PR" --empty-password
	run 0 "$P" --home "$3" --passphrase-file "$4" install --for thunderbird --profile "$PR"
	ok
	if ! nice python3 "$TB_PY" send --profile "$PR" --smtp "127.0.0.1:$SMTP_PORT" \
		--user "$1@example.org" --pass-file "$T/mailpass" --ca "$CA" \
		--from "$2 <$1@example.org>" --to "$5" --sent "$T/$1-sent" \
		plain signed encrypted signed-encrypted > "$T/sent" 2> "$T/sent.err"; then
		fail "$1's Thunderbird did not send: $(cat "$T/sent.err")"
		finish
		exit 1
	fi
	ok; [ "$(grep -c '^SENT ' "$T/sent")" = 4 ] || fail "$1's Thunderbird sent: $(cat "$T/sent")"
}
tb_sends sam "Sam Tester" "$S" "$T/pass2" alice@example.org
tb_sends alice "Alice Example" "$A" "$T/pass" sam@example.org
ok; wait_mail alice 4 || fail "Postfix delivered $(find "$MS/mail/alice/Maildir" -type f | wc -l) of 4 to Alice"
ok; wait_mail sam 4 || fail "Postfix delivered $(find "$MS/mail/sam/Maildir" -type f | wc -l) of 4 to Sam"

# What Thunderbird wrote is its own: its User-Agent, and S/MIME in the
# structure its compose code gives (application/pkcs7-mime for both layers).
msgs=$(find "$MS/mail/alice/Maildir/new" "$MS/mail/alice/Maildir/cur" -type f)
# shellcheck disable=SC2086 # a list of files
ok; grep -l '^User-Agent: Mozilla Thunderbird' $msgs | wc -l | grep -qx 4 ||
	fail "not every message names Thunderbird: $(grep -h '^User-Agent' $msgs)"

# --- Alice's padseal fetches them over IMAP: the incoming cells ------------
run 0 "$P" --home "$A" matrix check --imap "$IMAP" --imap-user alice@example.org \
	--imap-pass-file "$T/mailpass" --cacert "$CA" --passphrase-file "$T/pass"
expect_in "$OUT" "$IMAP: 4 messages, 4 of them test messages" "IMAP: Thunderbird's four"
# Thunderbird encrypts with AES-128; the sender's own copy is an ECDH entry
# (P-256 certificates), which padseal points out for older readers.
ECDH="the sender's own copy is an ECDH entry (an EC certificate): Thunderbird 115 and older"
for c in "in:plain  passed  (from sam@example.org, arrived as plain text)" \
	"in:signed  passed  (from sam@example.org, valid signature, trusted)" \
	"in:encrypted  passed  (from sam@example.org, decrypted (AES-128-CBC), $ECDH" \
	"in:signed-encrypted  passed  (from sam@example.org, decrypted (AES-128-CBC), $ECDH"; do
	expect_in "$OUT" "$c" "Thunderbird's ${c%%  *}: passed"
done
ok; [ "$(grep -c '^in:.*  passed  (.*)  written by Mozilla Thunderbird$' <<<"$OUT")" = 4 ] ||
	fail "not all four written by Thunderbird: $OUT"
expect_not_in "$OUT" "rehearsal" "Thunderbird's messages are no rehearsal"
run 0 "$P" --home "$A" matrix --to sam@example.org --json
T4='"Mozilla Thunderbird"'
expect_in "$OUT" "\"in\":{\"plain\":$T4,\"signed\":$T4,\"encrypted\":$T4,\"signed-encrypted\":$T4}" "the cells keep Thunderbird"

# --- Sam's padseal reads Thunderbird's Sent folder: the outgoing cells -----
ok; [ -s "$T/sam-sent" ] || fail "Thunderbird kept no Sent folder"
run 0 "$P" --home "$S" matrix check --mbox "$T/sam-sent" --passphrase-file "$T/pass2"
expect_in "$OUT" "out:signed-encrypted  passed  (to alice@example.org, encrypted (AES-128-CBC) to alice@example.org and to you, $ECDH" "Sam's sent copy, encrypted to him too"
expect_in "$OUT" "out:signed  passed  (to alice@example.org, valid signature by you)  written by Mozilla Thunderbird" "Sam's sent copy, signed"
expect_in "$OUT" "alice@example.org: 4 of 8 passed" "Sam's four outgoing cells"

# --- and the other way: the test done with Thunderbird on both sides -------
run 0 "$P" --home "$S" matrix check --imap "$IMAP" --imap-user sam@example.org \
	--imap-pass-file "$T/mailpass" --cacert "$CA" --passphrase-file "$T/pass2"
expect_in "$OUT" "in:signed  passed  (from alice@example.org, valid signature, trusted)  written by Mozilla Thunderbird" "Alice's Thunderbird, signed"
expect_in "$OUT" "All eight messages passed with alice@example.org (8 of 8), written by your mail programs" "Sam: the test done with Thunderbird"
run 0 "$P" --home "$A" matrix check --mbox "$T/alice-sent" --passphrase-file "$T/pass"
expect_in "$OUT" "All eight messages passed with sam@example.org (8 of 8), written by your mail programs" "Alice: the test done with Thunderbird"
for h in "$A" "$S"; do
	run 0 "$P" --home "$h" status --json
	expect_in "$OUT" '"steps":{"exchange":"done","verify":"done","trust":"done","test":"done"}' "${h##*/}'s test step done"
done

finish

#!/bin/sh
# A connection that drops mid-conversation (tests/mail/dropper.py, a TLS
# server on 127.0.0.1 with a certificate of the test's own CA): SMTP closed
# in the middle of the message, IMAP closed right after the login.  Each
# gives one sentence, exit 1, the home byte-identical (no cell marked sent
# or checked), and no password in what is printed.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/mail/servers.lib"
command -v python3 >/dev/null 2>&1 || { fail "python3 is missing: scripts/setup installs it"; finish; exit 1; }

MS="$T/ms"
servers_tls
ok; [ -f "$MS/tls/server.crt" ] || { fail "no test certificate: openssl failed"; finish; exit 1; }
CA="$MS/tls/ca.crt"
printf '%s\n' "$MAIL_PASS" > "$T/mailpass"
chmod 600 "$T/mailpass"

# absent TEXT PART WHAT: PART is not in TEXT.
absent() {
	ok
	case $1 in *"$2"*) fail "$3: \"$2\" is there: $1" ;; esac
}

# dropper KIND: start dropper.py, its port in $PORT.
PIDS=
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
dropper() {
	python3 "$(dirname "$PADSEAL_TESTLIB")/mail/dropper.py" "$1" "$MS/tls/server.crt" \
		"$MS/tls/server.key" "$T/port-$1" "$T/log-$1" &
	PIDS="$PIDS $!"
	i=0
	while [ ! -s "$T/port-$1" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
	PORT=$(cat "$T/port-$1" 2>/dev/null)
	ok; [ -n "$PORT" ] || fail "dropper.py $1 did not start"
}

P=$PADSEAL
A="$T/alice"
S="$T/sam"
run 0 "$P" --home "$A" create --self-signed --name "Alice Example" --email alice@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$S" create --self-signed --name "Sam Tester" --email sam@example.org --key p256 --new-passphrase-file "$T/pass2"
run 0 "$P" --home "$A" intro --to sam@example.org --out "$T/intro-alice.eml" --passphrase-file "$T/pass"
run 0 "$P" --home "$S" import "$T/intro-alice.eml"
run 0 "$P" --home "$S" trust alice@example.org --verified phone
run 0 "$P" --home "$A" intro --to sam@example.org --out "$T/intro-alice2.eml" --passphrase-file "$T/pass"
run 0 "$P" --home "$S" intro --to alice@example.org --out "$T/intro-sam.eml" --passphrase-file "$T/pass2"
run 0 "$P" --home "$A" import "$T/intro-sam.eml"
run 0 "$P" --home "$A" trust sam@example.org --verified phone

# --- SMTP: the server closes the connection in the middle of the message ---
dropper smtps
before=$(tree_hash "$A")
run 1 "$P" --home "$A" matrix send --to sam@example.org --smtp "smtps://127.0.0.1:$PORT" --cacert "$CA" --passphrase-file "$T/pass"
expect_one_line_error "SMTP dropped mid-message"
expect_in "$ERR" "127.0.0.1" "SMTP dropped: the server named"
ok; grep -q "dropped after" "$T/log-smtps" || fail "the server did not drop the message: $(cat "$T/log-smtps" 2>/dev/null)"
run 1 "$P" --home "$A" intro --to sam@example.org --smtp "smtps://alice%40example.org@127.0.0.1:$PORT" --smtp-pass-file "$T/mailpass" --cacert "$CA" --passphrase-file "$T/pass"
expect_one_line_error "SMTP (intro) dropped mid-message"
absent "$OUT$ERR" "$MAIL_PASS" "no password in what is printed"
ok; [ "$before" = "$(tree_hash "$A")" ] || fail "a dropped send changed the home"
run 0 "$P" --home "$A" matrix --to sam@example.org --json
expect_in "$OUT" '"out":{"plain":"todo","signed":"todo","encrypted":"todo","signed-encrypted":"todo"}' "no out cell marked sent"

# --- IMAP: the server closes the connection after the login -----------------
dropper imaps
before=$(tree_hash "$S")
run 1 "$P" --home "$S" matrix check --imap "imaps://127.0.0.1:$PORT/INBOX" --imap-user sam@example.org --imap-pass-file "$T/mailpass" --cacert "$CA" --passphrase-file "$T/pass2"
expect_one_line_error "IMAP dropped after the login"
absent "$OUT$ERR" "$MAIL_PASS" "no password in what is printed (IMAP)"
run 1 "$P" --home "$S" scan --imap "imaps://127.0.0.1:$PORT/INBOX" --imap-user sam@example.org --imap-pass-file "$T/mailpass" --cacert "$CA"
expect_one_line_error "scan: IMAP dropped after the login"
ok; grep -q "imap: dropped" "$T/log-imaps" || fail "the IMAP server did not drop: $(cat "$T/log-imaps" 2>/dev/null)"
ok; [ "$before" = "$(tree_hash "$S")" ] || fail "a dropped check changed the home"

finish

#!/bin/sh
# Hostile content in the wizard: a correspondent whose certificate name
# carries OSC 52, OSC 8, C1 CSI (U+009B) and U+202E, on the dashboard, the
# Verify screen and the Trust screen; and messages from them checked on
# the Test screen, whose headers carry the same and whose envelope is for
# a certificate with such an issuer.  Everything the program writes to
# the terminal is recorded raw (tmux pipe-pane) and must hold none of
# them; each shows visibly.
. "${PADSEAL_TESTLIB:?run through make check}"

. "$(dirname "$0")/tmux.sh"
need_tmux

H="$T/home"
run 0 "$PADSEAL" --home "$H" create --name "Alice Example" --email alice@example.org \
	--key p256 --new-passphrase-file "$T/pass"
hostile_cert "$T/mal.pem"
run 0 "$PADSEAL" --home "$H" import "$T/mal.pem"
# A folder of messages from Mal: a plain one whose From name and Subject
# carry the sequences, and an envelope for a stranger whose certificate's
# issuer carries them.
mkdir "$T/from-mal"
osc=$(printf '\033]52;c;SGVsbG8=\007 \302\23331m \342\200\256gnp')
printf 'From: "Mal%s" <mal@evil.example>\r\nTo: alice@example.org\r\nSubject: test%s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody%s\r\n' \
	"$osc" "$osc" "$osc" > "$T/from-mal/plain.eml"
hostile_cert "$T/stranger.pem"
printf 'Content-Type: text/plain\r\n\r\nnot for you\r\n' |
	openssl cms -encrypt -aes-256-cbc -from mal@evil.example -to alice@example.org -subject "test$osc" \
		-out "$T/from-mal/encrypted.eml" "$T/stranger.pem"

start h "$H"
tm pipe-pane -t e2e -o "cat >> '$T/raw'"
wait_for "mal@evil.example"
keys 4 Enter
wait_for "Verify mal@evil.example"
expect_in "$(line_with "reads first")" "Mal?]52;c;SGVsbG8=?" "the name, neutralised"
keys Escape
wait_gone "Verify mal@evil.example"
keys 5 Enter
wait_for "Trust mal@evil.example"
expect_in "$SCREEN" "http:evil?\\link ?31m ?? ?gnp.exe <mal@evil.example>" "the whole name on Trust"
keys Escape
wait_gone "Trust mal@evil.example"
keys 6 Enter
wait_for "outgoing"
keys c
wait_for "> Messages"
keys C-u
type_text "$T/from-mal"
keys Down
type_text "$(cat "$T/pass")"
keys Enter
wait_flat "Checked 2 messages: 1 passed, 1 failed. encrypted.eml (in:encrypted) failed. Why is under the table."
expect_in "$(flat)" "Incoming encrypted message: failed" "Test: the failed cell selected"
expect_in "$(flat)" "it is for a certificate of \"Mal?]52;c;SGVsbG8=? ?]8;;http:evil?\\link ?31m ?? ?gnp.exe\"" \
	"Test: the stranger's issuer named, shown visibly"
expect_in "$(flat)" "remove the other one from their mail program" "Test: the whole reason, with what to do"
keys Escape
wait_for "1 Create"
keys q
wait_file "$T/exit.h"

ok
if LC_ALL=C grep -aqP '\x1b\]52|\x1b\]8;|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$T/raw"; then
	fail "a control sequence from the certificate reached the terminal:
$(LC_ALL=C grep -aoP '.{0,20}(\x1b\]52|\x1b\]8;|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]).{0,20}' "$T/raw" | od -c | head -n 10)"
fi
ok; [ -s "$T/raw" ] || fail "pipe-pane recorded nothing"

finish

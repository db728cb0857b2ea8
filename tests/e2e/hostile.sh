#!/bin/sh
# Hostile content in the wizard: a correspondent whose certificate name
# carries OSC 52, OSC 8, C1 CSI (U+009B) and U+202E, on the dashboard, the
# Verify screen and the Trust screen.  Everything the program writes to
# the terminal is recorded raw (tmux pipe-pane) and must hold none of
# them; each shows as '?'.
. "${PADSEAL_TESTLIB:?run through make check}"

. "$(dirname "$0")/tmux.sh"
need_tmux

H="$T/home"
run 0 "$PADSEAL" --home "$H" create --name "Alice Example" --email alice@example.org \
	--key p256 --new-passphrase-file "$T/pass"
hostile_cert "$T/mal.pem"
run 0 "$PADSEAL" --home "$H" import "$T/mal.pem"

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
keys q
wait_file "$T/exit.h"

ok
if LC_ALL=C grep -aqP '\x1b\]52|\x1b\]8;|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$T/raw"; then
	fail "a control sequence from the certificate reached the terminal:
$(LC_ALL=C grep -aoP '.{0,20}(\x1b\]52|\x1b\]8;|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]).{0,20}' "$T/raw" | od -c | head -n 10)"
fi
ok; [ -s "$T/raw" ] || fail "pipe-pane recorded nothing"

finish

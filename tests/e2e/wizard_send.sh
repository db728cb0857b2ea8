#!/bin/bash
# The Test screen sends the four test messages through the mail server
# kept with `padseal settings` (a real Postfix, SMTPS, with a login): s
# offers sending or writing files, the mail password is typed and never
# kept, a refused login is one sentence on the password field (nothing
# marked sent), and the four arrive in Sam's mailbox, where padseal checks
# them.  Without a server kept, s writes files as before.
. "$PADSEAL_TESTLIB"
WAIT_TRIES=1200 # 120 s: TLS and SMTP to Postfix on a loaded machine
. "$(dirname "$PADSEAL_TESTLIB")/e2e/tmux.sh"
. "$(dirname "$PADSEAL_TESTLIB")/mail/servers.lib"
need_tmux

P=$PADSEAL
A="$T/alice" S="$T/sam"
trusting_pair "$A" "$S"

servers_start || { finish; exit 1; }
trap 'stop_all; servers_stop; rm -rf "$T"' EXIT
run 0 "$P" --home "$A" settings --smtp "smtps://127.0.0.1:$SMTPS_PORT" --smtp-user alice@example.org \
	--cacert "$MS/tls/ca.crt"
settings=$(sha256sum < "$A/mail-settings")

start alice "$A"
if wait_for "1 Create"; then
	keys 6 Enter
	wait_for "outgoing"
	keys s
	wait_for "> Mail password"
	expect_in "$(flat)" "Send the four test messages" "the heading says send"
	expect_not_in "$(line_with 'Send them now')" "( )" "send offered first"
	expect_in "$(flat)" "Your mail server, kept with padseal settings: smtps://127.0.0.1:$SMTPS_PORT as alice@example.org." \
		"the kept server named"
	expect_not_in "$SCREEN" "Folder" "no folder when sending"
	# A wrong password: the server refuses, one sentence, nothing sent.
	type_text "not the password"
	keys Down
	type_text "$(cat "$T/pass")"
	keys Enter
	wait_flat "127.0.0.1 did not accept the user name and password"
	expect_in "$(line_with '> Mail password')" "> Mail password" "the refusal back on the password field"
	expect_not_in "$SCREEN" "not the password" "the mail password never drawn"
	ok "a refused login marks nothing sent"
	"$P" --home "$A" matrix --to sam@example.org --json | grep -q '"out":{"plain":"todo"' ||
		fail "cells marked after a refused login: $("$P" --home "$A" matrix --to sam@example.org --json)"
	# The key was unlocked by the first try: asked once per sitting.
	expect_not_in "$SCREEN" "Key passphrase" "the key passphrase not asked again"
	type_text "$MAIL_PASS"
	keys Enter
	wait_flat "> [ Send the four messages ]"
	keys Enter
	wait_flat "Sent the four test messages to sam@example.org through your mail server."
	expect_in "$(line_with 'outgoing')" "sent" "the outgoing cells marked sent"
	expect_not_in "$SCREEN" "$MAIL_PASS" "the mail password never drawn"
	# Writing files instead: the choice shows the folder.
	keys s
	wait_for "> Mail password"
	keys Up Down Space
	wait_for "Folder"
	expect_not_in "$SCREEN" "Mail password" "no mail password when writing files"
	expect_in "$(flat)" "Write the four messages" "the button follows the choice"
	keys Escape
	wait_for "outgoing"
	keys Escape
	wait_for "1 Create"
	keys q
fi
wait_file "$T/exit.alice"

ok "the password is kept nowhere"
! grep -rqF "$MAIL_PASS" "$A" || fail "the mail password is in the home"
ok "the settings are as they were"
[ "$settings" = "$(sha256sum < "$A/mail-settings")" ] || fail "sending changed the settings"

# The four arrive; Sam's padseal checks them in his Maildir.
wait_mail sam 4
run 0 "$P" --home "$S" matrix check --maildir "$MS/mail/sam/Maildir" --passphrase-file "$T/pass2"
expect_in "$OUT" "4 of them test messages" "the four arrived"
expect_in "$OUT" "in:signed-encrypted  passed" "Sam: signed and encrypted passed"
finish

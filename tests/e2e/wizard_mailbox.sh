#!/bin/bash
# The Test screen checks a mailbox once the messages have arrived: c offers
# the mailbox kept with `padseal settings` and reads its Sent folder with
# it; a Maildir with an mbox Sent folder (Alice), and an IMAP folder and
# Sent folder on a real Dovecot (Sam), read with one login whose password
# is typed on the screen and never kept.
# The mailboxes are only read; refusals are one sentence on the screen.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/e2e/tmux.sh"
. "$(dirname "$PADSEAL_TESTLIB")/mail/servers.lib"
need_tmux

P=$PADSEAL
A="$T/alice" S="$T/sam" U="$T/user"
trusting_pair "$A" "$S"
run 0 "$P" --home "$A" matrix send --to sam@example.org --out "$T/a2s" --passphrase-file "$T/pass"
run 0 "$P" --home "$S" matrix send --to alice@example.org --out "$T/s2a" --passphrase-file "$T/pass2"

# as_program UA FILE: the message as a mail program sends it (its name in
# User-Agent, outside what is signed).
as_program() {
	printf 'User-Agent: %s\r\n' "$1"
	cat "$2"
}
# deliver UA DIR STEM SUFFIX FILE...: each FILE as UA sends it, into the
# Maildir folder DIR as STEM1.M1P1.hostSUFFIX, STEM2...
deliver() {
	dl_ua=$1 dl_dir=$2 dl_stem=$3 dl_suffix=$4
	shift 4
	i=0
	for f; do
		i=$((i + 1))
		as_program "$dl_ua" "$f" > "$dl_dir/$dl_stem$i.M1P1.host$dl_suffix"
	done
}

# --- Alice: a Maildir, and her Sent folder an mbox file ----------------------------
mkdir -p "$U/Mail/inbox/cur" "$U/Mail/inbox/new" "$U/Mail/inbox/tmp"
deliver "NeoMutt/20220429" "$U/Mail/inbox/new" 170000000 "" "$T"/s2a/*.eml
printf 'From: someone@example.org\r\nTo: alice@example.org\r\nSubject: lunch\r\n\r\nAt noon?\r\n' \
	> "$U/Mail/inbox/cur/1700000009.M9P9.host:2,S"
for f in "$T"/a2s/*.eml; do
	printf 'From alice@example.org Sun Dec  6 12:00:00 2026\n'
	as_program "Mozilla Thunderbird" "$f"
	printf '\n'
done > "$U/Mail/sent.mbox"
run 0 "$P" --home "$A" settings --maildir "$U/Mail/inbox" --sent "$U/Mail/sent.mbox"
boxes=$(cd "$U/Mail" && find . -type f | LC_ALL=C sort | xargs sha256sum)

start alice "$A"
if wait_for "1 Create"; then
	keys 6 Enter
	wait_for "outgoing"
	keys c
	wait_for "> Messages"
	expect_in "$(line_with '> Messages')" "> Messages        ~/Mail/inbox" "Alice: the kept mailbox offered"
	expect_in "$(flat)" "Your mailbox, kept with padseal settings, and your Sent folder with it." \
		"Alice: said to be the kept one, with the Sent folder"
	expect_not_in "$SCREEN" "Mail password" "Alice: no password for a Maildir"
	keys Down
	type_text "$(cat "$T/pass")"
	keys Enter
	wait_flat "8 test messages among the 9 in your mailbox and your Sent folder: 8 passed, 0 failed."
	expect_not_in "$SCREEN" "$(cat "$T/pass")" "Alice: the passphrase never drawn"
	wait_for "All eight passed"
	expect_in "$(line_with 'incoming')" "$OKMARK passed        $OKMARK passed        $OKMARK passed        $OKMARK passed" \
		"Alice: the four incoming passed, written by a mail program"
	expect_in "$(line_with 'outgoing')" "$OKMARK passed        $OKMARK passed        $OKMARK passed        $OKMARK passed" \
		"Alice: the four outgoing passed from her Sent folder"
	expect_not_in "$SCREEN" "…" "Alice: nothing cut"
	keys Escape
	wait_for "1 Create"
	keys q
fi
ok "the Maildir and the mbox file are as they were"
[ "$boxes" = "$(cd "$U/Mail" && find . -type f | LC_ALL=C sort | xargs sha256sum)" ] ||
	fail "the wizard changed a mailbox"

# --- Sam: IMAP on a real Dovecot, the password typed -------------------------------
servers_start || { finish; exit 1; }
trap 'stop_all; servers_stop; rm -rf "$T"' EXIT
IMAPS="imaps://127.0.0.1:$IMAPS_PORT/INBOX"
SM="$MS/mail/sam/Maildir"
deliver "Mozilla Thunderbird" "$SM/new" 170000000 "" "$T"/a2s/*.eml
# His Sent folder, on the same server: read with the same login.
mkdir -p "$SM/.Sent/cur" "$SM/.Sent/new" "$SM/.Sent/tmp"
deliver "Mozilla Thunderbird" "$SM/.Sent/cur" 170000001 ":2,S" "$T"/s2a/*.eml
chown -R nobody:nogroup "$SM"
run 0 "$P" --home "$S" settings --imap "$IMAPS" --imap-user sam@example.org --cacert "$MS/tls/ca.crt" \
	--sent "imaps://127.0.0.1:$IMAPS_PORT/Sent"
sam_box() { (cd "$SM" && find cur new .Sent/cur .Sent/new -type f | LC_ALL=C sort && cat cur/* new/* .Sent/cur/* 2>/dev/null) | sha256sum; }
box=$(sam_box)

start sam "$S"
if wait_for "1 Create"; then
	keys 6 Enter
	wait_for "outgoing"
	keys c
	wait_for "> Mail password"
	expect_in "$(line_with 'Messages')" "Messages        $IMAPS" "Sam: the kept IMAP folder offered"
	keys Enter Enter
	wait_flat "Type the password of the mailbox (padseal never keeps it)."
	type_text "not the password"
	keys Down
	type_text "$(cat "$T/pass2")"
	keys Enter
	wait_flat "did not accept the user name and password"
	expect_in "$(line_with '> ')" "Mail password" "Sam: back on the password"
	keys C-u
	type_text "$MAIL_PASS"
	keys Down
	type_text "$(cat "$T/pass2")"
	keys Enter
	wait_flat "8 test messages among the 8 in your mailbox and your Sent folder: 8 passed, 0 failed."
	expect_not_in "$SCREEN" "$MAIL_PASS" "Sam: the mail password never drawn"
	expect_in "$(line_with 'incoming')" "$OKMARK passed        $OKMARK passed        $OKMARK passed        $OKMARK passed" \
		"Sam: the four incoming passed, from IMAP"
	expect_in "$(line_with 'outgoing')" "$OKMARK passed        $OKMARK passed        $OKMARK passed        $OKMARK passed" \
		"Sam: the four outgoing passed, from his IMAP Sent folder"
	expect_not_in "$SCREEN" "…" "Sam: nothing cut"
	# c again: the password is asked again, it was not kept.
	keys c
	wait_for "> Mail password"
	expect_not_in "$(line_with 'Mail password')" "•" "Sam: the password field is empty again"
	keys Escape
	wait_gone "Mail password"
	keys Escape
	wait_for "1 Create"
	keys q
fi
ok "the IMAP mailbox is as it was (no flag changed)"
[ "$box" = "$(sam_box)" ] || fail "the wizard changed the IMAP mailbox"
ok "no password in the home"
grep -rqF "$MAIL_PASS" "$S" && fail "the mail password is in Sam's home"
finish

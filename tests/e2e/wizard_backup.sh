#!/bin/sh
# The Back up step end to end, by keystrokes only, at 80x24: the default
# file in the user's home folder, a wrong key passphrase refused with the
# core's sentence and nothing written, the gpgsm warning for a long legacy
# passphrase, then a legacy backup that the OpenSSL command line opens with
# the passphrase typed; the home records it and the dashboard moves on.  A
# second, modern backup lands where the user typed, and an existing file is
# never written over; a third goes to a folder that did not exist, made
# (0700) when the person says so.
. "${PADSEAL_TESTLIB:?run through make check}"
. "$(dirname "$0")/tmux.sh"
need_tmux

KEYPASS='correct horse battery staple'
NEW='another good passphrase 42' # as in $T/pass2
H="$T/home"

no_secret() {
	expect_not_in "$SCREEN" "horse" "$1: passphrase not drawn"
	expect_not_in "$SCREEN" "another good" "$1: passphrase not drawn"
	expect_not_in "$SCREEN" "wrong passphrase" "$1: passphrase not drawn"
}

run 0 "$PADSEAL" --home "$H" --new-passphrase-file "$T/pass" \
	create --name "Alice Example" --email alice@example.org --key rsa2048
date=$(date +%Y-%m-%d)
file="$T/user/padseal-backup-$date.p12"

start backup "$H"
if wait_for "1 Create"; then
	expect_in "$(line_with '2 Back up')" "next" "Back up is next"
	keys Enter
	wait_for "Write and check the backup"
	expect_in "$SCREEN" "Alice Example <alice@example.org>" "whose credential"
	expect_in "$(line_with 'Save to')" "~/padseal-backup-$date.p12" "the default file"
	expect_in "$(line_with "$T/user/")" "$file" "where that is, in full"
	expect_in "$(flat)" "legacy: every system imports it (recommended)" "legacy first"
	expect_in "$(flat)" "Imports in: macOS and iOS Keychain" "who imports it"

	# A wrong key passphrase: the core's sentence, nothing written.
	keys Tab Tab
	type_text 'wrong passphrase entirely'
	keys Tab
	# Longer than 31 bytes: gpgsm 2.2 would refuse such a legacy file.
	type_text "$NEW and then some more"
	wait_flat "gpgsm 2.2 refuses such a backup"
	keys C-u
	wait_for "10 characters or more"
	type_text "$NEW"
	wait_for "strong"
	expect_not_in "$(flat)" "refuses such a backup" "no warning for a short one"
	keys Tab
	type_text "$NEW"
	wait_for "$OKMARK the same"
	keys Enter
	wait_flat "the passphrase does not unlock your key"
	no_secret "wrong key passphrase"
	expect_in "$(line_with '  > ')" "Key passphrase" "the focus back on the key passphrase"
	[ -e "$file" ] && fail "a backup was written with a wrong key passphrase"

	# The right one: written, read back, reported.
	type_text "$KEYPASS"
	keys Tab Tab Enter
	wait_for "Backed up."
	expect_in "$(flat)" "Read back and checked: it opens with that passphrase and holds your certificate and its key." "the check reported"
	expect_in "$(flat)" "Never delete old keys or old backups" "the reminder"
	expect_in "$(flat)" "asks for this backup passphrase, not your key's" "which passphrase an import asks for"
	expect_in "$(flat)" "Keep a copy off this computer" "a copy elsewhere"
	expect_in "$SCREEN" "$file" "the file named"
	no_secret "done"
	keys Enter
	wait_for "1 Create"
	expect_in "$(line_with '2 Back up')" "done" "Back up done"
	expect_in "$(line_with '3 Exchange')" "next" "Exchange next"
	expect_in "$SCREEN" "backed up" "the credential backed up"

	# Another, modern, where the user says; an existing name is refused.
	keys 2 Enter
	wait_for "Save to"
	expect_in "$(flat)" "Last backup $date" "the last backup mentioned"
	keys C-u
	type_text "$file"
	keys Tab
	wait_flat "exists already; padseal never writes over a file"
	keys BTab C-u
	type_text "$T/modern.p12"
	keys Tab Down Space
	wait_for "(•) modern"
	expect_in "$(flat)" "Imports in: OpenSSL 3" "who imports the modern form"
	# The key was unlocked for the first backup: not asked again this
	# sitting.
	expect_not_in "$SCREEN" "Key passphrase" "the key's passphrase asked once per sitting"
	keys Tab
	type_text "$NEW"
	keys Tab
	type_text "$NEW"
	keys Enter
	wait_for "Backed up."
	expect_in "$SCREEN" "modern" "the form reported"
	keys Escape
	wait_for "1 Create"

	# A folder that does not exist: offered, not refused.  First the
	# path is changed instead; Enter in the path then writes at once.
	keys 2 Enter
	wait_for "Save to"
	keys C-u
	type_text "~/safe/keys/third.p12"
	keys Tab Tab
	type_text "$NEW"
	keys Tab
	type_text "$NEW"
	keys Enter
	wait_for "No such folder"
	expect_in "$(flat)" "The folder $T/user/safe/keys does not exist yet. Create it for the backup? Only you will be able to open it." "the folder offered"
	# Nothing of the screen behind beside the frame.
	ok
	out=$(printf '%s\n' "$SCREEN" | grep -e '│' -e '|' | sed 's/ *$//' | grep -v -e '│$' -e '|$')
	[ -z "$out" ] || fail "words stick out of the dialog: $out"
	keys Tab Enter # Change the path
	wait_for "Change the path to a folder that exists"
	expect_in "$(line_with '  > ')" "Save to" "the focus on the path"
	[ -e "$T/user/safe" ] && fail "the folder was made though the path was to be changed"
	keys Enter
	wait_for "No such folder"
	keys Enter # Create it
	wait_for "Backed up."
	expect_in "$(stat -c %a "$T/user/safe" "$T/user/safe/keys" "$T/user/safe/keys/third.p12" | tr '\n' ' ')" "700 700 600" "the folder made private"
	keys Escape
	wait_for "1 Create"
	keys q
	ended backup 0 "q after backup" "Correspondents"
fi

# After the idle time the unlocked key is wiped: the next backup asks for
# its passphrase again and says why.  (The hook shortens the ten minutes;
# the sleep only has to outlast it.)
PADSEAL_E2E_ENV="PADSEAL_TEST_IDLE_MS=1000"
start idle "$H"
PADSEAL_E2E_ENV=
if wait_for "1 Create"; then
	keys 2 Enter
	wait_for "Save to"
	expect_in "$(line_with 'Key passphrase')" "unlocks your key; asked once per sitting" "what the passphrase unlocks"
	keys C-u
	type_text "$T/idle-1.p12"
	keys Tab Tab
	type_text "$KEYPASS"
	keys Tab
	type_text "$NEW"
	keys Tab
	type_text "$NEW"
	keys Enter
	wait_for "Backed up."
	keys Enter
	wait_for "1 Create"
	sleep 3
	keys 2 Enter
	wait_for "Save to"
	expect_in "$(line_with 'Key passphrase')" "asked again: 10 minutes without a key pressed" "why it is asked again"
	keys Escape
	wait_for "1 Create"
	keys q
	ended idle 0 "q after the idle wipe" "Correspondents"
fi

run 0 openssl pkcs12 -info -noout -passin "file:$T/pass2" -in "$file"
expect_in "$ERR" "pbeWithSHA1And3-KeyTripleDES-CBC" "legacy: 3DES"
expect_in "$ERR" "MAC: sha1" "legacy: SHA-1 MAC"
run 1 openssl pkcs12 -info -noout -passin "file:$T/wrong" -in "$file"
run 0 openssl pkcs12 -info -noout -passin "file:$T/pass2" -in "$T/modern.p12"
expect_in "$ERR" "AES-256-CBC" "modern: AES"
expect_in "$(stat -c %a "$file")" "600" "the backup is private"

run 0 "$PADSEAL" --home "$H" status --json
expect_in "$OUT" '"backed_up":true' "status: backed up"
expect_in "$OUT" '"steps":{"create":"done","backup":"done"}' "status: the steps"
run 0 "$PADSEAL" --home "$H" show
expect_in "$OUT" "$T/idle-1.p12" "show: the last backup's file"

finish

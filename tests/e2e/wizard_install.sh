#!/bin/bash
# The wizard's mail programs (i on the home screen, as padseal install): the
# program chosen, its new folder offered, refusals on the field they are
# about with nothing written, then the folder for an iPhone (a profile with
# the credential and the certificate trusted) and its steps on the screen;
# then Thunderbird's profile imported straight into (NSS's certutil lists
# the credential and the correspondent), the key's passphrase not asked
# again in the sitting.  The home counts it among the mail programs
# prepared.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/e2e/tmux.sh"
need_tmux

P=$PADSEAL
H="$T/alice" U="$T/user"
run 0 "$P" --home "$H" create --name "Alice Example" --email alice@example.org --key p256 \
	--new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/sam" create --name "Sam Tester" --email sam@example.org --key p256 \
	--new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/sam" cert --out "$T/sam.pem"
run 0 "$P" --home "$H" import "$T/sam.pem"
run 0 "$P" --home "$H" trust sam@example.org --verified phone
FILEPASS="apple orchard window 7"

start install "$H"
if wait_for "1 Create"; then
	expect_in "$(line_with 'quit')" "i  mail apps" "the home offers it"
	keys i
	wait_for "Put it in your mail programs"
	expect_in "$(line_with 'New folder')" "~/padseal-for-thunderbird" "Thunderbird first, its folder offered"
	expect_in "$SCREEN" "Profile" "Thunderbird: a profile may be given"
	keys Down Space
	wait_for "~/padseal-for-iphone"
	expect_not_in "$SCREEN" "Profile " "no profile for an iPhone"
	# Passphrases that differ: refused under Repeat, nothing written.
	keys Tab Tab
	type_text "$(cat "$T/pass")"
	keys Tab
	type_text "$FILEPASS"
	keys Tab
	type_text "not the same at all"
	keys Enter
	wait_flat "The two passphrases differ"
	ok "nothing written"; [ ! -e "$U/padseal-for-iphone" ] || fail "the folder was made"
	type_text "$FILEPASS"
	keys Enter
	wait_for "Ready."
	expect_in "$(flat)" "Made the folder ~/padseal-for-iphone for iPhone or iPad, with your credential and 1 correspondent's certificate." \
		"what was made"
	expect_in "$(flat)" "1. Get the file alice@example.org.mobileconfig" "the first step"
	expect_not_in "$SCREEN" "$FILEPASS" "the file's passphrase never drawn"
	expect_not_in "$SCREEN" "…" "the steps: nothing cut"
	keys Down Down
	wait_gone "1. Get the file"
	keys Enter
	wait_for "1 Create"
fi
ok "the iPhone folder: a profile, STEPS.txt, private"
[ "$(stat -c %a "$U/padseal-for-iphone")" = 700 ] &&
	[ -f "$U/padseal-for-iphone/alice@example.org.mobileconfig" ] &&
	[ -f "$U/padseal-for-iphone/STEPS.txt" ] || fail "$(ls -la "$U/padseal-for-iphone" 2>&1)"
grep -qF "$FILEPASS" -r "$U/padseal-for-iphone" && fail "the file's passphrase is in the folder"
run 0 "$P" --home "$H" status --json
expect_in "$OUT" '"program":"iphone"' "recorded as prepared"

# Thunderbird's profile, imported straight into; the key held from before.
if command -v certutil >/dev/null; then
	mkdir -m 700 "$U/tb-profile"
	certutil -N -d "sql:$U/tb-profile" --empty-password > "$T/nss.out" 2>&1 || fail "$(cat "$T/nss.out")"
	keys i
	wait_for "Put it in your mail programs"
	keys Tab Tab
	type_text "~/tb-profile"
	wait_for "Imported straight into this profile"
	expect_not_in "$SCREEN" "File passphrase" "no file passphrase for a profile"
	expect_not_in "$SCREEN" "Key passphrase " "the key held from the iPhone's"
	keys Enter
	# ("Importing into the profile: a moment." is on the screen while
	# certutil and pk12util run: too short on a fast machine to be read.)
	WAIT_TRIES=1200 wait_for "Imported."
	expect_in "$(flat)" "into the Thunderbird profile ~/tb-profile" "the profile named"
	keys Enter
	wait_for "1 Create"
	certutil -L -d "sql:$U/tb-profile" > "$T/list" 2>&1
	expect_in "$(cat "$T/list")" "u,u,u" "the credential in the profile, with its key"
	expect_in "$(cat "$T/list")" "sam@example.org (padseal" "Sam's certificate in the profile"
fi
keys q
finish

#!/bin/sh
# A credential for someone else, end to end by keystrokes at 80x24: o on
# the home screen opens the screen; its help; refusals (the user's own home
# as theirs, a hand-over folder that exists, the same passphrase for the
# key and the file), each said on the screen with nothing made; then their
# credential made in a home of its own and handed over: the folder holds
# the .p12 that OpenSSL opens with the file passphrase typed, the key in
# their home opens with the key passphrase typed, no passphrase is drawn
# or written into the folder, and Enter trusts the certificate in the
# user's own home as verified in person.
. "${PADSEAL_TESTLIB:?run through make check}"
. "$(dirname "$0")/tmux.sh"
need_tmux

KEYPASS='grandpa key passphrase 1'
FILEPASS='grandpa file pass 22'
H="$T/home"
G="$T/user/padseal-for-someone"
OUTDIR="$T/user/padseal-handover"

no_secret() {
	expect_not_in "$SCREEN" "grandpa key" "$1: key passphrase not drawn"
	expect_not_in "$SCREEN" "grandpa file" "$1: file passphrase not drawn"
}
run 0 "$PADSEAL" --home "$H" --new-passphrase-file "$T/pass" \
	create --name "Alice Example" --email alice@example.org --key p256
before=$(tree_hash "$H")

start handover "$H"
if wait_for "1 Create"; then
	expect_in "$(line_with 'quit')" "o  for others" "the home screen offers it"
	keys o
	wait_for "A credential for someone else"
	expect_in "$(flat)" "padseal makes it in a home of its own" "what the screen does"
	expect_in "$(line_with 'Their home')" "~/padseal-for-someone" "their home by default"
	expect_in "$(line_with 'Hand over in')" "~/padseal-handover" "the folder by default"
	keys F1
	wait_for "Help"
	expect_in "$(flat)" "A credential for someone else" "its help page"
	keys q
	wait_for "Hand over in"

	# Refused: the user's own home as theirs.
	type_text "Grandpa Example"
	keys Tab
	type_text "grandpa@example.org"
	keys Tab C-u
	type_text "$H"
	keys Tab Tab
	type_text "$KEYPASS"
	keys Tab
	type_text "$KEYPASS"
	keys Tab
	type_text "$FILEPASS"
	keys Tab
	type_text "$FILEPASS"
	wait_for "the same"
	keys Enter
	wait_flat "That is your own home"
	no_secret "own home"
	expect_in "$(line_with '  > ')" "Their home" "the focus on their home"

	# Refused: a hand-over folder that exists.
	mkdir "$T/user/exists"
	keys C-u
	type_text "~/padseal-for-someone"
	keys Tab C-u
	type_text "~/exists"
	wait_flat "exists already"
	keys Tab Tab Tab Tab Enter
	wait_flat "already exists; padseal hands over only into a new folder"
	expect_in "$(line_with '  > ')" "Hand over in" "the focus on the folder"
	ok "nothing made for a refused folder"
	[ ! -e "$G" ] || fail "their home was made: $(ls -la "$G")"
	[ -z "$(ls -A "$T/user/exists")" ] || fail "written into the existing folder"

	# Refused: the same passphrase for the key and the file.
	keys C-u
	type_text "~/padseal-handover"
	keys Tab Tab Tab C-u
	type_text "$KEYPASS"
	keys Tab C-u
	type_text "$KEYPASS"
	keys Enter
	wait_flat "Choose a hand-over passphrase other than the key's"
	expect_in "$(line_with '  > ')" "File passphrase" "the focus on the file passphrase"
	ok "nothing made with one passphrase for both"
	[ ! -e "$G" ] && [ ! -e "$OUTDIR" ] || fail "something was made: $(ls "$T/user")"
	ok "the user's home unchanged by the refusals"
	[ "$(tree_hash "$H")" = "$before" ] || fail "the home changed"

	# Made and handed over.
	keys C-u
	type_text "$FILEPASS"
	keys Tab C-u
	type_text "$FILEPASS"
	wait_for "the same"
	keys Enter
	wait_for "Made and handed over: Grandpa Example <grandpa@example.org>"
	no_secret "done"
	expect_in "$(flat)" "The passphrase of credential.p12 is not in the folder: tell it to Grandpa by phone, or write it on paper" "the passphrase goes apart"
	expect_in "$(flat)" "Print instructions.html" "the sheet to print"
	expect_in "$(flat)" "Fingerprint (SHA-256) of their CA" "their CA's fingerprint"
	expect_in "$(line_with 'Their home')" "~/padseal-for-someone" "their home named"
	expect_in "$(line_with 'Folder')" "~/padseal-handover" "the folder named"
	ok "no line cut at 80 columns"
	printf '%s\n' "$SCREEN" | grep -q '…' && fail "a line ends cut: $SCREEN"
	ca=$("$PADSEAL" --home "$G" fingerprint | sed -n '/^ *1 /p' | head -n 1 | tr -s ' ')
	expect_in "$(flat)" "$ca" "the fingerprint is their CA's"

	ok "the folder: 0700, seven files 0600"
	[ "$(stat -c %a "$OUTDIR")" = 700 ] || fail "mode $(stat -c %a "$OUTDIR")"
	[ "$(find "$OUTDIR" -type f -perm 600 | wc -l)" = 7 ] || fail "$(ls -la "$OUTDIR")"
	ok "no passphrase in the folder"
	grep -rqaF -e "$KEYPASS" -e "$FILEPASS" "$OUTDIR" && fail "a passphrase is written in $OUTDIR"
	printf '%s\n' "$FILEPASS" > "$T/filepass"
	printf '%s\n' "$KEYPASS" > "$T/keypass"
	run 0 openssl pkcs12 -legacy -in "$OUTDIR/credential.p12" -passin "file:$T/filepass" -nokeys -out "$T/certs.pem"
	ok "the .p12 holds the certificate and its CA"
	[ "$(grep -c 'BEGIN CERT' "$T/certs.pem")" = 2 ] || fail "$(cat "$T/certs.pem")"
	run 0 "$PADSEAL" --home "$G" --passphrase-file "$T/keypass" --new-passphrase-file "$T/filepass" \
		handover --out "$T/again"
	expect_in "$OUT" "Made the folder" "the key passphrase typed unlocks their key"
	run 0 "$PADSEAL" --home "$G" show --json
	expect_in "$OUT" '"form":"ca"' "their credential has the CA form"
	ok "the user's home unchanged by the hand-over"
	[ "$(tree_hash "$H")" = "$before" ] || fail "the home changed"

	# Enter: trusted in the user's own home, in person.
	expect_in "$(line_with 'Esc  home')" "trust it in your home" "Enter offers to trust it"
	keys Enter
	wait_flat "Trusted in your own home, as verified in person"
	run 0 "$PADSEAL" --home "$H" peers --json
	expect_in "$OUT" '"verified":"in-person"' "recorded as verified in person"
	expect_in "$OUT" 'grandpa@example.org' "Grandpa is a correspondent"
	keys Enter
	wait_for "1 Create"
	expect_in "$(line_with 'grandpa@example.org')" "grandpa@example.org" "the home lists Grandpa"
	keys q
	ended handover 0 "q after the hand-over" "Correspondents"
fi
finish

#!/bin/sh
# A hand-over bundle (handover --out) in the real Thunderbird (headless,
# tests/tb/tb.py), set up the way its instruction sheet tells the person:
# credential.p12 under Your Certificates (with the file's passphrase), the
# CA under Authorities with "Trust this CA to identify email users"
# (",C,").  Thunderbird then shows Grandpa's own signed message as valid,
# and opens (decrypts) and shows as valid the signed+encrypted message Sam
# sends him, before and after a restart.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/tb/lib.sh"
tb_require
export TMPDIR="$T"
P=$PADSEAL
printf 'grandpa file passphrase 5\n' > "$T/p12pass"
G="$T/grandpa" S="$T/sam" B="$T/for-grandpa" W="$T/w"
mkdir "$W"

run 0 "$P" --home "$G" create --name "Grandpa Joe" --email grandpa@example.org --key rsa2048 \
	--new-passphrase-file "$T/pass" || { finish; exit 1; }
run 0 "$P" --home "$G" --passphrase-file "$T/pass" --new-passphrase-file "$T/p12pass" \
	handover --out "$B" || { finish; exit 1; }
# What the sheet tells him to import, by name.
expect_in "$(cat "$B/instructions.md")" "credential.p12" "the sheet names the .p12"
expect_in "$(cat "$B/instructions.md")" "ca-certificate" "the sheet names the CA's certificate"
# Sam, who trusts Grandpa (verified with the maker), writes to him.
run 0 "$P" --home "$S" create --name "Sam Tester" --email sam@example.org --key rsa2048 \
	--new-passphrase-file "$T/pass"
run 0 "$P" --home "$S" import "$B/certificate.pem"
run 0 "$P" --home "$S" trust grandpa@example.org --verified in-person
run 0 "$P" --home "$S" cert --out "$W/sam.pem"
run 0 "$P" --home "$G" import "$W/sam.pem"
run 0 "$P" --home "$G" trust sam@example.org --verified in-person
run 0 "$P" --home "$G" --passphrase-file "$T/pass" intro --to sam@example.org --out "$W/grandpa.eml"
run 0 "$P" --home "$S" --passphrase-file "$T/pass" matrix send --to grandpa@example.org --out "$W/sam"
samca=$(ls "$S"/identities/*/chain.pem)

R=$T/report
M="$W/grandpa.eml $W/sam/signed-encrypted.eml"
# shellcheck disable=SC2086
tb_check "$R" --p12 "$B/credential.p12:$T/p12pass" --cert "$B/ca-certificate.pem:,C," \
	--cert "$samca:,C," $M RESTART $M
st=$?
grep -v '^EMAILTRUST\|^TRUST' "$R"
ok
[ "$st" = 0 ] || { fail "tb.py check exited $st"; finish; exit 1; }
tb_valid "$R" "hand-over" 1 2 3 4
tb_decrypted "$R" "hand-over" 2 4
finish

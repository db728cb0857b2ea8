#!/bin/sh
# install --for thunderbird, proved with the real Thunderbird (headless,
# tests/tb/tb.py): the folder it writes is imported the way its STEPS.txt
# tells the person (Your Certificates: the .p12, which is what pk12util does;
# Authorities with "Trust this CA to identify email users": certutil ",C,";
# People: certutil ",,"), and Thunderbird then shows the person's own signed
# message and a correspondent's signed and signed+encrypted ones as valid
# (and decrypted), before and after a restart. Both use the CA form.
# Then the same with install --for thunderbird --profile, which imports
# into a profile itself: Thunderbird opens the messages from it as valid.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/tb/lib.sh"
tb_require
export TMPDIR="$T"
P=$PADSEAL
printf 'install passphrase 77\n' > "$T/p12pass"

# Carol installs for Thunderbird; Dan is the correspondent she trusts, and
# he trusts her (so that he can encrypt to her).
for who in carol:Carol dan:Dan; do
	run 0 "$P" --home "$T/${who%%:*}" create --name "${who#*:} Example" \
		--email "${who%%:*}@example.org" --key rsa2048 --new-passphrase-file "$T/pass" ||
		{ finish; exit 1; }
	run 0 "$P" --home "$T/${who%%:*}" cert --out "$T/${who%%:*}.pem"
done
run 0 "$P" --home "$T/carol" import "$T/dan.pem"
run 0 "$P" --home "$T/carol" trust dan@example.org --verified in-person
run 0 "$P" --home "$T/dan" import "$T/carol.pem"
run 0 "$P" --home "$T/dan" trust carol@example.org --verified in-person
W=$T/w
mkdir "$W"
run 0 "$P" --home "$T/carol" --passphrase-file "$T/pass" intro --to dan@example.org --out "$W/carol.eml"
run 0 "$P" --home "$T/dan" --passphrase-file "$T/pass" matrix send --to carol@example.org --out "$W/dan"

TB=$T/for-tb
run 0 "$P" --home "$T/carol" --passphrase-file "$T/pass" --new-passphrase-file "$T/p12pass" \
	install --for thunderbird --out "$TB"

# The imports, read from the steps: the file lists of the Your
# Certificates, Authorities and People steps.
files_of() { grep "$1" "$TB/STEPS.txt" | grep -oE '[A-Za-z0-9@._-]+\.(p12|crt)' | grep -v '^\.'; }
set --
for f in $(files_of "tab Your Certificates"); do set -- "$@" --p12 "$TB/$f:$T/p12pass"; done
for f in $(files_of "tab Authorities"); do set -- "$@" --cert "$TB/$f:,C,"; done
for f in $(files_of "tab People"); do set -- "$@" --cert "$TB/$f:,,"; done
expect_in "$*" "--p12 $TB/carol@example.org.p12" "the steps import Carol's .p12"
expect_in "$*" "--cert $TB/your-ca.crt:,C," "the steps trust Carol's CA for e-mail"
expect_in "$*" "--cert $TB/dan@example.org-ca.crt:,C," "the steps trust Dan's CA for e-mail"
expect_in "$*" "--cert $TB/dan@example.org.crt:,," "the steps import Dan's certificate"

R=$T/report
M="$W/carol.eml $W/dan/signed.eml $W/dan/signed-encrypted.eml"
# shellcheck disable=SC2086
tb_check "$R" "$@" $M RESTART $M
st=$?
grep -v '^EMAILTRUST\|^TRUST' "$R"
ok
[ "$st" = 0 ] || { fail "tb.py check exited $st"; finish; exit 1; }
tb_valid "$R" "steps followed" 1 2 3 4 5 6
tb_decrypted "$R" "steps followed" 3 6
expect_in "$(tb_text "$R" 6)" "this is test message 4 of 4 from Dan" "Thunderbird shows the decrypted text"
for f in "$TB/your-ca.crt" "$TB/dan@example.org-ca.crt"; do
	fpr=$(openssl x509 -in "$f" -noout -fingerprint -sha256 | cut -d= -f2)
	ok
	[ "$(tb_emailtrust "$R" 6 "$fpr")" = C ] || fail "after the restart, $f lost its e-mail trust"
done

# --- install --for thunderbird --profile: padseal imports into a profile
# itself (pk12util, certutil); Thunderbird started on a copy of that
# profile shows the same messages valid, before and after a restart.
PR=$T/profile
mkdir -m 700 "$PR"
certutil -N -d "sql:$PR" --empty-password
run 0 "$P" --home "$T/carol" --passphrase-file "$T/pass" install --for thunderbird --profile "$PR"
R2=$T/report-profile
# shellcheck disable=SC2086
tb_check "$R2" --profile "$PR" $M RESTART $M
st=$?
grep -v '^EMAILTRUST\|^TRUST' "$R2"
ok
[ "$st" = 0 ] || { fail "tb.py check (profile) exited $st"; finish; exit 1; }
tb_valid "$R2" "profile" 1 2 3 4 5 6
tb_decrypted "$R2" "profile" 3 6

finish

#!/bin/sh
# The real Thunderbird (headless, tests/tb/tb.py) shows a signature made
# with padseal's CA form as valid in steady state: the CA imported once with
# e-mail trust (",C,", what Thunderbird's certificate manager sets for "trust
# this CA to identify email users"), two signed messages in a row, and the
# same message again after Thunderbird restarts. BRIEF.md: a self-signed
# certificate never gets there (tests/tb/thunderbird.sh shows that side).
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/tb/lib.sh"
tb_require
export TMPDIR="$T"
P=$PADSEAL
W="$T/w"
mkdir "$W"

# Carol has the CA form (the default of create); Bob is the profile's own
# credential (any; an openssl one keeps the test about Carol's signature).
run 0 "$P" --home "$T/carol" create --name "Carol Padseal" --email carol@example.org \
	--key rsa2048 --new-passphrase-file "$T/pass" || { finish; exit 1; }
run 0 "$P" --home "$T/carol" show --json
expect_in "$OUT" '"form":"ca"' "Carol has the CA form"
cp "$(ls "$T"/carol/identities/*/chain.pem)" "$W/carol-ca.pem"
for n in 1 2; do
	run 0 "$P" --home "$T/carol" intro --to bob@example.org --out "$W/carol-$n.eml" \
		--passphrase-file "$T/pass"
done
openssl req -x509 -newkey rsa:2048 -noenc -keyout "$W/bob.key" -out "$W/bob.pem" -days 30 \
	-subj "/CN=bob" -addext "basicConstraints=critical,CA:FALSE" \
	-addext "keyUsage=critical,digitalSignature,keyEncipherment" \
	-addext "extendedKeyUsage=emailProtection" -addext "subjectAltName=email:bob@example.org" 2>/dev/null
openssl pkcs12 -export -in "$W/bob.pem" -inkey "$W/bob.key" -name bob -out "$W/bob.p12" -passout "file:$T/pass"

R="$T/report"
tb_check "$R" --p12 "$W/bob.p12:$T/pass" --cert "$W/carol-ca.pem:,C," \
	"$W/carol-1.eml" "$W/carol-2.eml" RESTART "$W/carol-1.eml" "$W/carol-2.eml"
st=$?
grep -v '^EMAILTRUST\|^TRUST' "$R"
ok; [ "$st" = 0 ] || { fail "tb.py check exited $st"; finish; exit 1; }
tb_valid "$R" "padseal CA form" 1 2 3 4
cafpr=$(openssl x509 -in "$W/carol-ca.pem" -noout -fingerprint -sha256 | cut -d= -f2)
ok; [ "$(tb_emailtrust "$R" 4 "$cafpr")" = C ] || fail "Thunderbird changed the CA's e-mail trust"

finish

#!/bin/sh
# The real Thunderbird (headless, driven through Marionette by tests/tb/tb.py)
# judges signatures made with certificates from plain openssl, then padseal's
# own. What BRIEF.md measured must hold here, or the harness is wrong:
# a signer issued by a CA trusted ",C," is valid on the first and on the
# second message; a self-signed signer is not valid in steady state (the
# second message), trusted ",C," or ",P," (certutil stores ",CP," as ",C,"). An encrypted message to the
# profile's own credential is decrypted; an altered signed message is
# invalid; a plain one is not signed. The harness leaves nothing behind.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/tb/lib.sh"
tb_require
export TMPDIR="$T"
P=$PADSEAL
W="$T/w"
mkdir "$W"

# --- certificates and messages, made by plain openssl ---
mail_ext() {
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=emailProtection" "subjectAltName=email:$1"
}
ossl() { openssl "$@" 2>"$T/openssl.err" || { fail "openssl $1: $(head -n 1 "$T/openssl.err")"; finish; exit 1; }; }
ossl req -x509 -newkey rsa:2048 -noenc -keyout "$W/ca.key" -out "$W/ca.pem" -days 30 \
	-subj "/CN=Test Mail CA" -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
	-addext "keyUsage=critical,keyCertSign,cRLSign"
ossl req -newkey rsa:2048 -noenc -keyout "$W/alice.key" -out "$W/alice.csr" -subj "/CN=Alice Example"
mail_ext alice@example.org >"$W/alice.ext"
ossl x509 -req -in "$W/alice.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -set_serial 0x5eed01 \
	-out "$W/alice.pem" -days 30 -extfile "$W/alice.ext"
for who in selma bob; do
	ossl req -x509 -newkey rsa:2048 -noenc -keyout "$W/$who.key" -out "$W/$who.pem" -days 30 \
		-subj "/CN=$who" -addext "basicConstraints=critical,CA:FALSE" \
		-addext "keyUsage=critical,digitalSignature,keyEncipherment" \
		-addext "extendedKeyUsage=emailProtection" -addext "subjectAltName=email:$who@example.org"
done
ossl pkcs12 -export -in "$W/bob.pem" -inkey "$W/bob.key" -name bob -out "$W/bob.p12" -passout "file:$T/pass"

# head FROM SUBJECT: the headers before openssl's MIME part.
head_lines() {
	printf 'From: %s\nTo: bob@example.org\nSubject: %s\nDate: %s\nMessage-ID: <%s.%s@example.org>\n' \
		"$1" "$2" "$(date -R)" "$2" "$$"
}
printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nThe quick brown fox, line one.\r\n' >"$W/inner"
for who in alice selma; do
	{ head_lines "$who@example.org" "signed by $who"
	  ossl smime -sign -in "$W/inner" -signer "$W/$who.pem" -inkey "$W/$who.key" -md sha256; } >"$W/$who-signed.eml"
done
sed 's/line one/line 0ne/' "$W/alice-signed.eml" >"$W/altered.eml"
{ head_lines alice@example.org encrypted
  ossl smime -encrypt -aes256 -in "$W/inner" "$W/bob.pem"; } >"$W/encrypted.eml"
head_lines alice@example.org plain >"$W/plain.eml"
printf 'Content-Type: text/plain\n\nNothing special.\n' >>"$W/plain.eml"

# --- today's padseal, self-signed: its introduction mail is signed ---
run 0 "$P" --home "$T/pam" create --name "Pam Padseal" --email pam@example.org --new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/pam" intro --to bob@example.org --out "$W/pam-signed.eml" --passphrase-file "$T/pass"
run 0 "$P" --home "$T/pam" cert --out "$W/pam.pem"

# --- one Thunderbird run, every message twice (steady state) ---
R="$T/report"
tb_check "$R" --p12 "$W/bob.p12:$T/pass" --cert "$W/ca.pem:,C," \
	--cert "$W/selma.pem:,P," --cert "$W/pam.pem:,C," \
	"$W/alice-signed.eml" "$W/alice-signed.eml" \
	"$W/selma-signed.eml" "$W/selma-signed.eml" \
	"$W/pam-signed.eml" "$W/pam-signed.eml" \
	"$W/encrypted.eml" "$W/altered.eml" "$W/plain.eml"
st=$?
cat "$R"
ok; [ "$st" = 0 ] || { fail "tb.py check exited $st"; finish; exit 1; }

ok; [ "$(tb_sig "$R" 1)" = valid ] || fail "CA-issued signer, first message: $(tb_sig "$R" 1) ($(tb_code "$R" 1)), wanted valid"
ok; [ "$(tb_sig "$R" 2)" = valid ] || fail "CA-issued signer, second message: $(tb_sig "$R" 2) ($(tb_code "$R" 2)), wanted valid"
ok; [ "$(tb_trust "$R" 2 ca)" = ",C," ] || fail "the CA's trust changed to $(tb_trust "$R" 2 ca)"
ok; [ "$(tb_sig "$R" 4)" != valid ] || fail "a self-signed signer is valid in steady state: BRIEF.md says it never is"
ok; [ "$(tb_sig "$R" 4)" = untrusted ] || fail "self-signed signer, second message: $(tb_sig "$R" 4) ($(tb_code "$R" 4)), wanted untrusted"
ok; [ "$(tb_sig "$R" 6)" != valid ] || fail "padseal's self-signed signer is valid in steady state: BRIEF.md says it never is"
ok; [ "$(tb_dec "$R" 7)" = yes ] || fail "encrypted to the profile's credential: decrypted=$(tb_dec "$R" 7)"
ok; [ "$(tb_sig "$R" 8)" = invalid ] || fail "altered message: $(tb_sig "$R" 8) ($(tb_code "$R" 8)), wanted invalid"
ok; [ "$(tb_sig "$R" 9)" = not-signed ] && [ "$(tb_dec "$R" 9)" = not-encrypted ] ||
	fail "plain message: $(tb_sig "$R" 9)/$(tb_dec "$R" 9)"
printf 'padseal self-signed, as Thunderbird shows it: first %s (%s), then %s (%s); trust %s -> %s\n' \
	"$(tb_sig "$R" 5)" "$(tb_code "$R" 5)" "$(tb_sig "$R" 6)" "$(tb_code "$R" 6)" \
	"$(tb_trust "$R" 0 pam)" "$(tb_trust "$R" 6 pam)"

# --- nothing left behind; failures are one line and clean up too ---
ok; [ -z "$(ls -d "$T"/padseal-tb.* 2>/dev/null)" ] || fail "tb.py left $(ls -d "$T"/padseal-tb.*)"
PADSEAL_THUNDERBIRD=/bin/false tb_check "$T/r2" --cert "$W/ca.pem:,C," "$W/plain.eml" 2>"$T/err2"
st=$?
ok; [ "$st" = 2 ] || fail "a Thunderbird that exits at once: status $st, wanted 2"
ok; [ "$(wc -l <"$T/err2")" = 1 ] || fail "a Thunderbird that exits at once: stderr is not one line: $(cat "$T/err2")"
expect_in "$(cat "$T/err2")" "tb.py: Thunderbird exited" "the failure names what happened"
tb_check "$T/r3" --cert "$W/missing.pem:,C," "$W/plain.eml" 2>"$T/err3"
st=$?
ok; [ "$st" = 2 ] || fail "a missing certificate file: status $st, wanted 2"
expect_in "$(cat "$T/err3")" "missing.pem" "the failure names the file"
ok; [ -z "$(ls -d "$T"/padseal-tb.* 2>/dev/null)" ] || fail "tb.py left $(ls -d "$T"/padseal-tb.*) after failing"

# --- the store-listing mode ---
mkdir "$T/prof"
certutil -N -d "sql:$T/prof" --empty-password
certutil -A -d "sql:$T/prof" -n "Test Mail CA" -t ",C," -a -i "$W/ca.pem"
: >"$T/empty"
pk12util -i "$W/bob.p12" -d "sql:$T/prof" -w "$T/pass" -k "$T/empty" >/dev/null
out=$(tb_nss "$T/prof")
expect_in "$out" "TRUST 0 Test Mail CA ,C," "nss lists the CA with its trust"
expect_in "$out" "TRUST 0 bob u,u,u" "nss lists the credential"
expect_in "$out" "KEY bob" "nss lists the key"
finish

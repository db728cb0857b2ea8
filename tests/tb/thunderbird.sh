#!/bin/sh
# The real Thunderbird (headless, driven through Marionette by tests/tb/tb.py)
# judges signatures made with certificates from plain openssl, then padseal's
# own. What BRIEF.md measured must hold here, or the harness is wrong: a
# signer issued by a CA trusted ",C," is valid on the first message, the
# second, and after Thunderbird restarts; a self-signed signer is not valid
# in steady state. (Within one session a self-signed certificate that
# Thunderbird itself imported with ",CP," reads valid; once Thunderbird
# restarts its e-mail trust is ",C," and it reads "untrusted".) An encrypted
# message to the profile's own credential is decrypted and its text shown;
# an altered signed message is invalid; a plain one is not signed. A
# prepared profile is used as a copy and left unchanged. The harness leaves
# nothing behind, also when it fails or is stopped by SIGTERM.
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
run 0 "$P" --home "$T/pam" create --self-signed --name "Pam Padseal" --email pam@example.org --new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/pam" intro --to bob@example.org --out "$W/pam-signed.eml" --passphrase-file "$T/pass"
run 0 "$P" --home "$T/pam" cert --out "$W/pam.pem"

# --- one Thunderbird run, every signer twice, then again after a restart ---
# The CA goes in with certutil (",C,"); the self-signed certificates go in
# through Thunderbird's own import with ",CP,", as BRIEF.md measured.
R="$T/report"
tb_check "$R" --p12 "$W/bob.p12:$T/pass" --cert "$W/ca.pem:,C," \
	--tb-cert "$W/selma.pem:,CP," --tb-cert "$W/pam.pem:,CP," \
	"$W/alice-signed.eml" "$W/alice-signed.eml" \
	"$W/selma-signed.eml" "$W/selma-signed.eml" \
	"$W/pam-signed.eml" "$W/pam-signed.eml" \
	"$W/encrypted.eml" "$W/altered.eml" "$W/plain.eml" \
	RESTART "$W/alice-signed.eml" "$W/selma-signed.eml" "$W/pam-signed.eml"
st=$?
grep -v '^EMAILTRUST\|^TRUST' "$R"
ok; [ "$st" = 0 ] || { fail "tb.py check exited $st"; finish; exit 1; }
fpr() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
selma_fpr=$(fpr "$W/selma.pem")
pam_fpr=$(fpr "$W/pam.pem")

tb_valid "$R" "CA-issued signer" 1 2 10
ok; [ "$(tb_emailtrust "$R" 10 "$(fpr "$W/ca.pem")")" = C ] || fail "the CA's e-mail trust changed"
# Steady state: after Thunderbird has restarted.
ok; [ "$(tb_sig "$R" 11)" = untrusted ] ||
	fail "self-signed signer after a restart: $(tb_sig "$R" 11) ($(tb_code "$R" 11)), wanted untrusted (BRIEF.md)"
ok; [ "$(tb_sig "$R" 12)" != valid ] || fail "padseal's self-signed signer is valid after a restart: BRIEF.md says it never is"
ok; [ "$(tb_dec "$R" 7)" = yes ] || fail "encrypted to the profile's credential: decrypted=$(tb_dec "$R" 7)"
expect_in "$(tb_text "$R" 7)" "The quick brown fox, line one." "the decrypted text is shown"
ok; [ "$(tb_sig "$R" 8)" = invalid ] || fail "altered message: $(tb_sig "$R" 8) ($(tb_code "$R" 8)), wanted invalid"
ok; [ "$(tb_sig "$R" 9)" = not-signed ] && [ "$(tb_dec "$R" 9)" = not-encrypted ] ||
	fail "plain message: $(tb_sig "$R" 9)/$(tb_dec "$R" 9)"
for who in selma pam; do
	eval f=\$${who}_fpr
	case $who in selma) a=3 b=4 c=11 ;; pam) a=5 b=6 c=12 ;; esac
	printf '%s self-signed, Thunderbird-imported ",CP,": %s, %s (trust %s); after a restart %s (%s, trust %s)\n' \
		"$who" "$(tb_sig "$R" $a)" "$(tb_sig "$R" $b)" "$(tb_emailtrust "$R" $b "$f")" \
		"$(tb_sig "$R" $c)" "$(tb_code "$R" $c)" "$(tb_emailtrust "$R" $c "$f")"
done

# --- a prepared profile (what a hand-over leaves) is used as a copy ---
mkdir "$T/prof"
certutil -N -d "sql:$T/prof" --empty-password
certutil -A -d "sql:$T/prof" -n "Test Mail CA" -t ",C," -a -i "$W/ca.pem"
: >"$T/empty"
pk12util -i "$W/bob.p12" -d "sql:$T/prof" -w "$T/pass" -k "$T/empty" >/dev/null
certutil -A -d "sql:$T/prof" -n "Alice Example" -t ",," -a -i "$W/alice.pem"
certutil -A -d "sql:$T/prof" -n selma -t ",," -a -i "$W/selma.pem"
out=$(tb_nss "$T/prof" "Alice Example" selma)
printf '%s\n' "$out"
expect_in "$out" "TRUST 0 Test Mail CA ,C," "nss lists the CA with its trust"
expect_in "$out" "TRUST 0 bob u,u,u" "nss lists the credential"
expect_in "$out" "KEY bob" "nss lists the key"
expect_in "$out" "VERIFY S ok Alice Example" "certutil -V accepts the CA-issued signer"
expect_in "$out" "VERIFY R ok Alice Example" "certutil -V accepts the CA-issued recipient"
expect_in "$out" "VERIFY S fail" "certutil -V refuses an untrusted self-signed signer"
before=$(tree_hash "$T/prof")
tb_check "$T/r4" --profile "$T/prof" "$W/alice-signed.eml" "$W/encrypted.eml"
st=$?
ok; [ "$st" = 0 ] || fail "tb.py check --profile exited $st"
ok; [ "$(tb_sig "$T/r4" 1)" = valid ] || fail "--profile: CA-issued signer reads $(tb_sig "$T/r4" 1)"
ok; [ "$(tb_dec "$T/r4" 2)" = yes ] || fail "--profile: encrypted message not decrypted"
ok; [ "$(tree_hash "$T/prof")" = "$before" ] || fail "--profile changed the profile it was given"
tb_check "$T/r5" --profile "$W" "$W/plain.eml" 2>"$T/err5"
st=$?
ok; [ "$st" = 2 ] || fail "--profile on a folder that is not a profile: status $st"
expect_in "$(cat "$T/err5")" "is not a Thunderbird profile" "--profile names the problem"

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

# --- stopped from outside (SIGTERM) while Thunderbird works: still clean ---
set --
i=0
while [ $i -lt 200 ]; do set -- "$@" "$W/plain.eml"; i=$((i + 1)); done
python3 "$TB_PY" check "$@" >"$T/r6" 2>"$T/err6" </dev/null &
pid=$!
i=0 # poll (up to 10 minutes on a loaded machine) until Thunderbird listens
while [ -z "$(ls "$T"/padseal-tb.*/profile/MarionetteActivePort 2>/dev/null)" ] &&
	kill -0 "$pid" 2>/dev/null && [ $i -lt 6000 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$pid"
wait "$pid"
st=$?
ok; [ "$st" = 143 ] || fail "tb.py stopped by SIGTERM: status $st, wanted 143: $(cat "$T/err6")"
ok; [ -z "$(ls -d "$T"/padseal-tb.* 2>/dev/null)" ] || fail "tb.py left $(ls -d "$T"/padseal-tb.*) after SIGTERM"
ok; [ -z "$(ps -eo args | grep -F "$T/padseal-tb" | grep -v grep)" ] || fail "Thunderbird still runs after SIGTERM"

finish

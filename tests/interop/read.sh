#!/bin/sh
# Reading what independent implementations write: messages of each of the
# four kinds made by the OpenSSL command line (detached and opaque
# signatures, AES-256-CBC with PKCS#1 v1.5 and OAEP, sign-then-encrypt) and
# by GnuPG's gpgsm, read by padseal with the right layers and exit status;
# import of a correspondent's certificate from .eml, .p7s, .p7b, PEM and
# DER; refusals (tampered message, own certificate, garbage) that leave the
# home byte-identical.
. "$PADSEAL_TESTLIB"

command -v openssl >/dev/null || { fail "openssl is not installed (scripts/setup installs it)"; finish; exit 1; }
command -v gpgsm >/dev/null || { fail "gpgsm is not installed (scripts/setup installs it)"; finish; exit 1; }

P=$PADSEAL
A="$T/alice"  # the reader
B="$T/bob"    # the sender
M="$T/msgs"
G="$T/gnupg"
mkdir -m 700 "$M"
run 0 "$P" --home "$A" create --self-signed --name "Alice Reader" --email alice@example.org --key rsa2048 \
	--new-passphrase-file "$T/pass" || { finish; exit 1; }
run 0 "$P" --home "$B" create --self-signed --name "Bob Sender" --email bob@example.org --key rsa2048 \
	--new-passphrase-file "$T/pass2" || { finish; exit 1; }
gpgsm_fit "$B" "$T/pass2" --self-signed --name "Bob Sender" --email bob@example.org --key rsa2048
acert=$(ls "$A"/identities/*/cert.pem)
bcert=$(ls "$B"/identities/*/cert.pem)
bfpr=$(openssl x509 -in "$bcert" -noout -fingerprint -sha256 | cut -d= -f2)
# The key at rest is encrypted PKCS#8: OpenSSL opens it with the passphrase.
openssl pkey -in "$(ls "$B"/identities/*/key.pem)" -passin file:"$T/pass2" -out "$T/bob.key" 2>"$T/err"
ok; [ -s "$T/bob.key" ] || fail "openssl cannot open padseal's encrypted key: $(cat "$T/err")"

run 0 "$P" --home "$A" import "$bcert"
run 0 "$P" --home "$A" trust bob@example.org --verified phone

# read_as FILE STATUS LAYERS [PASSFILE]: padseal reads FILE in Alice's home.
read_as() {
	if [ $# -ge 4 ]; then
		run "$2" "$P" --home "$A" --passphrase-file "$4" read "$1"
	else
		run "$2" "$P" --home "$A" read "$1"
	fi
	expect_in "$OUT" "Layers:  $3
" "$(basename "$1")"
}

hash_a=$(tree_hash "$A")

# --- the OpenSSL command line ------------------------------------------------
printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nHello from OpenSSL\r\n' > "$T/body.txt"
hdrs="-from bob@example.org -to alice@example.org"
printf 'From: bob@example.org\r\nTo: alice@example.org\r\nSubject: plain\r\nMIME-Version: 1.0\r\n' > "$M/o-plain.eml"
cat "$T/body.txt" >> "$M/o-plain.eml"
# shellcheck disable=SC2086
{
	openssl cms -sign -in "$T/body.txt" -signer "$bcert" -inkey "$T/bob.key" -md sha256 $hdrs -subject signed -out "$M/o-signed.eml" &&
	openssl cms -sign -nodetach -in "$T/body.txt" -signer "$bcert" -inkey "$T/bob.key" $hdrs -subject opaque -out "$M/o-opaque.eml" &&
	openssl cms -encrypt -aes-256-cbc -in "$T/body.txt" $hdrs -subject enc -out "$M/o-encrypted.eml" "$acert" &&
	openssl cms -encrypt -aes-256-cbc -in "$T/body.txt" $hdrs -subject oaep -recip "$acert" \
		-keyopt rsa_padding_mode:oaep -out "$M/o-oaep.eml" &&
	openssl cms -sign -in "$T/body.txt" -signer "$bcert" -inkey "$T/bob.key" |
		openssl cms -encrypt -aes-256-cbc $hdrs -subject both -out "$M/o-signed-encrypted.eml" "$acert"
} 2>"$T/err"
ok; [ -s "$M/o-signed-encrypted.eml" ] || fail "openssl cms could not make the messages: $(cat "$T/err")"
ok; openssl cms -cmsout -print -in "$M/o-oaep.eml" | grep -q rsaesOaep || fail "the OAEP message is not OAEP"

signed_line="signed(SHA-256, by: bob@example.org, valid, trusted)"
read_as "$M/o-plain.eml" 0 "plain"
expect_in "$OUT" "Hello from OpenSSL" "plain text"
read_as "$M/o-signed.eml" 0 "$signed_line"
expect_in "$OUT" "Hello from OpenSSL" "signed text"
read_as "$M/o-opaque.eml" 0 "$signed_line"
read_as "$M/o-encrypted.eml" 0 "enveloped(AES-256-CBC, to: you)" "$T/pass"
expect_in "$OUT" "Hello from OpenSSL" "decrypted text"
read_as "$M/o-oaep.eml" 0 "enveloped(AES-256-CBC, to: you)" "$T/pass"
read_as "$M/o-signed-encrypted.eml" 0 "enveloped(AES-256-CBC, to: you) > $signed_line" "$T/pass"
expect_in "$OUT" "Kind:    signed-encrypted" "kind"

# The passphrase is asked for only when an envelope is for us; without a
# terminal and without --passphrase-file that is a usage error.
run 2 "$P" --home "$A" read "$M/o-encrypted.eml"
expect_one_line_error "no passphrase option"
expect_in "$ERR" "--passphrase-file" "names the option"
run 1 "$P" --home "$A" --passphrase-file "$T/wrong" read "$M/o-encrypted.eml"
expect_one_line_error "wrong passphrase"
expect_in "$ERR" "the passphrase does not unlock your key" "wrong passphrase: said, not taken for a damaged message"
run 0 "$P" --home "$A" read --json "$M/o-signed.eml"
expect_in "$OUT" '"kind":"signed","ok":true' "json kind and ok"
expect_in "$OUT" "\"signer_fingerprint_sha256\":\"$bfpr\"" "json fingerprint"
expect_in "$OUT" '"text":"Hello from OpenSSL\n"' "json text"

# Not trusted yet: exit 1 and the way to trust.
H2="$T/carol"
run 0 "$P" --home "$H2" create --name "Carol" --email carol@example.org --key p256 --new-passphrase-file "$T/pass"
run 1 "$P" --home "$H2" read "$M/o-signed.eml"
expect_in "$OUT" "valid, not trusted)" "untrusted layer"
expect_in "$OUT" "padseal trust bob@example.org --verified phone" "how to trust"
# Bob's own Sent copy.
run 0 "$P" --home "$B" read "$M/o-signed.eml"
expect_in "$OUT" "valid, yours)" "own copy"
# For someone else: the recipients are listed.
run 1 "$P" --home "$H2" --passphrase-file "$T/pass" read "$M/o-encrypted.eml"
expect_in "$OUT" "not addressed to you" "not for carol"

# Tampered: the body changed after signing.
sed 's/Hello from OpenSSL/Hello from Mallory/' "$M/o-signed.eml" > "$M/o-tampered.eml"
run 1 "$P" --home "$A" read "$M/o-tampered.eml"
expect_in "$OUT" "signed(SHA-256, by: bob@example.org, invalid)" "tampered layer"
expect_in "$OUT" "the content was changed after signing" "tampered reason"

# --- GnuPG's gpgsm -----------------------------------------------------------
gnupg_home "$G"
# Self-signed leaves: trusted as roots, "relax" (they are not CAs).
for c in "$acert" "$bcert"; do
	openssl x509 -in "$c" -noout -fingerprint -sha1 | cut -d= -f2 | tr -d : | sed 's/$/ S relax/'
done > "$G/trustlist.txt"
openssl pkcs12 -export -legacy -in "$bcert" -inkey "$T/bob.key" -passout file:"$T/pass2" -out "$T/bob.p12"
# gpgsm 2.2 has no --passphrase-file: the passphrase comes on fd 0.
gs() { GNUPGHOME="$G" gpgsm --batch --disable-dirmngr --disable-crl-checks --pinentry-mode loopback \
	--passphrase-fd 0 "$@" < "$T/pass2"; }
gpgsm_p12 "$G" "$T/bob.p12" "$T/pass2" && cp "$T/gpgsm.out" "$T/err" && gs --import "$acert" >>"$T/err" 2>&1
rc=$?
ok; [ $rc -eq 0 ] || fail "gpgsm cannot import: $(cat "$T/err")"
printf 'Content-Type: text/plain; charset=utf-8\r\n\r\nHello from gpgsm\r\n' > "$T/gbody.txt"
b64() { openssl base64 -e -in "$1" | tr -d '\n' | fold -w 76 | sed 's/$/\r/'; }
ghdr() { printf 'From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: %s\r\nMIME-Version: 1.0\r\n' "$1"; }
p7m() { printf 'Content-Type: application/pkcs7-mime; smime-type=%s; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\n' "$1"; b64 "$2"; }
# multipart_signed BODY SIG: the detached signature around BODY.
multipart_signed() {
	printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="gs"\r\n\r\n--gs\r\n'
	cat "$1"
	printf '\r\n--gs\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n'
	b64 "$2"
	printf '\r\n--gs--\r\n'
}
gs -u bob@example.org --detach-sign -o "$T/g.sig" "$T/gbody.txt" 2>"$T/err" &&
	gs -u bob@example.org --sign -o "$T/g.p7m" "$T/gbody.txt" 2>>"$T/err" &&
	gs -r alice@example.org --encrypt -o "$T/g.env" "$T/gbody.txt" 2>>"$T/err"
ok; [ -s "$T/g.env" ] || fail "gpgsm cannot sign or encrypt: $(cat "$T/err")"
{ ghdr plain; cat "$T/gbody.txt"; } > "$M/g-plain.eml"
{ ghdr signed; multipart_signed "$T/gbody.txt" "$T/g.sig"; } > "$M/g-signed.eml"
{ ghdr opaque; p7m signed-data "$T/g.p7m"; } > "$M/g-opaque.eml"
{ ghdr encrypted; p7m enveloped-data "$T/g.env"; } > "$M/g-encrypted.eml"
multipart_signed "$T/gbody.txt" "$T/g.sig" > "$T/g-inner.txt"
gs -r alice@example.org -r bob@example.org --encrypt -o "$T/g-both.env" "$T/g-inner.txt" 2>"$T/err"
{ ghdr both; p7m enveloped-data "$T/g-both.env"; } > "$M/g-signed-encrypted.eml"
GNUPGHOME="$G" gpgconf --kill all >/dev/null 2>&1 || true

read_as "$M/g-plain.eml" 0 "plain"
read_as "$M/g-signed.eml" 0 "$signed_line"
expect_in "$OUT" "Hello from gpgsm" "gpgsm signed text"
read_as "$M/g-opaque.eml" 0 "$signed_line"
run 0 "$P" --home "$A" --passphrase-file "$T/pass" read "$M/g-encrypted.eml"
expect_in "$OUT" "Kind:    encrypted" "gpgsm encrypted kind"
expect_in "$OUT" ", to: you)
" "gpgsm envelope for Alice"
expect_in "$OUT" "Hello from gpgsm" "gpgsm decrypted text"
run 0 "$P" --home "$A" --passphrase-file "$T/pass" read "$M/g-signed-encrypted.eml"
expect_in "$OUT" "Kind:    signed-encrypted" "gpgsm signed-encrypted kind"
expect_in "$OUT" "to: you, bob@example.org) > $signed_line" "gpgsm signed-encrypted layers"

ok; [ "$(tree_hash "$A")" = "$hash_a" ] || fail "read changed the home"

# --- what read warns about ---------------------------------------------------
openssl cms -sign -in "$T/body.txt" -signer "$bcert" -inkey "$T/bob.key" -md sha1 $hdrs -subject sha1 \
	-out "$M/o-sha1.eml" 2>"$T/err"
read_as "$M/o-sha1.eml" 0 "signed(SHA-1, by: bob@example.org, valid, trusted, SHA-1)"
expect_in "$OUT" "Thunderbird 115 and later show it as invalid" "SHA-1 warning"
openssl cms -sign -in "$T/body.txt" -signer "$bcert" -inkey "$T/bob.key" -from mallory@example.org \
	-to alice@example.org -subject spoof -out "$M/o-spoof.eml" 2>"$T/err"
read_as "$M/o-spoof.eml" 1 "$signed_line"
expect_in "$OUT" "the signer bob@example.org is not the sender (From: mallory@example.org)" "not the sender"
# Bob's certificate changes: a new one for the same address.
run 0 "$P" --home "$T/bob2" create --name "Bob Again" --email bob@example.org --key rsa2048 --new-passphrase-file "$T/pass"
b2cert=$(ls "$T"/bob2/identities/*/cert.pem)
b2fpr=$(openssl x509 -in "$b2cert" -noout -fingerprint -sha256 | cut -d= -f2)
openssl pkey -in "$(ls "$T"/bob2/identities/*/key.pem)" -passin file:"$T/pass" -out "$T/bob2.key"
openssl cms -sign -in "$T/body.txt" -signer "$b2cert" -inkey "$T/bob2.key" $hdrs -subject new -out "$M/o-changed.eml" 2>"$T/err"
read_as "$M/o-changed.eml" 1 "signed(SHA-256, by: bob@example.org, valid, changed)"
expect_in "$OUT" "changed since you verified it — verify again: this message is signed with $b2fpr, the one you verified is $bfpr" "changed, both fingerprints"
ok; [ "$(tree_hash "$A")" = "$hash_a" ] || fail "read changed the home"

# Alice replaces her credential: mail to the old one opens with the archive.
run 0 "$P" --home "$A" create --replace --name "Alice Reader" --email alice@example.org --key p256 --new-passphrase-file "$T/pass"
read_as "$M/o-encrypted.eml" 0 "enveloped(AES-256-CBC, to: you, opened with an archived key)" "$T/pass"
expect_in "$OUT" "opened with your archived credential" "archived identity named"
hash_a=$(tree_hash "$A")

# --- damaged input -----------------------------------------------------------
: > "$T/empty.eml"
printf 'just words\nno headers\n' > "$T/words.eml"
head -c 3000 /dev/urandom > "$T/noise.eml"
printf 'Subject: a\000b\r\n\r\nbody\r\n' > "$T/nul.eml"
for f in empty words noise nul; do
	run 1 "$P" --home "$A" read "$T/$f.eml"
	expect_one_line_error "read $f"
done
expect_in "$ERR" "NUL bytes" "NUL bytes named"
run 1 "$P" --home "$A" read "$T/missing.eml"
expect_one_line_error "read a missing file"
ok; [ "$(tree_hash "$A")" = "$hash_a" ] || fail "damaged input changed the home"

# --- import ------------------------------------------------------------------
C="$T/importer"
run 0 "$P" --home "$C" create --name "Importer" --email me@example.org --key p256 --new-passphrase-file "$T/pass"
openssl x509 -in "$bcert" -outform DER -out "$T/bob.der"
openssl cms -sign -binary -in "$T/body.txt" -signer "$bcert" -inkey "$T/bob.key" -outform DER -out "$T/bob.p7s"
# A .p7b with a CA certificate beside Bob's: the CA is not imported.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" -subj "/CN=Some CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "subjectAltName=email:ca@example.org" -days 30 -out "$T/ca.pem" 2>/dev/null
openssl crl2pkcs7 -nocrl -certfile "$T/ca.pem" -certfile "$bcert" -out "$T/bob.p7b"

for form in eml p7s p7b pem der; do
	H="$T/imp-$form"
	cp -r "$C" "$H"
	case $form in
	eml) f="$M/o-signed.eml" ;;
	p7s) f="$T/bob.p7s" ;;
	p7b) f="$T/bob.p7b" ;;
	pem) f="$bcert" ;;
	der) f="$T/bob.der" ;;
	esac
	run 0 "$P" --home "$H" import "$f"
	expect_in "$OUT" "Imported the certificate of Bob Sender <bob@example.org>, not trusted yet." "import $form"
	expect_in "$OUT" "SHA-256    $bfpr" "import $form fingerprint"
	expect_in "$OUT" "padseal compare bob@example.org" "import $form next step"
	ok; [ "$(ls "$H/peers" | wc -l)" = 1 ] || fail "import $form stored $(ls "$H/peers" | wc -l) certificates"
	ok; grep -q "^peer .*addr=bob@example.org" "$H/checklist" && ! grep -q "^peer .*trusted=1" "$H/checklist" ||
		fail "import $form: no untrusted peer record"
done

H="$T/imp-pem"
h=$(tree_hash "$H")
run 0 "$P" --home "$H" import "$T/bob.der"
expect_in "$OUT" "You already hold this certificate" "import twice"
ok; [ "$(tree_hash "$H")" = "$h" ] || fail "importing a held certificate changed the home"

run 1 "$P" --home "$H" import "$M/o-tampered.eml"
expect_one_line_error "tampered import"
expect_in "$ERR" "the signature does not match the message; nothing was imported" "tampered import refused"
run 1 "$P" --home "$H" import "$C/identities/$(ls "$C/identities")/cert.pem"
expect_in "$ERR" "your own certificate" "own certificate refused"
run 1 "$P" --home "$H" import "$T/words.eml"
expect_one_line_error "garbage import"
run 1 "$P" --home "$H" import "$M/o-plain.eml"
expect_in "$ERR" "no S/MIME signature" "unsigned message"
run 1 "$P" --home "$H" import "$T/ca.pem"
expect_in "$ERR" "no correspondent's certificate" "a CA certificate alone"
ok; [ "$(tree_hash "$H")" = "$h" ] || fail "a refused import changed the home"

# A second, different certificate for bob@example.org is kept beside the first.
run 0 "$P" --home "$H" import "$b2cert"
expect_in "$OUT" "you now hold 2 certificates for bob@example.org" "duplicate said loudly"
expect_in "$ERR" "padseal: warning: you now hold 2 certificates" "duplicate warning"
ok; [ "$(ls "$H/peers" | wc -l)" = 2 ] || fail "the second certificate was not kept beside the first"
run 0 "$P" --home "$H" import --json "$T/bob.p7s"
expect_in "$OUT" '"added":false,"duplicate":true' "json import"

finish

#!/bin/sh
# The personal CA form (the default of create), checked by the programs
# that decide whether it works: NSS (certutil -V, classic and libpkix, the
# checks Thunderbird makes), the OpenSSL command line (verify, cms),
# GnuPG's gpgsm and neomutt's smime_keys; and --self-signed beside it.
# shellcheck source=../lib.sh
. "$PADSEAL_TESTLIB"

for t in openssl gpgsm certutil neomutt; do
	command -v $t >/dev/null || { fail "$t is not installed (scripts/setup installs it)"; finish; exit 1; }
done
SMIME_KEYS=/usr/libexec/neomutt/smime_keys
[ -x "$SMIME_KEYS" ] || { fail "neomutt's smime_keys is not at $SMIME_KEYS"; finish; exit 1; }

P=$PADSEAL
H=$T/home

# --- create: a CA and a mail certificate issued by it ----------------------
run 0 "$P" --home "$H" create --name "Alice Example" --email alice@example.org \
	--email al@second.example --key rsa2048 --new-passphrase-file "$T/pass" || { finish; exit 1; }
expect_in "$OUT" "your own CA, valid to" "create says the form"
dir=$(ls -d "$H"/identities/*)
leaf=$dir/cert.pem
ca=$dir/chain.pem
ok; [ "$(grep -c 'BEGIN CERT' "$ca")" = 1 ] || fail "chain.pem does not hold exactly the CA"
ok; [ "$(stat -c %a "$dir/ca-key.pem")" = 600 ] || fail "ca-key.pem is not 0600"
expect_in "$(head -n 1 "$dir/ca-key.pem")" "BEGIN ENCRYPTED PRIVATE KEY" "the CA key is encrypted"
expect_in "$(openssl asn1parse -in "$dir/ca-key.pem")" ":scrypt" "the CA key uses scrypt"
cakpub=$(openssl pkey -in "$dir/ca-key.pem" -passin file:"$T/pass" -pubout) || fail "the passphrase does not open the CA key"
ok; [ "$cakpub" = "$(openssl x509 -in "$ca" -noout -pubkey)" ] || fail "the CA key is not the CA's"

caext=$(openssl x509 -in "$ca" -noout -ext basicConstraints,keyUsage,nameConstraints)
want="X509v3 Basic Constraints: critical
    CA:TRUE, pathlen:0
X509v3 Key Usage: critical
    Certificate Sign, CRL Sign
X509v3 Name Constraints: critical
    Permitted:
      email:alice@example.org
      email:al@second.example"
ok; [ "$caext" = "$want" ] || fail "the CA's extensions are
$caext
wanted
$want"
ok; [ "$(openssl x509 -in "$ca" -noout -subject -nameopt RFC2253)" = "subject=CN=Alice Example (mail CA)" ] ||
	fail "the CA's subject"
ok; [ "$(openssl x509 -in "$leaf" -noout -issuer -nameopt RFC2253)" = "issuer=CN=Alice Example (mail CA)" ] ||
	fail "the mail certificate's issuer"
skid=$(openssl x509 -in "$ca" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' ')
akid=$(openssl x509 -in "$leaf" -noout -ext authorityKeyIdentifier | sed -n 2p | tr -d ' ' | sed 's/^keyid://')
ok; [ -n "$skid" ] && [ "$skid" = "$akid" ] || fail "AKI $akid is not the CA's SKI $skid"
start=$(date -d "$(openssl x509 -in "$ca" -noout -startdate | cut -d= -f2)" +%s)
end=$(date -d "$(openssl x509 -in "$ca" -noout -enddate | cut -d= -f2)" +%s)
ok; [ $((end - start)) = $((3650 * 86400)) ] || fail "the CA is not valid 3650 days"

run 0 "$P" --home "$H" show --json
expect_in "$OUT" '"form":"ca"' "show --json form"
cafpr=$(openssl x509 -in "$ca" -noout -fingerprint -sha256 | cut -d= -f2)
expect_in "$OUT" "\"ca_fingerprint_sha256\":\"$cafpr\"" "show --json CA fingerprint"
expect_in "$OUT" '"ca_key":true' "show --json CA key"
run 0 "$P" --home "$H" status --json
expect_in "$OUT" "\"form\":\"ca\",\"ca_fingerprint_sha256\":\"$cafpr\",\"ca_not_after\":\"" "status --json form"
run 0 "$P" --home "$H" status
expect_in "$OUT" "issued by your own CA (valid until" "status names the CA"

# --- cert: PEM is the mail certificate then the CA; DER the mail one ------
run 0 "$P" --home "$H" cert --out "$T/all.pem"
ok; [ "$(grep -c 'BEGIN CERT' "$T/all.pem")" = 2 ] || fail "cert PEM does not hold two certificates"
ok; [ "$(openssl x509 -in "$T/all.pem" -noout -fingerprint -sha256)" = \
	"$(openssl x509 -in "$leaf" -noout -fingerprint -sha256)" ] || fail "cert PEM does not start with the mail certificate"
run 0 "$P" --home "$H" cert --der --out "$T/leaf.der"
ok; openssl x509 -in "$leaf" -outform DER | cmp -s - "$T/leaf.der" || fail "cert --der is not the mail certificate"

# --- OpenSSL: the CA alone vouches for it ---------------------------------
for purpose in smimesign smimeencrypt; do
	run 0 openssl verify -purpose $purpose -CAfile "$ca" "$leaf"
	expect_in "$OUT" ": OK" "openssl verify -purpose $purpose"
done
run 2 openssl verify -purpose smimesign -CAfile "$leaf" "$leaf"

# A certificate for another address, signed with the CA's own key (as a
# stolen CA key would): outside its name constraints.
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/m.key" -subj "/CN=Mallory" -out "$T/m.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=email:mallory@example.org\n' >"$T/m.ext"
openssl x509 -req -in "$T/m.csr" -CA "$ca" -CAkey "$dir/ca-key.pem" -passin file:"$T/pass" \
	-extfile "$T/m.ext" -days 30 -out "$T/m.pem" 2>/dev/null || fail "openssl could not issue the outsider"
run 2 openssl verify -purpose smimesign -CAfile "$ca" "$T/m.pem"
expect_in "$OUT$ERR" "permitted subtree violation" "openssl refuses the outsider"

# --- NSS (Thunderbird's library): the CA trusted for mail (",C,") ----------
N=$T/nss
mkdir -m 700 "$N"
certutil -N -d "sql:$N" --empty-password
certutil -A -d "sql:$N" -n ca -t ",C," -i "$ca"
certutil -A -d "sql:$N" -n alice -t ",," -i "$leaf"
certutil -A -d "sql:$N" -n mallory -t ",," -i "$T/m.pem"
for mode in classic pkix; do
	if [ $mode = pkix ]; then NSS_ENABLE_PKIX_VERIFY=1; export NSS_ENABLE_PKIX_VERIFY; fi
	for u in S R; do
		run 0 certutil -V -d "sql:$N" -n alice -u $u
		expect_in "$OUT" "certificate is valid" "NSS $mode -u $u"
		run 255 certutil -V -d "sql:$N" -n mallory -u $u
		expect_in "$OUT$ERR" "certificate is invalid" "NSS $mode -u $u refuses the outsider"
	done
	unset NSS_ENABLE_PKIX_VERIFY
done

# --- a signed message: the CA as the only anchor ---------------------------
run 0 "$P" --home "$H" --passphrase-file "$T/pass" intro --to sam@example.org --out "$T/intro.eml"
run 0 openssl cms -verify -purpose smimesign -CAfile "$ca" -in "$T/intro.eml" -out /dev/null
run 4 openssl cms -verify -CAfile "$T/m.pem" -in "$T/intro.eml" -out /dev/null

# --- gpgsm 2.2: imports the chain; verifies once told to accept the
# critical nameConstraints extension it does not implement -----------------
G=$T/gnupg
mkdir -m 700 "$G"
run 0 env GNUPGHOME="$G" gpgsm --batch --disable-dirmngr --import "$T/all.pem"
expect_in "$ERR" "imported: 2" "gpgsm imports the chain"
printf '%s S relax\n' "$(openssl x509 -in "$ca" -noout -fingerprint -sha1 | cut -d= -f2)" >"$G/trustlist.txt"
b=$(header "$T/intro.eml" Content-Type | sed -n 's/.*boundary="\([^"]*\)".*/\1/p')
part "$T/intro.eml" "$b" 1 >"$T/signed.part"
part "$T/intro.eml" "$b" 2 | sed '1,/^\r\{0,1\}$/d' | tr -d '\r' >"$T/sig.b64"
gverify() {
	GNUPGHOME="$G" gpgsm --batch --disable-crl-checks --disable-dirmngr --assume-base64 \
		--verify "$T/sig.b64" "$T/signed.part" >"$T/gpgsm.out" 2>&1
}
gverify
expect_in "$(cat "$T/gpgsm.out")" "critical certificate extension 2.5.29.30 is not supported" \
	"gpgsm 2.2 without ignore-cert-extension"
echo "ignore-cert-extension 2.5.29.30" >"$G/gpgsm.conf"
gverify
expect_in "$(cat "$T/gpgsm.out")" 'Good signature from "/CN=Alice Example"' "gpgsm verifies with the CA trusted"
gpgconf --homedir "$G" --kill all >/dev/null 2>&1 || true

# --- neomutt: smime_keys add_p12 takes the CA-form backup ------------------
run 0 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" backup --out "$T/alice.p12"
expect_in "$OUT" "and its chain" "the backup carries the chain"
run 0 openssl pkcs12 -in "$T/alice.p12" -passin file:"$T/pass2" -nokeys -legacy -out "$T/p12certs.pem"
ok; [ "$(grep -c 'BEGIN CERT' "$T/p12certs.pem")" = 2 ] || fail "the backup does not hold two certificates"
ok; [ "$(grep -c 'localKeyID' "$T/p12certs.pem")" = 1 ] || fail "localKeyID is not on the mail certificate alone"
run 0 openssl pkcs12 -in "$T/alice.p12" -passin file:"$T/pass2" -nocerts -nodes -legacy -out /dev/null
M=$T/neomutt
mkdir -m 700 "$M"
cp "$ca" "$M/ca.pem"
printf 'set smime_keys="%s/keys"\nset smime_certificates="%s/certs"\nset smime_ca_location="%s/ca.pem"\n' "$M" "$M" "$M" >"$M/muttrc"
MUTT_CMDLINE="neomutt -n -F $M/muttrc"
export MUTT_CMDLINE
"$SMIME_KEYS" init >/dev/null 2>&1
# smime_keys runs openssl, which reads passphrases from stdin without a
# controlling terminal (setsid): the backup's, the new key's twice, a label.
printf '%s\nneomutt key pass 1\nneomutt key pass 1\nalice\n' "$(head -n 1 "$T/pass2")" |
	setsid -w "$SMIME_KEYS" add_p12 "$T/alice.p12" >"$T/nm.out" 2>&1
ok; [ $? = 0 ] || fail "smime_keys add_p12 refused the CA-form backup: $(cat "$T/nm.out")"
ok; grep -q '^alice@example.org .* t se$' "$M/certs/.index" 2>/dev/null ||
	fail "neomutt does not list the certificate as trusted for signing and encryption: $(cat "$M/certs/.index" "$T/nm.out")"
unset MUTT_CMDLINE

# --- restore: the chain comes back; the CA's key stays out of backups ------
for compat in legacy modern; do
	run 0 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" \
		backup --compat $compat --out "$T/alice-$compat.p12"
	R=$T/restored-$compat
	run 0 "$P" --home "$R" --passphrase-file "$T/pass2" --new-passphrase-file "$T/pass" \
		restore "$T/alice-$compat.p12"
	run 0 "$P" --home "$R" show --json
	expect_in "$OUT" "\"chain\":1,\"form\":\"ca\",\"ca_fingerprint_sha256\":\"$cafpr\"" "$compat restore keeps the CA form"
	expect_in "$OUT" '"ca_key":false' "$compat: the backup carries no CA key"
	ok; [ ! -e "$(ls -d "$R"/identities/*)/ca-key.pem" ] || fail "$compat restore wrote a CA key"
done
run 0 openssl pkcs12 -in "$T/alice.p12" -passin file:"$T/pass2" -legacy -nocerts -noenc -out "$T/alice.key"

# Bad inputs: one line, exit 1, the home byte-identical.
B=$T/bad
run 0 "$P" --home "$B" create --self-signed --name "Bea" --email bea@example.org --key p256 \
	--new-passphrase-file "$T/pass"
before=$(tree_hash "$B")
# A chain that does not link: Alice's certificate and key with Mallory's.
openssl pkcs12 -export -legacy -in "$leaf" -inkey "$T/alice.key" -certfile "$T/m.pem" \
	-passout file:"$T/pass2" -out "$T/nolink.p12"
run 1 "$P" --home "$B" --passphrase-file "$T/pass2" --new-passphrase-file "$T/pass" restore "$T/nolink.p12"
expect_in "$ERR" "do not link" "a chain that does not link"
expect_one_line_error "a chain that does not link"
# The CA's certificate with its key, offered as a mail credential.
openssl pkey -in "$dir/ca-key.pem" -passin file:"$T/pass" -out "$T/ca.key"
openssl pkcs12 -export -legacy -in "$ca" -inkey "$T/ca.key" -passout file:"$T/pass2" -out "$T/ca.p12"
run 1 "$P" --home "$B" --passphrase-file "$T/pass2" --new-passphrase-file "$T/pass" restore "$T/ca.p12"
expect_in "$ERR" "certificate authority's certificate (CA:TRUE), not to a mail certificate" "a CA as the credential"
expect_one_line_error "a CA as the credential"
# A second create changes nothing either.
run 1 "$P" --home "$B" create --name "Bea" --email bea@example.org --new-passphrase-file "$T/pass"
expect_one_line_error "a second create"
ok; [ "$(tree_hash "$B")" = "$before" ] || fail "a refused restore or create changed the home"
before_b=$before

# --- renew: a new mail certificate from the same CA -------------------------
before=$(tree_hash "$H")
run 1 "$P" --home "$H" --passphrase-file "$T/wrong" renew
expect_in "$ERR" "the passphrase does not unlock" "renew with the wrong passphrase"
expect_one_line_error "renew with the wrong passphrase"
run 1 "$P" --home "$T/restored-legacy" --passphrase-file "$T/pass" renew
expect_in "$ERR" "the key of your CA is not in this home" "renew without the CA key"
expect_one_line_error "renew without the CA key"
run 1 "$P" --home "$B" --passphrase-file "$T/pass" renew
expect_in "$ERR" "self-signed, not issued by a CA of your own" "renew of a self-signed credential"
ok; [ "$(tree_hash "$H")" = "$before" ] || fail "a refused renew changed the home"
ok; [ "$(tree_hash "$B")" = "$before_b" ] || fail "a refused renew changed a self-signed home"
oldfpr=$(openssl x509 -in "$leaf" -noout -fingerprint -sha256 | cut -d= -f2)
run 0 "$P" --home "$H" --passphrase-file "$T/pass" renew --keep-key --days 30
expect_in "$OUT" "from your own CA (same key)" "renew --keep-key"
run 0 "$P" --home "$H" show --json
expect_in "$OUT" "\"ca_fingerprint_sha256\":\"$cafpr\"" "the renewed credential has the same CA"
expect_in "$OUT" "\"fingerprint_sha256\":\"$oldfpr\",\"fingerprint_sha1\"" "the old one is archived, not deleted"
expect_in "$OUT" '"reason":"renewed by' "the archive says renewed"
run 0 "$P" --home "$H" cert --out "$T/renewed.pem"
run 0 openssl verify -purpose smimesign -CAfile "$ca" "$T/renewed.pem"
ok; [ "$(openssl x509 -in "$T/renewed.pem" -noout -pubkey)" = "$(openssl x509 -in "$leaf" -noout -pubkey)" ] ||
	fail "renew --keep-key changed the key"
run 0 "$P" --home "$H" status
expect_in "$OUT" "renew it from your own CA (padseal renew" "status warns 60 days ahead and says renew"
run 0 "$P" --home "$H" --passphrase-file "$T/pass" renew
expect_in "$OUT" "with a new key" "renew makes a new key by default"
run 0 "$P" --home "$H" cert --out "$T/renewed2.pem"
ok; [ "$(openssl x509 -in "$T/renewed2.pem" -noout -pubkey)" != "$(openssl x509 -in "$leaf" -noout -pubkey)" ] ||
	fail "renew kept the key without --keep-key"
run 0 openssl verify -purpose smimesign -CAfile "$ca" "$T/renewed2.pem"

# --- --self-signed keeps the single certificate ----------------------------
S=$T/self
run 0 "$P" --home "$S" create --self-signed --name "Sam Tester" --email sam@example.org \
	--key p256 --new-passphrase-file "$T/pass"
sdir=$(ls -d "$S"/identities/*)
ok; [ ! -e "$sdir/chain.pem" ] && [ ! -e "$sdir/ca-key.pem" ] || fail "--self-signed stored a CA"
run 0 "$P" --home "$S" show --json
expect_in "$OUT" '"form":"self-signed","ca_fingerprint_sha256":null' "self-signed form"
run 0 "$P" --home "$S" cert
ok; [ "$(printf '%s\n' "$OUT" | grep -c 'BEGIN CERT')" = 1 ] || fail "self-signed cert exports one certificate"

finish

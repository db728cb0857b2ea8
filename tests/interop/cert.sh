#!/bin/sh
# Certificates and keys padseal creates, checked by independent tools: the
# OpenSSL command line (purpose, extensions, key encryption, fingerprints)
# and GnuPG's gpgsm (import).
. "$PADSEAL_TESTLIB"

command -v openssl >/dev/null || { fail "openssl is not installed (scripts/setup installs it)"; finish; exit 1; }
command -v gpgsm >/dev/null || { fail "gpgsm is not installed (scripts/setup installs it)"; finish; exit 1; }

for key in rsa2048 rsa3072 rsa4096 p256 p384; do
	H="$T/home-$key"
	run 0 "$PADSEAL" --home "$H" create --name "Sam Tester" --email Sam@Example.org \
		--email sam@second.example --key "$key" --new-passphrase-file "$T/pass" || continue
	cert=$(ls "$H"/identities/*/cert.pem)
	keyf=$(ls "$H"/identities/*/key.pem)

	# S/MIME purposes (OpenSSL 3.0 calls EC unfit for encryption: it wants
	# keyEncipherment, which EC keys do not have; so that check is RSA only).
	purpose=$(openssl x509 -in "$cert" -noout -purpose)
	expect_in "$purpose" "S/MIME signing : Yes" "$key: S/MIME signing"
	case $key in rsa*) expect_in "$purpose" "S/MIME encryption : Yes" "$key: S/MIME encryption" ;; esac
	expect_in "$purpose" "S/MIME signing CA : No" "$key: not a CA"

	# The extensions, exactly.
	ext=$(openssl x509 -in "$cert" -noout -ext basicConstraints,keyUsage,extendedKeyUsage,subjectAltName)
	case $key in
	rsa*) ku="Digital Signature, Key Encipherment" ;;
	*) ku="Digital Signature, Key Agreement" ;;
	esac
	want="X509v3 Basic Constraints: critical
    CA:FALSE
X509v3 Key Usage: critical
    $ku
X509v3 Extended Key Usage: 
    E-mail Protection
X509v3 Subject Alternative Name: 
    email:Sam@Example.org, email:sam@second.example"
	ok; [ "$ext" = "$want" ] || fail "$key: extensions are
$ext
wanted
$want"
	text=$(openssl x509 -in "$cert" -noout -text)
	# six extensions plus the "X509v3 extensions:" heading
	ok; [ "$(printf '%s\n' "$text" | grep -c '^ *X509v3 .*:')" = 7 ] || fail "$key: not exactly six extensions"
	expect_in "$text" "X509v3 Subject Key Identifier" "$key: SKID"
	expect_in "$text" "X509v3 Authority Key Identifier" "$key: AKID"
	expect_in "$text" "Version: 3 (0x2)" "$key: v3"
	case $key in
	rsa*) expect_in "$text" "Signature Algorithm: sha256WithRSAEncryption" "$key: SHA-256"
	      expect_in "$text" "Public-Key: (${key#rsa} bit)" "$key: size" ;;
	p256) expect_in "$text" "NIST CURVE: P-256" "$key: curve" ;;
	p384) expect_in "$text" "NIST CURVE: P-384" "$key: curve" ;;
	esac
	# gpgsm 2.2 refuses a P-384 certificate signed with SHA-256 ("a 256
	# bit hash is not valid for a 384 bit ECC key"): P-384 signs with SHA-384.
	case $key in
	p256) expect_in "$text" "Signature Algorithm: ecdsa-with-SHA256" "$key: SHA-256" ;;
	p384) expect_in "$text" "Signature Algorithm: ecdsa-with-SHA384" "$key: SHA-384" ;;
	esac
	subj=$(openssl x509 -in "$cert" -noout -subject -nameopt RFC2253)
	ok; [ "$subj" = "subject=CN=Sam Tester" ] || fail "$key: subject is $subj"
	serial=$(openssl x509 -in "$cert" -noout -serial | cut -d= -f2)
	ok; [ ${#serial} -ge 30 ] && [ ${#serial} -le 34 ] || fail "$key: serial $serial is not ~128 bits"
	start=$(date -d "$(openssl x509 -in "$cert" -noout -startdate | cut -d= -f2)" +%s)
	end=$(date -d "$(openssl x509 -in "$cert" -noout -enddate | cut -d= -f2)" +%s)
	ok; [ $((end - start)) = $((730 * 86400)) ] || fail "$key: validity is not 730 days"

	# The key at rest: encrypted PKCS#8 with scrypt, opens with the
	# passphrase only, and belongs to the certificate.
	expect_in "$(head -n 1 "$keyf")" "BEGIN ENCRYPTED PRIVATE KEY" "$key: key encrypted"
	asn=$(openssl asn1parse -in "$keyf")
	expect_in "$asn" ":scrypt" "$key: scrypt KDF"
	expect_in "$asn" "aes-256-cbc" "$key: AES-256-CBC"
	ok; openssl pkey -in "$keyf" -passin file:"$T/wrong" -noout 2>/dev/null && fail "$key: wrong passphrase opened the key"
	kpub=$(openssl pkey -in "$keyf" -passin file:"$T/pass" -pubout) || fail "$key: passphrase does not open the key"
	cpub=$(openssl x509 -in "$cert" -noout -pubkey)
	ok; [ "$kpub" = "$cpub" ] || fail "$key: key does not match certificate"

	# Fingerprints exactly as openssl prints them: of a FILE, and (with
	# no operand) of the CA that is compared by phone for the CA form.
	for f in "$cert" ""; do
		src=${f:-$(dirname "$cert")/chain.pem}
		for alg in sha256 sha1; do
			opt=; [ $alg = sha1 ] && opt=--sha1
			run 0 "$PADSEAL" --home "$H" fingerprint $opt $f
			ours=$(printf '%s\n' "$OUT" | head -n 1)
			want=$(openssl x509 -in "$src" -noout -fingerprint -$alg | cut -d= -f2)
			ok; [ "$ours" = "$want" ] || fail "$key: $alg fingerprint ${f:-(own)} $ours != openssl $want"
		done
	done
	theirs=$(openssl x509 -in "$cert" -noout -fingerprint -sha1 | cut -d= -f2)

	# gpgsm accepts the certificate.
	G="$T/gnupg-$key"
	mkdir -m 700 "$G"
	if GNUPGHOME="$G" gpgsm --batch --disable-dirmngr --import "$cert" >"$T/gpgsm.out" 2>&1; then
		ok
		list=$(GNUPGHOME="$G" gpgsm --batch --disable-dirmngr --with-colons --list-keys 2>&1)
		expect_in "$list" "Sam@Example.org" "$key: gpgsm lists the address"
		expect_in "$list" "$(printf '%s' "$theirs" | tr -d :)" "$key: gpgsm has the certificate"
	else
		fail "$key: gpgsm --import refused the certificate: $(cat "$T/gpgsm.out")"
	fi
	gpgconf --homedir "$G" --kill all >/dev/null 2>&1 || true

	# padseal's own lint agrees with itself.
	run 0 "$PADSEAL" lint "$cert"
	expect_in "$OUT" "0 errors, 0 warnings" "$key: lint clean"
done

finish

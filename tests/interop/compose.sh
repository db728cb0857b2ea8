#!/bin/sh
# Every message padseal writes — the introduction and the four test
# messages, from an RSA and from EC (P-256, P-384) identities — opened by
# independent implementations: the OpenSSL command line (verify with the
# sender's certificate as the only trust anchor; decrypt with the
# recipient's key and with the sender's own) and GnuPG's gpgsm (verify;
# decrypt with the keys imported from PKCS#12).  Plus the form of every
# line, and the refusals of `intro` and `matrix send`.
. "$PADSEAL_TESTLIB"

command -v openssl >/dev/null || { fail "openssl is not installed (scripts/setup installs it)"; finish; exit 1; }
command -v gpgsm >/dev/null || { fail "gpgsm is not installed (scripts/setup installs it)"; finish; exit 1; }

P=$PADSEAL
P12PASS=p12-test-pass

# lines_ok FILE: every line ends CRLF and holds at most 76 characters.
lines_ok() {
	bad=$(awk 'BEGIN { bad = "" }
		!/\r$/ { bad = bad " line " NR " has no CR;" }
		length($0) > 77 { bad = bad " line " NR " is " length($0) - 1 " long;" }
		END { print bad }' "$1")
	ok; [ -z "$bad" ] || fail "$1:$bad"
	ok; [ "$(tail -c 2 "$1" | od -An -c | tr -d ' ')" = '\r\n' ] || fail "$1 does not end with CRLF"
}

# body FILE: the body (after the first blank line), CRLF kept.
body() {
	awk 'BEGIN { RS = "\r\n" } on { printf "%s\r\n", $0 } /^$/ { on = 1 }' "$1"
}

# qp_text: quoted-printable on stdin to text (soft breaks joined; enough
# for the ASCII we look for).
qp_text() {
	tr -d '\r' | sed -e ':a' -e '/=$/{N;s/=\n//;ba' -e '}' -e 's/=3D/=/g; s/=20$/ /'
}

# gpg_decrypt GNUPGHOME FILE OUT WANT WHAT: gpgsm decrypts the base64 body
# to exactly WANT (what OpenSSL decrypted).  The exit status is not the
# verdict: gpgsm reports "No secret key" for the recipient info of the other
# party before it finds its own, and then exits 2 after decrypting.
gpg_decrypt() {
	body "$2" > "$T/enveloped.b64"
	printf '%s\n' "$P12PASS" | GNUPGHOME="$1" gpgsm --batch --disable-crl-checks --disable-dirmngr \
		--pinentry-mode loopback --passphrase-fd 0 --assume-base64 \
		--decrypt "$T/enveloped.b64" >"$3" 2>"$T/gpgsm.err"
	ok; [ -s "$3" ] && cmp -s "$3" "$4" || fail "$5: gpgsm does not decrypt: $(cat "$T/gpgsm.err")"
}

# gpg_home DIR SENDER_CERT [KEY CERT]: a GnuPG home that trusts the sender's
# certificate (trustlist "S relax": a self-signed leaf) and, for RSA, holds
# a private key imported from a legacy PKCS#12.
gpg_home() {
	gnupg_home "$1"
	GNUPGHOME="$1" gpgsm --batch --disable-dirmngr --import "$2" >/dev/null 2>&1
	fp=$(GNUPGHOME="$1" gpgsm --batch --with-colons --list-keys 2>/dev/null | awk -F: '/^fpr/ { print $10 }' | tail -n 1)
	ok; [ -n "$fp" ] || fail "gpgsm did not import $2"
	echo "$fp S relax" > "$1/trustlist.txt"
	[ $# -ge 4 ] || return 0
	openssl pkcs12 -export -legacy -in "$4" -inkey "$3" -passout pass:"$P12PASS" -out "$1/key.p12"
	printf '%s\n' "$P12PASS" > "$T/p12pass"
	if gpgsm_p12 "$1" "$1/key.p12" "$T/p12pass"; then
		ok
	else
		fail "gpgsm does not import the PKCS#12 of $4: $(cat "$T/gpgsm.out")"
	fi
}

for key in rsa3072 p256 p384; do
	A="$T/alice-$key"
	S="$T/sam-$key"
	D="$T/msgs-$key"
	run 0 "$P" --home "$A" create --self-signed --name "Alice Example" --email alice@example.org --key "$key" \
		--new-passphrase-file "$T/pass" || continue
	run 0 "$P" --home "$S" create --self-signed --name "Sam Tester" --email sam@example.org --key "$key" \
		--new-passphrase-file "$T/pass2" || continue
	case $key in rsa*)
		gpgsm_fit "$A" "$T/pass" --self-signed --name "Alice Example" --email alice@example.org --key "$key"
		gpgsm_fit "$S" "$T/pass2" --self-signed --name "Sam Tester" --email sam@example.org --key "$key" ;;
	esac
	run 0 "$P" --home "$A" cert --out "$T/alice-$key.pem"
	run 0 "$P" --home "$S" cert --out "$T/sam-$key.pem"
	openssl pkey -in "$(ls "$A"/identities/*/key.pem)" -passin file:"$T/pass" -out "$T/alice-$key.key"
	openssl pkey -in "$(ls "$S"/identities/*/key.pem)" -passin file:"$T/pass2" -out "$T/sam-$key.key"
	case $key in p384) md=sha-384 ;; *) md=sha-256 ;; esac

	# --- the introduction ---
	run 0 "$P" --home "$A" intro --to sam@example.org --out "$T/intro-$key.eml" --passphrase-file "$T/pass"
	I="$T/intro-$key.eml"
	lines_ok "$I"
	expect_in "$(header "$I" From)" '"Alice Example" <alice@example.org>' "$key intro From"
	expect_in "$(header "$I" To)" 'sam@example.org' "$key intro To"
	expect_in "$(header "$I" Content-Type)" "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=$md;" "$key intro micalg"
	for h in Date Message-ID Subject MIME-Version; do
		ok; [ -n "$(header "$I" "$h")" ] || fail "$key intro has no $h"
	done
	if openssl cms -verify -in "$I" -CAfile "$T/alice-$key.pem" -out "$T/intro.txt" 2>"$T/err"; then
		ok
		fpr=$(openssl x509 -in "$T/alice-$key.pem" -noout -fingerprint -sha256 | cut -d= -f2)
		text=$(qp_text < "$T/intro.txt")
		expect_in "$text" "$fpr" "$key intro carries the colon fingerprint"
		grouped=$("$P" --home "$A" fingerprint | sed -n '4p')
		expect_in "$text" "$grouped" "$key intro carries the grouped fingerprint"
		expect_in "$text" "padseal import FILE" "$key intro says what to do"
	else
		fail "$key: openssl does not verify the introduction: $(cat "$T/err")"
	fi
	# the certificate travels in the signature
	openssl cms -verify -in "$I" -noverify -signer "$T/intro-signer.pem" -out /dev/null 2>/dev/null
	ok; cmp -s "$T/intro-signer.pem" "$T/alice-$key.pem" || fail "$key: the introduction does not carry the certificate"

	# --- the four test messages (untrusted peer: --force, for testing) ---
	run 0 "$P" --home "$A" import "$T/sam-$key.pem" || continue
	before=$(tree_hash "$A")
	run 1 "$P" --home "$A" matrix send --to sam@example.org --out "$D" --passphrase-file "$T/pass"
	expect_one_line_error "$key send to untrusted"
	expect_in "$ERR" "is not trusted yet" "$key send to untrusted"
	ok; [ ! -e "$D" ] || fail "$key: a refused send created $D"
	ok; [ "$before" = "$(tree_hash "$A")" ] || fail "$key: a refused send changed the home"
	run 0 "$P" --home "$A" matrix send --to sam@example.org --out "$D" --force --passphrase-file "$T/pass" || continue
	ok; [ "$(stat -c %a "$D")" = 700 ] || fail "$key: $D is not 0700"
	run 0 "$P" --home "$A" matrix --to sam@example.org --json
	expect_in "$OUT" '"out":{"plain":"sent","signed":"sent","encrypted":"sent","signed-encrypted":"sent"}' "$key out cells sent"
	before=$(tree_hash "$A")
	run 1 "$P" --home "$A" matrix send --to sam@example.org --out "$D" --force --passphrase-file "$T/pass"
	expect_in "$ERR" "already exists" "$key second send"
	ok; [ "$before" = "$(tree_hash "$A")" ] || fail "$key: a refused second send changed the home"

	case $key in
	rsa*)
		gpg_home "$T/g-sam-$key" "$T/alice-$key.pem" "$T/sam-$key.key" "$T/sam-$key.pem"
		gpg_home "$T/g-alice-$key" "$T/alice-$key.pem" "$T/alice-$key.key" "$T/alice-$key.pem"
		# Alice's gpgsm knows Sam's certificate too (else it reports the
		# unknown recipient as an error, with exit status 2).
		GNUPGHOME="$T/g-alice-$key" gpgsm --batch --disable-dirmngr --import "$T/sam-$key.pem" >/dev/null 2>&1 ;;
	*)
		gpg_home "$T/g-sam-$key" "$T/alice-$key.pem" ;;
	esac
	gpg_verify "$T/g-sam-$key" "$I" "$key intro"

	for kind in plain signed encrypted signed-encrypted; do
		F="$D/$kind.eml"
		lines_ok "$F"
		ok; [ "$(stat -c %a "$F")" = 600 ] || fail "$F is not 0600"
		expect_in "$(header "$F" To)" '"Sam Tester" <sam@example.org>' "$key $kind To"
		ct=$(header "$F" Content-Type)
		case $kind in
		plain)
			expect_in "$ct" "text/plain; charset=utf-8" "$key plain type"
			expect_in "$(body "$F" | qp_text)" "This one is PLAIN" "$key plain says what it is" ;;
		signed)
			expect_in "$ct" "micalg=$md;" "$key signed micalg"
			if openssl cms -verify -in "$F" -CAfile "$T/alice-$key.pem" -out "$T/out.txt" 2>"$T/err"; then
				ok
				expect_in "$(qp_text < "$T/out.txt")" "Your client should show: a valid signature by alice@example.org, not" "$key signed text"
			else
				fail "$key: openssl does not verify signed.eml: $(cat "$T/err")"
			fi
			gpg_verify "$T/g-sam-$key" "$F" "$key signed" ;;
		*)
			expect_in "$ct" "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m" "$key $kind type"
			asn=$(openssl cms -cmsout -print -in "$F" 2>&1)
			expect_in "$asn" "aes-256-cbc" "$key $kind AES-256-CBC"
			ok; [ "$(printf '%s\n' "$asn" | grep -c 'd.issuerAndSerialNumber')" = 2 ] || fail "$key $kind: not two recipients by issuer and serial"
			case $key in
			rsa*) expect_in "$asn" "rsaEncryption" "$key $kind PKCS#1 v1.5" ;;
			*) expect_in "$asn" "dhSinglePass-stdDH" "$key $kind ECDH" ;;
			esac
			for who in sam alice; do
				if openssl cms -decrypt -in "$F" -inkey "$T/$who-$key.key" -recip "$T/$who-$key.pem" \
					-binary -out "$T/inner-$who.eml" 2>"$T/err"; then
					ok
				else
					fail "$key $kind: $who's key does not decrypt: $(cat "$T/err")"
					continue
				fi
				lines_ok "$T/inner-$who.eml"
				if [ $kind = signed-encrypted ]; then
					expect_in "$(header "$T/inner-$who.eml" Content-Type)" "multipart/signed" "$key signed first"
					openssl cms -verify -in "$T/inner-$who.eml" -CAfile "$T/alice-$key.pem" -out /dev/null 2>"$T/err" &&
						ok || fail "$key $kind: the inner signature does not verify: $(cat "$T/err")"
				else
					expect_in "$(qp_text < "$T/inner-$who.eml")" "This one is ENCRYPTED, not signed" "$key encrypted text"
				fi
			done
			case $key in
			rsa*)
				for who in sam alice; do
					gpg_decrypt "$T/g-$who-$key" "$F" "$T/gpg-inner.eml" "$T/inner-sam.eml" "$key $kind ($who)"
				done
				[ $kind = signed-encrypted ] && gpg_verify "$T/g-sam-$key" "$T/gpg-inner.eml" "$key inner signature" ;;
			*)
				# gpgsm 2.2 crashes importing EC PKCS#12 (DESIGN.md), so it
				# cannot decrypt here; it must still parse the ECDH envelope
				# and name the recipient's key.
				body "$F" > "$T/enveloped.b64"
				GNUPGHOME="$T/g-sam-$key" gpgsm --batch --disable-dirmngr --pinentry-mode loopback \
					--assume-base64 --decrypt "$T/enveloped.b64" >/dev/null 2>"$T/gpgsm.err"
				expect_in "$(cat "$T/gpgsm.err")" "encrypted to nistp" "$key $kind gpgsm reads the ECDH envelope"
				expect_in "$(cat "$T/gpgsm.err")" "No secret key" "$key $kind gpgsm reads the ECDH envelope" ;;
			esac ;;
		esac
	done
	gpgconf --homedir "$T/g-sam-$key" --kill all >/dev/null 2>&1 || true
	gpgconf --homedir "$T/g-alice-$key" --kill all >/dev/null 2>&1 || true
done

# --- refusals of intro: nothing written, home unchanged ---
A="$T/alice-p256"
before=$(tree_hash "$A")
run 1 "$P" --home "$A" intro --to "Sam <sam@example.org>" --passphrase-file "$T/pass"
expect_one_line_error "intro to a name and address"
run 1 "$P" --home "$A" intro --to alice@example.org --passphrase-file "$T/pass"
expect_in "$ERR" "your own address" "intro to oneself"
run 1 "$P" --home "$A" intro --to sam@example.org --passphrase-file "$T/wrong"
expect_one_line_error "intro with the wrong passphrase"
run 2 "$P" --home "$A" intro --to sam@example.org
expect_in "$ERR" "--passphrase-file" "intro without a terminal"
run 1 "$P" --home "$A" intro --to sam@example.org --out "$T/intro-p256.eml" --passphrase-file "$T/pass"
expect_in "$ERR" "already exists" "intro does not overwrite"
run 2 "$P" --home "$A" intro --passphrase-file "$T/pass"
expect_one_line_error "intro without --to"
ok; [ "$before" = "$(tree_hash "$A")" ] || fail "a refused intro changed the home"
run 1 "$P" --home "$T/nobody" intro --to sam@example.org --passphrase-file "$T/pass"
expect_in "$ERR" "no credential yet" "intro without an identity"
ok; [ ! -e "$T/nobody" ] || fail "intro without an identity created a home"
# to stdout, and the checklist records it
run 0 "$P" --home "$A" intro --to kim@example.org --passphrase-file "$T/pass"
expect_in "$OUT" "To: kim@example.org" "intro to stdout"
expect_in "$(cat "$A/checklist")" "sent to=kim@example.org at=" "intro recorded"

finish

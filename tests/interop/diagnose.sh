#!/bin/sh
# What a mail program sent, diagnosed in words that name the fix: messages
# made by the OpenSSL command line the way a misconfigured or old program
# makes them (SHA-1, 3DES, RC2, DES, no certificate in the signature, an
# old certificate, to an archived or a stranger's certificate, without the
# sender's own copy, an EC sender's ECDH self-copy, changed on the way), each
# checked by matrix check and read for its sentence.
. "$PADSEAL_TESTLIB"

command -v openssl >/dev/null || { fail "openssl is not installed (scripts/setup installs it)"; finish; exit 1; }

P=$PADSEAL
A="$T/alice" # the reader
S="$T/sam"   # the sender (RSA)
E="$T/eve"   # a sender with an EC key
M="$T/msgs"
mkdir -m 700 "$M"
run 0 "$P" --home "$A" create --self-signed --name "Alice Reader" --email alice@example.org --key rsa2048 \
	--new-passphrase-file "$T/pass" || { finish; exit 1; }
run 0 "$P" --home "$S" create --self-signed --name "Sam Sender" --email sam@example.org --key rsa2048 \
	--new-passphrase-file "$T/pass2" || { finish; exit 1; }
run 0 "$P" --home "$E" create --self-signed --name "Eve Elliptic" --email eve@example.org --key p256 \
	--new-passphrase-file "$T/pass2" || { finish; exit 1; }
acert=$(ls "$A"/identities/*/cert.pem)
scert=$(ls "$S"/identities/*/cert.pem)
ecert=$(ls "$E"/identities/*/cert.pem)
cp "$scert" "$T/sam-old.pem"
openssl pkey -in "$(ls "$S"/identities/*/key.pem)" -passin file:"$T/pass2" -out "$T/sam-old.key"
openssl pkey -in "$(ls "$E"/identities/*/key.pem)" -passin file:"$T/pass2" -out "$T/eve.key"
# Sam made a new certificate; Alice holds the old one and verified the new one.
# "older" compares the start of validity, which has a resolution of one
# second: the new one is made once the old one's second has passed.
run 0 "$P" --home "$A" import "$T/sam-old.pem"
made=$(openssl x509 -in "$T/sam-old.pem" -noout -startdate | cut -d= -f2)
made=$(date -d "$made" +%s)
while [ "$(date +%s)" -le "$made" ]; do sleep 0.2; done
run 0 "$P" --home "$S" create --self-signed --replace --name "Sam Sender" --email sam@example.org --key rsa2048 \
	--new-passphrase-file "$T/pass2" --passphrase-file "$T/pass2"
scert=$(ls -t "$S"/identities/*/cert.pem | head -n 1)
ok; ! cmp -s "$scert" "$T/sam-old.pem" || fail "Sam's new certificate is the old one"
openssl pkey -in "$(dirname "$scert")/key.pem" -passin file:"$T/pass2" -out "$T/sam.key"
run 0 "$P" --home "$A" import "$scert"
sam_new=$(openssl x509 -in "$scert" -noout -fingerprint -sha256 | cut -d= -f2 | cut -c1-23)
sam_old=$(openssl x509 -in "$T/sam-old.pem" -noout -fingerprint -sha256 | cut -d= -f2 | cut -c1-23)
run 0 "$P" --home "$A" untrust "$(echo "$sam_old" | tr -d :)"
run 0 "$P" --home "$A" trust "$(echo "$sam_new" | tr -d :)" --verified phone
run 0 "$P" --home "$A" import "$ecert"
run 0 "$P" --home "$A" trust eve@example.org --verified phone
# Alice's certificate then, before she made a new one: archived now.
cp "$acert" "$T/alice-old.pem"
run 0 "$P" --home "$A" create --self-signed --replace --name "Alice Reader" --email alice@example.org --key rsa2048 \
	--new-passphrase-file "$T/pass" --passphrase-file "$T/pass"
acert=$(ls -t "$A"/identities/*/cert.pem | head -n 1)
# a stranger's certificate for Alice's address (not hers)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/x.key" -subj "/CN=Not Alice" \
	-addext "subjectAltName=email:alice@example.org" -days 30 -out "$T/x.pem" 2>/dev/null

printf 'Hello Alice,\n\nthis is a test.\n' > "$T/body.txt"
# mk NAME FROM OPENSSL-CMS-ARGS...: a message with its headers
mk() {
	name=$1 from=$2
	shift 2
	openssl cms "$@" -in "$T/body.txt" -from "$from" -to alice@example.org -subject "$name" \
		-out "$M/$name.eml" 2>"$T/err"
	ok; [ -s "$M/$name.eml" ] || fail "openssl cms could not make $name: $(cat "$T/err")"
}
# check NAME STATUS: Alice's padseal checks it; OUT and ERR as run leaves them
check() {
	run "$2" "$P" --home "$A" matrix check "$M/$1.eml" --passphrase-file "$T/pass"
	[ -z "${DIAG_DEBUG:-}" ] || printf "%s\n%s\n" "$OUT" "$ERR" >&2
}

# --- SHA-1: passes, with the warning and the fix ---------------------------------
mk sha1 sam@example.org -sign -md sha1 -signer "$scert" -inkey "$T/sam.key"
check sha1 0
expect_in "$OUT" "in:signed  passed  (from sam@example.org, valid signature (SHA-1: Thunderbird 115 and later reject it; their mail program should sign with SHA-256" "SHA-1: said, with the fix"
run 0 "$P" --home "$A" matrix --to sam@example.org
expect_in "$OUT" "passed*" "SHA-1: the cell passed with a caveat"

# --- the certificate missing from the signature -----------------------------------
mk nocerts sam@example.org -sign -nocerts -signer "$scert" -inkey "$T/sam.key"
ok; ! openssl cms -verify -noverify -in "$M/nocerts.eml" -out /dev/null 2>/dev/null || fail "the -nocerts message carries its certificate"
check nocerts 0
expect_in "$OUT" "the signature does not carry their certificate (padseal checked it with the one you hold): a program that does not hold it yet cannot check it" "no certificate in the signature"
expect_in "$OUT" "Send these certificates with signed messages" "no certificate: the fix"

# --- signed with the old certificate Alice still holds ---------------------------------
mk old-cert sam@example.org -sign -signer "$T/sam-old.pem" -inkey "$T/sam-old.key"
check old-cert 1
expect_in "$OUT" "in:signed  failed  (from sam@example.org, signed with an older certificate of sam@example.org (SHA-256 $sam_old..." "old certificate: which one"
expect_in "$OUT" "not the one you verified (SHA-256 $sam_new...): their mail program holds both for the address and picked that one; ask them to remove it from their mail program (Thunderbird: Settings > Privacy & Security > Manage Certificates" "old certificate: how to remove it"

# --- altered on the way -------------------------------------------------------------
mk changed sam@example.org -sign -signer "$scert" -inkey "$T/sam.key"
sed -i 's/this is a test\./this is a tost./' "$M/changed.eml"
check changed 1
expect_in "$OUT" "the signature is invalid" "altered: invalid"
expect_in "$OUT" "changed after it was signed, most often on its way (a server or mailing list re-encoding it or changing its line endings): ask them to send it again directly" "altered in transit: said, with the fix"

# --- ciphers: 3DES passes with a caveat, RC2 and DES fail ----------------------------
mk des3 sam@example.org -encrypt -des3 -recip "$acert" -recip "$scert"
check des3 0
expect_in "$OUT" "in:encrypted  passed  (from sam@example.org, decrypted (3DES-CBC), 3DES-CBC is an old cipher: their mail program should use AES" "3DES: an old cipher"
mk rc2 sam@example.org -encrypt -provider legacy -provider default -rc2-40 -recip "$acert" -recip "$scert"
check rc2 1
expect_in "$OUT" "in:encrypted  failed  (from sam@example.org, encrypted with RC2-CBC, a weak cipher anyone can break (padseal does not open it): ask sam@example.org to set their mail program to AES" "RC2: weak, with the fix"
mk des sam@example.org -encrypt -provider legacy -provider default -des -recip "$acert" -recip "$scert"
check des 1
expect_in "$OUT" "encrypted with DES-CBC, a weak cipher anyone can break" "single DES: weak"

# --- whom it is encrypted to --------------------------------------------------------
mk no-self sam@example.org -encrypt -aes-256-cbc -recip "$acert"
check no-self 0
expect_in "$OUT" "decrypted (AES-256-CBC), not encrypted to sam@example.org's own certificate: the copy in their Sent folder is unreadable to them" "not encrypted to the sender's own copy"
mk self sam@example.org -encrypt -aes-256-cbc -recip "$acert" -recip "$scert"
check self 0
expect_in "$OUT" "in:encrypted  passed  (from sam@example.org, decrypted (AES-256-CBC))" "with the sender's own copy: no caveat"
mk archived sam@example.org -encrypt -aes-256-cbc -recip "$T/alice-old.pem" -recip "$scert"
check archived 1
expect_in "$OUT" "in:encrypted  failed  (from sam@example.org, encrypted to your archived certificate (SHA-256 " "to an archived certificate of yours"
expect_in "$OUT" "sam@example.org's mail program still holds your old certificate; send them your introduction again and ask them to remove the old one for your address (Thunderbird: Settings > Privacy & Security > Manage Certificates > People;" "archived: the fix"
mk stranger sam@example.org -encrypt -aes-256-cbc -recip "$T/x.pem" -recip "$scert"
check stranger 1
expect_in "$OUT" "encrypted to none of your certificates (it is for sam@example.org, a certificate of \"Not Alice\"" "to none of yours: which"
expect_in "$OUT" "holds a certificate for your address that is not your current one" "to none of yours: the fix"

# --- an EC sender's own copy as an ECDH entry ---------------------------------------------
mk ec-self eve@example.org -encrypt -aes-256-cbc -recip "$acert" -recip "$ecert"
ok; openssl cms -cmsout -print -in "$M/ec-self.eml" | grep -q "d.kari" || fail "the EC self-copy is not a key agreement entry"
check ec-self 0
expect_in "$OUT" "the sender's own copy is an ECDH entry (an EC certificate): Thunderbird 115 and older (NSS before 3.100) and node-forge cannot parse it, so there the whole message is unreadable, even for an RSA recipient" "EC self-copy: NSS before 3.100"
mk ec-noself eve@example.org -encrypt -aes-256-cbc -recip "$acert"
check ec-noself 0
ok; case $OUT in *ECDH*) fail "an EC sender's message without a self-copy is said to hold one";; esac

# --- the diagnoses are kept with the cells and shown by matrix --------------------
run 0 "$P" --home "$A" matrix --to sam@example.org
expect_in "$OUT" "in:encrypted  failed  (from sam@example.org, encrypted to none of your certificates" "the last diagnosis kept with its cell"
ok; grep -q "why-in-encrypted=" "$A/checklist" || fail "the diagnosis is not in the checklist"

finish

#!/bin/sh
# Verify and trust end to end, with the real verbs and two homes: Alice and
# Sam exchange introduction mails, compare fingerprints both ways (each
# typing what the other's `fingerprint` shows, in several notations and as
# words), trust each other, and then each one's signed mail reads "valid,
# trusted" on the other side.  A third home's certificate claiming Sam's
# address is "not trusted - changed since you verified" everywhere.  Every
# refusal leaves the home byte-identical; the certificates refused (lint
# errors, expired) are made with the OpenSSL command line.  The homes are
# of the self-signed form (each certificate pinned by its own fingerprint);
# the CA form, whose CA is compared and pinned, is in ca_peer.sh.
. "$PADSEAL_TESTLIB"

command -v openssl >/dev/null || { fail "openssl is not installed (scripts/setup installs it)"; finish; exit 1; }

P=$PADSEAL

# not_trusted WHAT: `read` did not call the signature in $OUT trusted.
not_trusted() {
	ok
	case "$OUT" in
	*"valid, trusted"*) fail "$1: read calls it trusted" ;;
	esac
}
A="$T/alice"
S="$T/sam"
M="$T/mallory"

# --- two people, and their introduction mails ---
run 0 "$P" --home "$A" create --self-signed --name "Alice Example" --email alice@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$S" create --self-signed --name "Sam Tester" --email sam@example.org --key p256 --new-passphrase-file "$T/pass2"
run 0 "$P" --home "$A" backup --out "$T/alice.p12" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2"
run 0 "$P" --home "$A" intro --to sam@example.org --out "$T/from-alice.eml" --passphrase-file "$T/pass"
run 0 "$P" --home "$S" intro --to alice@example.org --out "$T/from-sam.eml" --passphrase-file "$T/pass2"
run 0 "$P" --home "$S" import "$T/from-alice.eml"
run 0 "$P" --home "$A" import "$T/from-sam.eml"
# The in-person route gives the same certificate: padseal holds it once.
run 0 "$P" --home "$S" cert --out "$T/sam.pem"
run 0 "$P" --home "$A" import "$T/sam.pem"

# Before trust, a signature by Sam is valid but not trusted.
run 1 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/from-sam.eml"
expect_in "$OUT" "valid" "read before trust: valid"
expect_in "$OUT" "not trusted" "read before trust: not trusted"

# --- what each reads aloud: their own `fingerprint` output ---
run 0 "$P" --home "$S" fingerprint --words
sam_colon=$(printf '%s\n' "$OUT" | sed -n 1p)
sam_groups=$(printf '%s\n' "$OUT" | sed -n 4,5p)
sam_word_groups=$(printf '%s\n' "$OUT" | sed -n '8,$p')
theirs=$(openssl x509 -in "$T/sam.pem" -noout -fingerprint -sha256 | cut -d= -f2)
ok; [ "$sam_colon" = "$theirs" ] || fail "fingerprint line 1 is $sam_colon, openssl says $theirs"
expect_in "$OUT" "PGP word list" "--words labels the word form"
# Line 1 is openssl's 95-column colon form; everything after fits 80.
ok; [ "$(printf '%s\n' "$OUT" | awk 'NR > 1 && length($0) > 80')" = "" ] || fail "fingerprint --words has lines over 80 columns"
ok; [ "$(printf '%s\n' "$sam_word_groups" | wc -l)" = 6 ] || fail "16 word groups are not 6 lines: $sam_word_groups"
run 0 "$P" --home "$S" fingerprint --json
sam_words=$(printf '%s' "$OUT" | sed 's/.*"words":\[//; s/\].*//; s/"//g; s/,/ /g')
run 0 "$P" --home "$S" fingerprint --sha1
sam_sha1=$(printf '%s\n' "$OUT" | sed -n 1p)
expect_in "$OUT" "the legacy form older clients show" "SHA-1 labelled legacy"
ok; [ "$sam_sha1" = "$(openssl x509 -in "$T/sam.pem" -noout -fingerprint -sha1 | cut -d= -f2)" ] || fail "SHA-1 line 1"
run 0 "$P" --home "$A" fingerprint --words
alice_colon=$(printf '%s\n' "$OUT" | sed -n 1p)
alice_word_groups=$(printf '%s\n' "$OUT" | sed -n '8,$p')

# fingerprint and lint of a PEER: same output as of the file.
run 0 "$P" --home "$A" fingerprint sam@example.org
ok; [ "$(printf '%s\n' "$OUT" | sed -n 1p)" = "$sam_colon" ] || fail "fingerprint PEER"
prefix=$(printf '%s' "$sam_colon" | tr -d : | cut -c1-12)
run 0 "$P" --home "$A" fingerprint "$prefix"
ok; [ "$(printf '%s\n' "$OUT" | sed -n 1p)" = "$sam_colon" ] || fail "fingerprint PREFIX"
run 0 "$P" --home "$A" fingerprint "$T/sam.pem"
ok; [ "$(printf '%s\n' "$OUT" | sed -n 1p)" = "$sam_colon" ] || fail "fingerprint FILE"
run 0 "$P" --home "$A" lint sam@example.org
expect_in "$OUT" "0 errors" "lint PEER"
run 1 "$P" --home "$A" fingerprint nobody@example.org && expect_one_line_error "fingerprint of an unknown peer"
expect_in "$ERR" "no correspondent's certificate matches" "fingerprint of an unknown peer"

# --- compare, both ways, in the notations people use; read-only ---
before=$(tree_hash "$A")
run 0 "$P" --home "$A" compare sam@example.org "$sam_colon"
expect_in "$OUT" "SHA-256 fingerprint matches" "compare colon form"
run 0 "$P" --home "$A" compare sam@example.org "$sam_groups"
run 0 "$P" --home "$A" compare sam@example.org "$(printf '%s' "$sam_colon" | tr -d : | tr A-F a-f)"
run 0 "$P" --home "$A" compare sam@example.org "$(printf '%s' "$sam_colon" | tr : -)"
run 0 "$P" --home "$A" compare sam@example.org "$sam_words"
run 0 "$P" --home "$A" compare sam@example.org "$(printf '%s' "$sam_words" | tr a-z A-Z | tr ' ' -)"
run 0 "$P" --home "$A" compare sam@example.org "$sam_word_groups"
run 0 "$P" --home "$A" compare "$prefix" "$sam_colon"
run 0 "$P" --home "$A" compare sam@example.org "$sam_sha1"
expect_in "$OUT" "legacy form" "compare SHA-1 says legacy"
run 0 "$P" --home "$A" compare --json sam@example.org "$sam_colon"
expect_in "$OUT" '"match":true,"verdict":"match","algorithm":"sha256","form":"hex","given":64,"expected":64' "compare --json"
# One digit wrong in group 5, a prefix, the other algorithm, garbage.
wrong=$(printf '%s' "$sam_colon" | tr -d : | awk '{ d = substr($0, 17, 1); r = (d == "0") ? "1" : "0"; print substr($0, 1, 16) r substr($0, 18) }')
run 1 "$P" --home "$A" compare sam@example.org "$wrong"
expect_in "$OUT" "group 5 differs: you heard" "compare names the group"
expect_in "$OUT" "Do not trust this certificate" "compare mismatch advice"
run 1 "$P" --home "$A" compare sam@example.org "$(printf '%s' "$sam_colon" | cut -c1-89)"
expect_in "$OUT" "group 16 is missing" "compare of a prefix"
expect_in "$OUT" "never a match" "a prefix is never a match"
run 1 "$P" --home "$A" compare --sha1 sam@example.org "$sam_colon"
expect_in "$OUT" "is the certificate's SHA-256 fingerprint, but its SHA-1 fingerprint was asked for" "SHA-256 text, SHA-1 asked"
run 1 "$P" --home "$A" compare sam@example.org "" && expect_one_line_error "compare empty"
expect_in "$ERR" "the text is empty" "compare empty"
run 1 "$P" --home "$A" compare sam@example.org "hello there" && expect_one_line_error "compare garbage words"
run 1 "$P" --home "$A" compare sam@example.org "12:34:!!" && expect_one_line_error "compare garbage"
run 1 "$P" --home "$A" compare sam@example.org "$alice_colon"
expect_in "$OUT" "not the certificate you were read" "compare with someone else's fingerprint"
run 1 "$P" --home "$A" compare nobody@example.org "$sam_colon" && expect_one_line_error "compare unknown peer"
run 2 "$P" --home "$A" compare sam@example.org && expect_one_line_error "compare without TEXT"
ok; [ "$(tree_hash "$A")" = "$before" ] || fail "compare changed Alice's home"
run 0 "$P" --home "$S" compare alice@example.org "$alice_colon"
run 0 "$P" --home "$S" compare alice@example.org "$alice_word_groups"

# --- trust: refusals leave the home byte-identical ---
run 2 "$P" --home "$A" trust sam@example.org && expect_one_line_error "trust without --verified"
expect_in "$ERR" "--verified" "trust without --verified"
run 2 "$P" --home "$A" trust sam@example.org --verified email && expect_one_line_error "trust with a bad method"
run 1 "$P" --home "$A" trust nobody@example.org --verified phone && expect_one_line_error "trust unknown peer"
expect_in "$ERR" "no correspondent's certificate matches" "trust unknown peer"
run 1 "$P" --home "$A" trust "$(printf '%s' "$alice_colon" | tr -d : | cut -c1-16)" --verified phone
expect_in "$ERR" "no correspondent's certificate matches" "trust of one's own certificate"
ok; [ "$(tree_hash "$A")" = "$before" ] || fail "a refused trust changed Alice's home"

# --- trust both ways ---
run 0 "$P" --home "$A" trust sam@example.org --verified phone
expect_in "$OUT" "Trusted sam@example.org's certificate (verified by phone" "trust"
expect_in "$OUT" "Only this exact certificate is trusted" "trust pins"
run 0 "$P" --home "$S" trust alice@example.org --verified in-person
run 0 "$P" --home "$A" status --json
expect_in "$OUT" "\"email\":\"sam@example.org\",\"fingerprint_sha256\":\"$sam_colon\",\"steps\":{\"exchange\":\"done\",\"verify\":\"done\",\"trust\":\"done\",\"test\":\"todo\"},\"verified\":\"phone\",\"trusted\":true,\"duplicate\":false,\"changed\":false" "status --json after trust"
run 0 "$P" --home "$A" peers
expect_in "$OUT" "verified    by phone on" "peers: verified"
expect_in "$OUT" "trust       trusted" "peers: trusted"
expect_in "$OUT" "exchange done, verify done, trust done, test 0 of 8 passed" "peers: progress"
expect_in "$(printf '%s\n' "$OUT" | sed -n 1,2p)" "  Correspondent    Exchange  Verify  Trust  Test
  sam@example.org  done      done    done   0 of 8 passed" "peers: the table first, its columns aligned"

# --- each one's signed mail now reads "valid, trusted" on the other side ---
run 0 "$P" --home "$S" intro --to alice@example.org --out "$T/sam-signed.eml" --passphrase-file "$T/pass2"
run 0 "$P" --home "$A" intro --to sam@example.org --out "$T/alice-signed.eml" --passphrase-file "$T/pass"
run 0 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/sam-signed.eml"
expect_in "$OUT" "valid, trusted" "Alice reads Sam's signed mail"
run 0 "$P" --home "$S" --passphrase-file "$T/pass2" read "$T/alice-signed.eml"
expect_in "$OUT" "valid, trusted" "Sam reads Alice's signed mail"

# --- a third home claims Sam's address ---
run 0 "$P" --home "$M" create --self-signed --name "Sam Tester" --email sam@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$M" intro --to alice@example.org --out "$T/from-mallory.eml" --passphrase-file "$T/pass"
run 0 "$P" --home "$M" fingerprint
mallory_colon=$(printf '%s\n' "$OUT" | sed -n 1p)
mallory_prefix=$(printf '%s' "$mallory_colon" | tr -d : | cut -c1-16)
run 0 "$P" --home "$A" import "$T/from-mallory.eml"
run 1 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/from-mallory.eml"
not_trusted "read: the other certificate"
expect_in "$OUT" "changed since you verified" "read: changed since you verified"
expect_in "$OUT" "$sam_colon" "read: names the verified certificate"
run 0 "$P" --home "$A" peers
expect_in "$OUT" "CHANGED     changed since you verified — verify again
              you verified $sam_colon
              this one is  $mallory_colon" "peers: changed, old and new"
run 0 "$P" --home "$A" peers --json
expect_in "$OUT" "\"fingerprint_sha256\":\"$mallory_colon\"" "peers --json lists it"
expect_in "$OUT" "\"trusted\":false,\"trusted_until\":null,\"superseded_by\":null,\"set_aside_at\":null,\"duplicate\":true,\"duplicates\":[\"$sam_colon\"],\"changed\":true,\"previous\":\"$sam_colon\"" "peers --json: changed"
run 0 "$P" --home "$A" status --json
expect_in "$OUT" "\"fingerprint_sha256\":\"$mallory_colon\",\"steps\":{\"exchange\":\"done\",\"verify\":\"todo\",\"trust\":\"todo\",\"test\":\"todo\"},\"verified\":null,\"trusted\":false,\"duplicate\":true,\"changed\":true" "status --json: changed"
expect_in "$OUT" "changed since you verified" "status next: verify again"
expect_in "$OUT" "padseal compare $mallory_prefix" "status next names it by fingerprint"
run 0 "$P" --home "$A" status
expect_in "$OUT" "[changed]" "status text: changed"
# The address still means the verified certificate; comparing the new one
# with what Sam reads shows the difference; trusting by address re-trusts
# Sam's own, never the new one.
run 0 "$P" --home "$A" compare sam@example.org "$sam_colon"
run 1 "$P" --home "$A" compare "$mallory_prefix" "$sam_colon"
expect_in "$OUT" "not the certificate you were read" "compare the changed one"
run 0 "$P" --home "$A" trust sam@example.org --verified phone
expect_in "$OUT" "Still trusting sam@example.org's certificate" "re-trust by address"
expect_in "$OUT" "$sam_colon" "re-trust names Sam's certificate"
run 1 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/from-mallory.eml"
not_trusted "after re-trusting Sam, the other certificate"

# --- untrust keeps the file; the address becomes ambiguous ---
nfiles=$(ls "$A/peers" | wc -l)
run 0 "$P" --home "$A" untrust sam@example.org
expect_in "$OUT" "No longer trusting sam@example.org's certificate $sam_colon" "untrust"
ok; [ "$(ls "$A/peers" | wc -l)" = "$nfiles" ] || fail "untrust removed a certificate file"
run 0 "$P" --home "$A" peers
expect_in "$OUT" "was trusted until" "peers: was trusted until"
run 1 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/sam-signed.eml"
expect_in "$OUT" "valid" "old mail stays checkable"
before=$(tree_hash "$A")
run 2 "$P" --home "$A" trust sam@example.org --verified phone && expect_one_line_error "ambiguous address"
expect_in "$ERR" "matches 2 certificates" "ambiguous address lists them"
expect_in "$ERR" "$(printf '%s' "$sam_colon" | tr -d : | cut -c1-16)" "ambiguous address: Sam's fingerprint"
expect_in "$ERR" "$mallory_prefix" "ambiguous address: the other fingerprint"
run 2 "$P" --home "$A" compare sam@example.org "$sam_colon" && expect_one_line_error "compare ambiguous"
run 2 "$P" --home "$A" fingerprint sam@example.org && expect_one_line_error "fingerprint ambiguous"
run 0 "$P" --home "$A" untrust "$(printf '%s' "$sam_colon" | tr -d : | cut -c1-16)"
expect_in "$OUT" "nothing to do" "untrust twice"
ok; [ "$(tree_hash "$A")" = "$before" ] || fail "refusals or no-ops changed Alice's home"
# Set the stranger aside; trust Sam again by fingerprint.
run 0 "$P" --home "$A" untrust "$mallory_prefix"
expect_in "$OUT" "set aside" "untrust of a never-trusted certificate"
run 0 "$P" --home "$A" trust "$(printf '%s' "$sam_colon" | tr -d : | cut -c1-16)" --verified phone
run 0 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/sam-signed.eml"
expect_in "$OUT" "valid, trusted" "trusted again"

# --- renewal: Sam's new certificate, verified, replaces the old one ---
run 0 "$P" --home "$S" create --self-signed --replace --name "Sam Tester" --email sam@example.org --key p256 --new-passphrase-file "$T/pass2"
run 0 "$P" --home "$S" intro --to alice@example.org --out "$T/sam-renewed.eml" --passphrase-file "$T/pass2"
run 0 "$P" --home "$S" fingerprint
renewed_colon=$(printf '%s\n' "$OUT" | sed -n 1p)
renewed_prefix=$(printf '%s' "$renewed_colon" | tr -d : | cut -c1-16)
run 0 "$P" --home "$A" import "$T/sam-renewed.eml"
run 1 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/sam-renewed.eml"
expect_in "$OUT" "changed since you verified" "renewal is flagged until verified"
run 0 "$P" --home "$A" compare "$renewed_prefix" "$renewed_colon"
run 0 "$P" --home "$A" trust "$renewed_prefix" --verified phone
expect_in "$OUT" "is no longer trusted (superseded by this one)" "renewal supersedes"
expect_in "$OUT" "$sam_colon" "renewal names the old certificate"
run 0 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/sam-renewed.eml"
expect_in "$OUT" "valid, trusted" "renewed certificate trusted"
run 1 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/sam-signed.eml"
run 0 "$P" --home "$A" peers --json
expect_in "$OUT" "\"trusted\":false,\"trusted_until\":\"" "old one: was trusted until"
expect_in "$OUT" "\"superseded_by\":\"$renewed_colon\"" "old one: superseded by the new"

# --- certificates that cannot be trusted: lint errors, expiry ---
# A certificate without keyUsage (a lint error), made by openssl.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/bob.key" \
	-out "$T/bob.pem" -days 30 -subj "/CN=Bob" -addext "subjectAltName=email:bob@example.org" \
	-addext "extendedKeyUsage=emailProtection" -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null ||
	fail "openssl req could not make the test certificate"
run 0 "$P" --home "$A" import "$T/bob.pem"
before=$(tree_hash "$A")
run 1 "$P" --home "$A" trust bob@example.org --verified phone && expect_one_line_error "trust a lint error"
expect_in "$ERR" "will not work for mail" "trust refuses lint errors, in words"
expect_in "$ERR" "(ku-missing)" "the refusal names the lint finding"
expect_in "$ERR" "--force" "trust names --force"
ok; [ "$(tree_hash "$A")" = "$before" ] || fail "a refused trust (lint) changed Alice's home"
run 0 "$P" --home "$A" trust bob@example.org --verified other --force
expect_in "$OUT" "despite its lint errors" "forced trust is said"
run 0 "$P" --home "$A" peers --json
expect_in "$OUT" '"verified":"other","verified_at":"' "peers --json: method"
expect_in "$OUT" '"forced":true,"trusted":true' "peers --json: forced"

# An expired certificate (openssl ca can date it in the past).
C="$T/ca"
mkdir -p "$C" && : > "$C/index.txt" && echo 01 > "$C/serial"
cat > "$C/cnf" <<EOF
[ca]
default_ca = d
[d]
database = $C/index.txt
new_certs_dir = $C
serial = $C/serial
default_md = sha256
policy = p
email_in_dn = no
unique_subject = no
[p]
commonName = supplied
[ext]
keyUsage = critical,digitalSignature,keyAgreement
extendedKeyUsage = emailProtection
subjectAltName = email:old@example.org
basicConstraints = critical,CA:FALSE
EOF
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/k.pem" \
	-subj "/CN=Old Friend" -out "$C/csr.pem" 2>/dev/null &&
openssl ca -batch -config "$C/cnf" -selfsign -keyfile "$C/k.pem" -in "$C/csr.pem" -out "$T/old.pem" \
	-startdate 20200101000000Z -enddate 20200301000000Z -extensions ext -notext >/dev/null 2>&1 ||
	fail "openssl ca could not make the expired certificate"
run 0 "$P" --home "$A" import "$T/old.pem"
before=$(tree_hash "$A")
run 1 "$P" --home "$A" trust old@example.org --verified in-person && expect_one_line_error "trust expired"
expect_in "$ERR" "expired on 2020-03-01" "trust refuses expired"
run 1 "$P" --home "$A" trust old@example.org --verified in-person --force && expect_one_line_error "trust expired, forced"
expect_in "$ERR" "not even with --force" "expiry cannot be forced"
ok; [ "$(tree_hash "$A")" = "$before" ] || fail "a refused trust (expired) changed Alice's home"

# peers and status are read-only.
run 0 "$P" --home "$A" peers
run 0 "$P" --home "$A" peers --json
run 0 "$P" --home "$A" status --json
ok; [ "$(tree_hash "$A")" = "$before" ] || fail "peers/status changed Alice's home"
run 0 "$P" --home "$T/empty" peers
expect_in "$OUT" "No correspondents yet" "peers of an empty home"
run 0 "$P" --home "$T/empty" peers --json
ok; [ "$OUT" = '{"peers":[]}' ] || fail "peers --json of an empty home: $OUT"
ok; [ ! -e "$T/empty" ] || fail "peers created the home"

finish

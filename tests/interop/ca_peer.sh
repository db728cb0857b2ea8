#!/bin/sh
# Correspondents of the CA form: the CA comes with the certificate (intro,
# .pem with the chain), is stored beside it, is the fingerprint read on the
# phone, and is what trust pins: a renewal by the same CA is trusted
# without a new call; another CA, or a self-signed certificate, for the
# same address is "changed".  Refusals leave the home byte-identical.
# shellcheck source=../lib.sh
. "$PADSEAL_TESTLIB"

command -v openssl >/dev/null || { fail "openssl is not installed"; finish; exit 1; }
P=$PADSEAL
A=$T/alice
S=$T/sam
cafpr() { openssl x509 -in "$(ls -d "$1"/identities/*)/chain.pem" -noout -fingerprint -sha256 | cut -d= -f2; }

run 0 "$P" --home "$A" create --name "Alice Example" --email alice@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$S" create --name "Sam Tester" --email sam@example.org --key p256 --new-passphrase-file "$T/pass2"
aca=$(cafpr "$A")
sca=$(cafpr "$S")
ahex=$(printf '%s' "$aca" | tr -d :)

# --- what Alice reads out is her CA's fingerprint ---------------------------
run 0 "$P" --home "$A" fingerprint
ok; [ "$(printf '%s\n' "$OUT" | head -n 1)" = "$aca" ] || fail "fingerprint is not the CA's: $OUT"
expect_in "$OUT" "This is the fingerprint of your own CA" "fingerprint says whose"
run 0 "$P" --home "$A" fingerprint --json
expect_in "$OUT" "\"fingerprint\":\"$aca\",\"of\":\"ca\"" "fingerprint --json of the CA"
run 0 "$P" --home "$A" --passphrase-file "$T/pass" intro --to sam@example.org --out "$T/a1.eml"
run 0 "$P" --home "$S" --passphrase-file "$T/pass2" intro --to alice@example.org --out "$T/s1.eml"
run 0 sh -c "openssl cms -verify -noverify -in '$T/a1.eml' 2>/dev/null | tr -d '\r' | sed -e ':a' -e '/=\$/N; s/=\n//; ta'"
expect_in "$OUT" "$aca" "the introduction carries the CA's fingerprint"
expect_in "$OUT" "own certificate authority" "the introduction says it is the CA's"

# --- import keeps the CA ---------------------------------------------------
run 0 "$P" --home "$S" --passphrase-file "$T/pass2" import "$T/a1.eml"
expect_in "$OUT" "their CA   $aca" "import names their CA"
expect_in "$OUT" "SHA-256 of their own CA" "import says which fingerprint to compare"
ok; [ -f "$S/peers/ca-$ahex.pem" ] || fail "the CA is not stored under peers/"
ok; [ "$(openssl x509 -in "$S/peers/ca-$ahex.pem" -noout -fingerprint -sha256 | cut -d= -f2)" = "$aca" ] ||
	fail "peers/ca-$ahex.pem is not Alice's CA"
expect_in "$(cat "$S/checklist")" "ca=$ahex" "the record names the CA"
run 0 "$P" --home "$A" --passphrase-file "$T/pass" import "$T/s1.eml"
run 0 "$P" --home "$S" fingerprint alice@example.org
ok; [ "$(printf '%s\n' "$OUT" | head -n 1)" = "$aca" ] || fail "fingerprint PEER is not the CA's"
expect_in "$OUT" "the CA of alice@example.org" "fingerprint PEER says whose"
run 0 "$P" --home "$S" peers
expect_in "$OUT" "their CA    $aca (what you compare by phone)" "peers shows the CA"

# --- compare: the CA's fingerprint (and the certificate's own) match --------
run 0 "$P" --home "$S" compare alice@example.org "$aca"
expect_in "$OUT" "(their own CA, which issued the certificate)" "compare names the CA"
run 0 "$P" --home "$S" compare --json alice@example.org "$aca"
expect_in "$OUT" '"match":true' "compare --json"
expect_in "$OUT" '"of":"ca"' "compare --json of the CA"
leaf=$("$P" --home "$A" cert | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)
run 0 "$P" --home "$S" compare alice@example.org "$leaf"
run 1 "$P" --home "$S" compare alice@example.org "$sca"
expect_in "$OUT" "No match" "compare with another CA"

# --- trust, and the eight messages ------------------------------------------
run 0 "$P" --home "$S" trust alice@example.org --verified phone
run 0 "$P" --home "$A" trust sam@example.org --verified phone
run 0 "$P" --home "$A" matrix send --to sam@example.org --out "$T/a2s" --passphrase-file "$T/pass"
run 0 "$P" --home "$S" matrix send --to alice@example.org --out "$T/s2a" --passphrase-file "$T/pass2"
run 0 "$P" --home "$S" matrix check "$T"/a2s/*.eml --passphrase-file "$T/pass2"
se=$(printf '%s\n' "$OUT" | grep '^in:signed-encrypted ')
expect_in "$se" "in:signed-encrypted  passed  (from alice@example.org, decrypted (AES-256-CBC), " "Sam checks Alice's four"
expect_in "$se" ", valid signature, trusted)  written by padseal" "Sam checks Alice's four: signed by the CA-issued certificate, trusted"
# Alice's key is EC: her own copy in every encrypted message is an ECDH entry.
expect_in "$se" "the sender's own copy is an ECDH entry (an EC certificate)" "Sam is told about Alice's ECDH copy"
run 0 "$P" --home "$A" matrix check "$T"/a2s/*.eml "$T"/s2a/*.eml --passphrase-file "$T/pass"
expect_in "$OUT" "Rehearsed with sam@example.org: all eight passed, 8 of them with padseal's own messages" "all eight for Alice (a rehearsal: padseal wrote them)"

# --- Alice renews: Sam reads it as renewed by the CA he verified -----------
run 0 "$P" --home "$A" --passphrase-file "$T/pass" renew
run 0 "$P" --home "$A" fingerprint
ok; [ "$(printf '%s\n' "$OUT" | head -n 1)" = "$aca" ] || fail "the renewed credential reads another fingerprint"
run 0 "$P" --home "$A" --passphrase-file "$T/pass" intro --to sam@example.org --out "$T/a2.eml"
before=$(tree_hash "$S")
run 0 "$P" --home "$S" --passphrase-file "$T/pass2" read "$T/a2.eml"
expect_in "$OUT" "valid, trusted (renewed by the CA you verified)" "read: a renewal"
ok; [ "$(tree_hash "$S")" = "$before" ] || fail "read changed the home"
run 0 "$P" --home "$A" matrix send --to sam@example.org --out "$T/a2s-new" --passphrase-file "$T/pass"
run 1 "$P" --home "$S" matrix check "$T/a2s-new/signed.eml" --passphrase-file "$T/pass2"
expect_in "$OUT" "signed with a renewed certificate of alice@example.org" "matrix check: import the renewal"
run 0 "$P" --home "$S" --passphrase-file "$T/pass2" import "$T/a2.eml"
expect_in "$OUT" "trusted, renewed by the CA you verified (no new call needed)" "import: a renewal"
run 0 "$P" --home "$S" peers
expect_in "$OUT" "trust       trusted (renewed by the CA you verified)" "peers: renewed"
expect_in "$OUT" "superseded by" "the old certificate is superseded"
run 0 "$P" --home "$S" status
expect_in "$OUT" "trusted (renewed by the CA you verified)" "status: renewed"
run 0 "$P" --home "$S" status --json
expect_in "$OUT" '"renewed":true' "status --json: renewed"
run 0 "$P" --home "$S" peers --json
expect_in "$OUT" "\"renewed_from\":\"" "peers --json renewed_from"
run 0 "$P" --home "$S" matrix check "$T"/a2s-new/*.eml --passphrase-file "$T/pass2"
expect_in "$OUT" "in:signed  passed  (from alice@example.org, valid signature, trusted)" "matrix check after the renewal"
run 0 "$P" --home "$S" --passphrase-file "$T/pass2" read "$T/a2.eml"
expect_in "$OUT" "valid, trusted (renewed by the CA you verified)" "read after import"

# --- an older certificate of the same CA never takes the trust back -------
run 0 "$P" --home "$A" --passphrase-file "$T/pass" renew
run 0 "$P" --home "$A" --passphrase-file "$T/pass" intro --to sam@example.org --out "$T/a3.eml"
run 0 "$P" --home "$A" --passphrase-file "$T/pass" renew
run 0 "$P" --home "$A" --passphrase-file "$T/pass" intro --to sam@example.org --out "$T/a4.eml"
run 0 "$P" --home "$S" --passphrase-file "$T/pass2" import "$T/a4.eml"
expect_in "$OUT" "trusted, renewed by the CA you verified" "import: the newest renewal"
run 0 "$P" --home "$S" --passphrase-file "$T/pass2" import "$T/a3.eml"
expect_not_in_out() { ok "$2"; case $OUT in *"$1"*) fail "$2: \"$1\" in: $OUT" ;; esac; }
expect_not_in_out "renewed by the CA you verified" "import: an older renewal is not trusted"
run 0 "$P" --home "$S" --passphrase-file "$T/pass2" read "$T/a4.eml"
expect_in "$OUT" "valid, trusted (renewed by the CA you verified)" "the newest stays trusted after an older one is imported"
run 1 "$P" --home "$S" --passphrase-file "$T/pass2" read "$T/a3.eml"
expect_not_in_out "trusted" "the older one is not trusted"

# --- another CA, or self-signed, for alice@: changed, a new call -----------
run 0 "$P" --home "$T/m" create --name "Alice Example" --email alice@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/m" --passphrase-file "$T/pass" intro --to sam@example.org --out "$T/m.eml"
run 0 "$P" --home "$T/b" create --self-signed --name "Alice Example" --email alice@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/b" --passphrase-file "$T/pass" intro --to sam@example.org --out "$T/b.eml"
for f in m b; do
	run 1 "$P" --home "$S" --passphrase-file "$T/pass2" read "$T/$f.eml"
	expect_in "$OUT" "valid, changed" "read: $f is changed"
	run 0 "$P" --home "$S" --passphrase-file "$T/pass2" import "$T/$f.eml"
	expect_in "$OUT" "not trusted yet" "import: $f is not trusted"
	expect_in "$OUT" "this one is DIFFERENT" "import: $f is flagged changed"
done
run 0 "$P" --home "$S" peers --json
ok; [ "$(printf '%s\n' "$OUT" | grep -o '"changed":true' | wc -l)" = 3 ] || fail "peers --json: three changed (the older renewal, m and b)"

# --- a chain whose CA does not permit the address: refused ------------------
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/x.key" \
	-subj "/CN=Narrow CA" -days 30 -out "$T/x.pem" \
	-addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "nameConstraints=critical,permitted;email:other@example.org" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/y.key" -subj "/CN=Yve" \
	-out "$T/y.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=emailProtection\nsubjectAltName=email:yve@example.org\n' >"$T/y.ext"
openssl x509 -req -in "$T/y.csr" -CA "$T/x.pem" -CAkey "$T/x.key" -extfile "$T/y.ext" -days 20 \
	-out "$T/y.pem" 2>/dev/null
cat "$T/y.pem" "$T/x.pem" >"$T/yx.pem"
before=$(tree_hash "$S")
run 1 "$P" --home "$S" import "$T/yx.pem"
expect_in "$ERR" "does not permit the address yve@example.org" "a CA that does not permit the address"
expect_one_line_error "a CA that does not permit the address"
ok; [ "$(tree_hash "$S")" = "$before" ] || fail "a refused import changed the home"
# The same certificate alone: imported, pinned by its own fingerprint.
run 0 "$P" --home "$S" import "$T/y.pem"
ok; case "$OUT" in *"their CA"*) fail "a certificate without its CA names a CA" ;; esac

# --- a credential made for someone else, in its own home: the maker's home
# takes it as trusted, verified in person, in one step ------------------------
run 0 "$P" --home "$T/grandpa" create --name "Grandpa Example" --email grandpa@example.org --key p256 \
	--new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/grandpa" cert --out "$T/grandpa.pem"
gca=$(cafpr "$T/grandpa")
run 0 "$P" --home "$S" import --made-by-me "$T/grandpa.pem"
expect_in "$OUT" "trusted, since you made it (recorded as verified in person)" "import --made-by-me"
expect_in "$OUT" "their CA   $gca" "import --made-by-me keeps the CA"
run 0 "$P" --home "$S" peers --json
expect_in "$OUT" "\"verified\":\"in-person\"" "--made-by-me records in person"
run 0 "$P" --home "$S" --passphrase-file "$T/pass2" status --json
expect_in "$OUT" '"email":"grandpa@example.org"' "status lists it"
# A certificate trust refuses (no keyUsage: a lint error) is not imported.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/bob.key" \
	-out "$T/bob.pem" -days 30 -subj "/CN=Bob" -addext "subjectAltName=email:bob@example.org" \
	-addext "extendedKeyUsage=emailProtection" -addext "basicConstraints=critical,CA:FALSE" 2>/dev/null
before=$(tree_hash "$S")
run 1 "$P" --home "$S" import --made-by-me "$T/bob.pem"
expect_in "$ERR" "will not work for mail" "--made-by-me refuses lint errors"
expect_one_line_error "--made-by-me refuses lint errors"
ok; [ "$(tree_hash "$S")" = "$before" ] || fail "a refused import --made-by-me changed the home"
finish

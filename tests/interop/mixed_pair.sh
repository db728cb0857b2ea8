#!/bin/sh
# A mixed pair: Carol has padseal's CA form, Dave a self-signed credential
# (create --self-signed).  Each reads the other's introduction, compares the
# right fingerprint (Carol's CA for Carol, Dave's certificate itself for
# Dave) both ways, trusts, and all eight cells pass with each other: the
# four kinds each way, checked by the receiver and by the sender's own
# copies; read says "valid, trusted" for both directions.  First with
# padseal's own messages (the rehearsal), then with the eight written by
# another S/MIME program (OpenSSL's cms), which make the test step done.
# shellcheck source=../lib.sh
. "$PADSEAL_TESTLIB"

command -v openssl >/dev/null || { fail "openssl is not installed"; finish; exit 1; }
P=$PADSEAL
C=$T/carol
D=$T/dave
carol() { "$P" --home "$C" --passphrase-file "$T/pass" "$@"; }
dave() { "$P" --home "$D" --passphrase-file "$T/pass2" "$@"; }

run 0 "$P" --home "$C" create --name "Carol CA" --email carol@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$D" create --self-signed --name "Dave Selfsigned" --email dave@example.org --key p256 \
	--new-passphrase-file "$T/pass2"
run 0 "$P" --home "$C" show --json
expect_in "$OUT" '"form":"ca"' "Carol has the CA form"
run 0 "$P" --home "$D" show --json
expect_in "$OUT" '"form":"self-signed"' "Dave is self-signed"

# --- introductions both ways ---------------------------------------------------
run 0 carol intro --to dave@example.org --out "$T/c.eml"
run 0 dave intro --to carol@example.org --out "$T/d.eml"
run 0 dave import "$T/c.eml"
expect_in "$OUT" "their CA" "Dave's home keeps Carol's CA"
run 0 carol import "$T/d.eml"
ok "Carol's home names no CA for Dave"
case "$OUT" in *"their CA"*) fail "a CA named for a self-signed certificate: $OUT" ;; esac

# --- the fingerprints read on the phone ---------------------------------------
run 0 "$P" --home "$C" fingerprint
cfpr=$(printf '%s\n' "$OUT" | head -n 1)
expect_in "$OUT" "This is the fingerprint of your own CA" "Carol reads her CA's"
run 0 "$P" --home "$D" fingerprint
dfpr=$(printf '%s\n' "$OUT" | head -n 1)
ok "Dave reads his certificate's own"
[ "$dfpr" = "$("$P" --home "$D" cert | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)" ] ||
	fail "Dave's fingerprint is not his certificate's: $OUT"
run 0 "$P" --home "$D" fingerprint carol@example.org
ok "Dave's home shows Carol's CA fingerprint"
[ "$(printf '%s\n' "$OUT" | head -n 1)" = "$cfpr" ] || fail "$OUT"
run 0 "$P" --home "$C" fingerprint dave@example.org
ok "Carol's home shows Dave's certificate fingerprint"
[ "$(printf '%s\n' "$OUT" | head -n 1)" = "$dfpr" ] || fail "$OUT"
before=$(tree_hash "$D")
run 1 "$P" --home "$D" compare carol@example.org "$dfpr"
expect_in "$OUT" "No match" "Dave's own fingerprint is not Carol's"
ok "a compare that does not match leaves the home as it was"
[ "$(tree_hash "$D")" = "$before" ] || fail "compare changed the home"
run 0 "$P" --home "$D" compare carol@example.org "$cfpr"
expect_in "$OUT" "their own CA" "Dave compares Carol's CA"
run 0 "$P" --home "$C" compare dave@example.org "$dfpr"

# --- trust both ways -----------------------------------------------------------
run 0 "$P" --home "$D" trust carol@example.org --verified phone
run 0 "$P" --home "$C" trust dave@example.org --verified phone
run 0 "$P" --home "$D" peers --json
expect_in "$OUT" '"trusted":true' "Dave trusts Carol"
run 0 "$P" --home "$C" peers --json
expect_in "$OUT" '"trusted":true' "Carol trusts Dave"

# --- the eight cells, both sides ----------------------------------------------
run 0 carol matrix send --to dave@example.org --out "$T/c2d"
run 0 dave matrix send --to carol@example.org --out "$T/d2c"
for k in signed signed-encrypted; do
	run 0 dave read "$T/c2d/$k.eml"
	expect_in "$OUT" "valid, trusted" "Dave reads Carol's $k message as valid, trusted"
	run 0 carol read "$T/d2c/$k.eml"
	expect_in "$OUT" "valid, trusted" "Carol reads Dave's $k message as valid, trusted"
done
run 0 dave read "$T/c2d/encrypted.eml"
expect_in "$OUT" "enveloped(AES-256-CBC, to: you" "Dave decrypts Carol's message"
run 0 carol read "$T/d2c/encrypted.eml"
expect_in "$OUT" "enveloped(AES-256-CBC, to: you" "Carol decrypts Dave's message"
run 0 carol matrix check "$T"/c2d/*.eml "$T"/d2c/*.eml
expect_in "$OUT" "all eight passed" "all eight for Carol"
run 0 dave matrix check "$T"/d2c/*.eml "$T"/c2d/*.eml
expect_in "$OUT" "all eight passed" "all eight for Dave"
for who in C D; do
	eval h=\$$who
	run 0 "$P" --home "$h" matrix --json
	ok "no cell left for $who"
	n=$(printf '%s\n' "$OUT" | grep -o '"passed"' | wc -l)
	[ "$n" -ge 8 ] || fail "$n cells passed: $OUT"
	case "$OUT" in *'"failed"'*) fail "a failed cell: $OUT" ;; esac
done
# --- the same eight written by another S/MIME program: OpenSSL's cms -------
# Each side's key from its backup; the messages signed and encrypted by
# `openssl cms` (to the correspondent and to the sender, as mail programs
# keep their own copy), named in User-Agent: the cells pass with a mail
# program's messages, and the test step is done both ways.
run 0 carol --new-passphrase-file "$T/pass" backup --out "$T/c.p12"
run 0 dave --new-passphrase-file "$T/pass2" backup --out "$T/d.p12"
for who in c:pass d:pass2; do
	n=${who%%:*}
	run 0 openssl pkcs12 -legacy -in "$T/$n.p12" -passin "file:$T/${who#*:}" -nodes -nocerts -out "$T/$n.key"
	run 0 openssl pkcs12 -legacy -in "$T/$n.p12" -passin "file:$T/${who#*:}" -nokeys -clcerts -out "$T/$n.crt"
	run 0 openssl pkcs12 -legacy -in "$T/$n.p12" -passin "file:$T/${who#*:}" -nokeys -cacerts -out "$T/$n.chain"
done
# mua FROM TO DIR ME PEER: the four kinds from ME to PEER into DIR.
mua() {
	mkdir -p "$3"
	printf 'Hello from %s, written by OpenSSL.\n' "$1" > "$T/body.txt"
	ua='User-Agent: OpenSSL/3'
	{
		printf '%s\nFrom: %s\nTo: %s\nSubject: plain\nMIME-Version: 1.0\nContent-Type: text/plain\n\n' "$ua" "$1" "$2"
		cat "$T/body.txt"
	} > "$3/plain.eml"
	chain=
	[ -s "$T/$4.chain" ] && chain="-certfile $T/$4.chain"
	# shellcheck disable=SC2086
	{ echo "$ua"; openssl cms -sign -signer "$T/$4.crt" -inkey "$T/$4.key" $chain -text \
		-in "$T/body.txt" -from "$1" -to "$2" -subject signed; } > "$3/signed.eml"
	{ echo "$ua"; openssl cms -encrypt -aes256 -text -in "$T/body.txt" -from "$1" -to "$2" \
		-subject encrypted "$T/$5.crt" "$T/$4.crt"; } > "$3/encrypted.eml"
	# shellcheck disable=SC2086
	openssl cms -sign -signer "$T/$4.crt" -inkey "$T/$4.key" $chain -text -in "$T/body.txt" \
		> "$T/inner.eml"
	{ echo "$ua"; openssl cms -encrypt -aes256 -in "$T/inner.eml" -from "$1" -to "$2" \
		-subject signed-encrypted "$T/$5.crt" "$T/$4.crt"; } > "$3/signed-encrypted.eml"
}
mua carol@example.org dave@example.org "$T/mua-c2d" c d
mua dave@example.org carol@example.org "$T/mua-d2c" d c
run 0 carol matrix check "$T"/mua-c2d/*.eml "$T"/mua-d2c/*.eml
expect_in "$OUT" "in:signed  passed  (from dave@example.org, valid signature, trusted)  written by OpenSSL 3" "Carol: Dave's OpenSSL message, valid and trusted"
expect_in "$OUT" "All eight messages passed with dave@example.org (8 of 8), written by your mail programs" "all eight for Carol with OpenSSL's messages"
run 0 dave matrix check "$T"/mua-d2c/*.eml "$T"/mua-c2d/*.eml
expect_in "$OUT" "in:signed  passed  (from carol@example.org, valid signature, trusted)  written by OpenSSL 3" "Dave: Carol's OpenSSL message, valid and trusted"
expect_in "$OUT" "All eight messages passed with carol@example.org (8 of 8), written by your mail programs" "all eight for Dave with OpenSSL's messages"
for h in "$C" "$D"; do
	run 0 "$P" --home "$h" status --json
	expect_in "$OUT" '"test":"done"' "the test step is done in $h"
done
finish

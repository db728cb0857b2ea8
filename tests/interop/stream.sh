#!/bin/sh
# Round trips through the streamed read, with messages the OpenSSL command
# line writes: signed (detached), opaque signed, encrypted, and signed then
# encrypted, with texts of 0 and 1 byte, exactly one base64 line (57
# bytes), 1 MiB - 1, 1 MiB and 1 MiB + 1 (where padseal starts reading as
# the bytes arrive) and 90 MiB; at 1 MiB + 1 also with the older
# application/x-pkcs7-* types, LF line ends only, and base64 in lines of
# 4,000 characters.  The text padseal prints is byte for byte the text
# that was signed.  Then damaged ones (cut in the middle, cut inside the
# last cipher block, its last end-of-contents cut off, a changed byte in
# the middle, garbage in the base64):
# exit 1, the damage said, no text shown as valid.
. "$PADSEAL_TESTLIB"

command -v openssl >/dev/null || { fail "openssl is not installed (scripts/setup installs it)"; finish; exit 1; }

P=$PADSEAL
A="$T/alice"
S="$T/s"
mkdir -m 700 "$S"
run 0 "$P" --home "$A" create --name "Alice Reader" --email alice@example.org --key rsa2048 \
	--new-passphrase-file "$T/pass" || { finish; exit 1; }
run 0 "$P" --home "$A" cert --out "$T/alice.pem"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=Sender" \
	-addext "subjectAltName=email:sender@example.org" \
	-addext "keyUsage=critical,digitalSignature,keyEncipherment" \
	-addext "extendedKeyUsage=emailProtection" -addext "basicConstraints=critical,CA:FALSE" \
	-keyout "$S/key.pem" -out "$S/cert.pem" 2>/dev/null
run 0 "$P" --home "$A" import "$S/cert.pem"
run 0 "$P" --home "$A" trust sender@example.org --verified in-person

# text N FILE: N bytes of printable lines (LF ends), cut anywhere.
text() {
	awk -v n="$1" 'BEGIN { for (i = 0; i * 64 < n + 64; i++)
		printf "%05d the quick brown fox jumps over the lazy dog, and again.\n", i % 100000 }' |
		head -c "$1" > "$2"
}

# make KIND TEXT OUT: the message of KIND, as openssl cms writes it.
make() {
	case $1 in
	signed) openssl cms -sign -in "$2" -signer "$S/cert.pem" -inkey "$S/key.pem" -out "$3" ;;
	opaque) openssl cms -sign -nodetach -in "$2" -signer "$S/cert.pem" -inkey "$S/key.pem" -out "$3" ;;
	encrypted) openssl cms -encrypt -aes256 -in "$2" -out "$3" "$T/alice.pem" ;;
	both) openssl cms -sign -stream -in "$2" -signer "$S/cert.pem" -inkey "$S/key.pem" |
		openssl cms -encrypt -stream -aes256 -out "$3" "$T/alice.pem" ;;
	esac
}

# same TEXT OUT WHAT: padseal printed TEXT, whole, as the end of OUT (a
# text without a final line end gets one).
same() {
	ok
	n=$(wc -c < "$1")
	if [ "$n" -gt 0 ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
		n=$((n + 1))
		{ cat "$1"; printf '\n'; } > "$T/want"
	else
		cp "$1" "$T/want"
	fi
	tail -c "$n" "$2" | cmp -s - "$T/want" || fail "$3: the text read is not the text signed"
}

for size in 0 1 57 1048575 1048576 1048577; do
	text "$size" "$T/t"
	for kind in signed opaque encrypted both; do
		make "$kind" "$T/t" "$T/m.eml" 2>"$T/err" || { fail "openssl could not make $kind: $(cat "$T/err")"; continue; }
		run 0 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/m.eml"
		printf '%s\n' "$OUT" > "$T/out" # OUT is kept without its last line end
		same "$T/t" "$T/out" "$kind, $size bytes"
		case $kind in signed | opaque | both)
			expect_in "$OUT" "valid, trusted" "$kind, $size bytes: the signature judged" ;;
		esac
	done
done

# --- at 1 MiB + 1: x-pkcs7 types, LF only, long base64 lines ---------------
# unwrap FILE: the base64 body of a one-part message in lines of 4,000.
unwrap() {
	awk 'BEGIN { RS = "\r?\n" } !on { print; if ($0 == "") on = 1; next } { printf "%s", $0 }
		END { print "" }' "$1" | fold -w 4000 > "$1.long"
	mv "$1.long" "$1"
}
for kind in signed opaque encrypted both; do
	make "$kind" "$T/t" "$T/m.eml" 2>/dev/null
	sed 's|application/pkcs7-|application/x-pkcs7-|g' "$T/m.eml" > "$T/x.eml"
	tr -d '\r' < "$T/m.eml" > "$T/lf.eml"
	for v in x lf; do
		run 0 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/$v.eml"
		printf '%s\n' "$OUT" > "$T/out"
		same "$T/t" "$T/out" "$kind, 1 MiB + 1, $v"
	done
	case $kind in signed) continue ;; esac # two parts: no one body to re-wrap
	cp "$T/m.eml" "$T/long.eml"
	unwrap "$T/long.eml"
	ok; [ "$(awk '{ print length($0) }' "$T/long.eml" | sort -n | tail -1)" -ge 4000 ] || fail "$kind: no long lines made"
	run 0 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/long.eml"
	printf '%s\n' "$OUT" > "$T/out"
	same "$T/t" "$T/out" "$kind, 1 MiB + 1, base64 lines of 4,000"
done

# --- damaged: exit 1, said, and no text shown as valid --------------------
make both "$T/t" "$T/m.eml" 2>/dev/null
len=$(wc -c < "$T/m.eml")
head -c $((len / 2)) "$T/m.eml" > "$T/cut.eml"
# Cut inside the last cipher block (before the end-of-contents zeros).
head -c $((len - 40)) "$T/m.eml" > "$T/cutpad.eml"
# One base64 character in the middle changed (the 11th of the middle
# line, to another valid one).
lines=$(wc -l < "$T/m.eml")
awk -v n=$((lines / 2)) 'NR == n { c = substr($0, 11, 1); $0 = substr($0, 1, 10) (c == "A" ? "B" : "A") substr($0, 12) }
	{ print }' ORS='\n' "$T/m.eml" > "$T/flip.eml"
off=$((len / 2))
# The cipher text whole, but the last end-of-contents (two zero bytes)
# of the BER cut off: cut short all the same, as a small message is.
awk 'BEGIN { RS = "\r?\n"; ORS = "\r\n" } { print } /^$/ { exit }' "$T/m.eml" > "$T/eoc.eml"
awk 'BEGIN { RS = "\r?\n" } on { print } /^$/ { on = 1 }' "$T/m.eml" | base64 -d > "$T/m.der"
head -c -2 "$T/m.der" | base64 -w 64 | sed 's/$/\r/' >> "$T/eoc.eml"
# Garbage in the base64.
{ head -c "$off" "$T/m.eml"; printf '*** not base64 ***\r\n'; tail -c +$((off + 1)) "$T/m.eml"; } > "$T/junk.eml"
for f in cut cutpad eoc junk; do
	run 1 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/$f.eml"
	expect_in "$OUT" "! the encrypted part was not opened: the S/MIME part is damaged or cut short" "$f: said"
	expect_not_in "$OUT" "the quick brown fox" "$f: no text shown"
done
# Changed inside: decrypted, and the text shown only under the verdict.
# (Should the change fall on the few bytes that frame the cipher text, the
# envelope is not opened instead, and nothing is shown.)
run 1 "$P" --home "$A" --passphrase-file "$T/pass" read "$T/flip.eml"
expect_not_in "$OUT" "valid, trusted" "flip: never valid"
ok
case $OUT in
*"the quick brown fox"*)
	printf '%s\n' "$OUT" | sed -n '/the quick brown fox/q; p' |
		grep -q '^! the signature by sender@example.org is invalid: the content was changed after signing; do not rely on this message$' ||
		fail "flip: the text comes before the warning: $(printf '%s' "$OUT" | head -c 1200)" ;;
*"! the encrypted part was not opened"*) ;;
*) fail "flip: neither invalid nor unopened: $(printf '%s' "$OUT" | head -c 1200)" ;;
esac

# --- 90 MiB, signed then encrypted -----------------------------------------
text $((90 << 20)) "$T/t"
make both "$T/t" "$T/m.eml" 2>/dev/null
"$P" --home "$A" --passphrase-file "$T/pass" read "$T/m.eml" > "$T/out" 2> "$T/err"
rc=$?
ok; [ $rc = 0 ] || fail "90 MiB: read exited $rc: $(cat "$T/err")"
same "$T/t" "$T/out" "both, 90 MiB"
ok; grep -q 'valid, trusted' "$T/out" || fail "90 MiB: the signature is not judged valid, trusted: $(head -c 600 "$T/out")"
rm -f "$T/t" "$T/m.eml" "$T/out"

finish

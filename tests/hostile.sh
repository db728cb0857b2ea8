#!/bin/sh
# Hostile content: a correspondent's certificate and a message carrying
# CSI, OSC 52, OSC 8, BEL, BS, CR, C1 controls, the bidi override U+202E
# and bytes that are not UTF-8, through every verb that prints them.  No
# control byte may reach the terminal (padseal's own line feeds and tabs
# aside), every such character is shown visibly, and JSON stays valid
# UTF-8 with the characters escaped.  What a signature does not cover
# (the Subject; which of two From: lines is the sender) and that encrypted
# mail without a signature has no integrity are said where they apply.
. "$PADSEAL_TESTLIB"

P=$PADSEAL
H="$T/home"

# clean WHAT FILE: FILE holds no C0 control but LF and TAB, no DEL, no C1
# control, no bidi control and only valid UTF-8.
clean() {
	ok "$1: no control characters, valid UTF-8"
	if LC_ALL=C grep -aqP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c' "$2"; then
		fail "$1: a control character reached the output:
$(od -c "$2" | head -n 20)"
	elif ! iconv -f UTF-8 -t UTF-8 "$2" >/dev/null 2>&1; then
		fail "$1: the output is not valid UTF-8"
	fi
}

# both WHAT CMD...: run CMD, check stdout and stderr together.
both() {
	what=$1
	shift
	"$@" </dev/null >"$T/both" 2>&1
	clean "$what" "$T/both"
}

run 0 "$P" --home "$H" create --name "Alice Example" --email alice@example.org \
	--key p256 --new-passphrase-file "$T/pass"

hostile_cert "$T/mal.pem"
both "import" "$P" --home "$H" import "$T/mal.pem"
expect_in "$(cat "$T/both")" "<U+202E>gnp.exe" "U+202E shown visibly"
expect_in "$(cat "$T/both")" "<U+009B>31m" "C1 CSI shown visibly"
for cmd in "peers" "peers --json" "status" "status --json" "lint mal@evil.example" \
	"lint --json mal@evil.example" "fingerprint mal@evil.example" \
	"fingerprint --json mal@evil.example" "matrix" "matrix --json" \
	"matrix --to mal@evil.example" "compare mal@evil.example 1234" \
	"trust mal@evil.example --verified phone" "untrust mal@evil.example" "show"; do
	# shellcheck disable=SC2086
	both "$cmd" "$P" --home "$H" $cmd
done
"$P" --home "$H" peers --json > "$T/peers.json"
expect_in "$(cat "$T/peers.json")" 'Mal?]52;c;SGVsbG8=?' "C0 in a certificate's name is '?' from the start"
expect_in "$(cat "$T/peers.json")" '\u009b31m' "JSON escapes C1"
expect_in "$(cat "$T/peers.json")" '\u202egnp.exe' "JSON escapes bidi"

# Ordinary characters from outside pass unchanged: accented letters, the
# euro sign, CJK and an emoji after runs of ASCII of every length, in a
# text long enough to cross the filter's buffers many times.
awk 'BEGIN { for (i = 0; i < 400; i++) { s = ""; for (j = 0; j < i % 19; j++) s = s "a";
	printf "%s Pay 100 \342\202\254 to Jos\303\251 M\303\274ller \346\227\245\346\234\254 \360\237\224\222 %d\n", s, i } }' > "$T/utf8.txt"
{
	printf 'From: "Jos\303\251 M\303\274ller" <jose@example.org>\r\nTo: alice@example.org\r\nSubject: caf\303\251\r\n'
	printf 'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
	sed 's/$/\r/' "$T/utf8.txt"
} > "$T/utf8.eml"
"$P" --home "$H" read "$T/utf8.eml" > "$T/utf8.out" 2>&1
ok "non-ASCII text passes the filter unchanged"
grep -qF "$(cat "$T/utf8.txt")" "$T/utf8.out" 2>/dev/null || {
	diff "$T/utf8.txt" "$T/utf8.out" | head -n 5 > "$T/utf8.diff"
	fail "read changed ordinary UTF-8 text: $(cat "$T/utf8.diff")"
}
ok "every line of a long UTF-8 text read back unchanged"
[ "$(grep -cF -f "$T/utf8.txt" "$T/utf8.out")" -ge 400 ] || fail "some UTF-8 lines were changed by the output filter"
expect_in "$(cat "$T/utf8.out")" "$(printf "Jos\303\251 M\303\274ller")" "a sender's accented name"
"$P" --home "$H" read --json "$T/utf8.eml" > "$T/utf8.json"
ok "JSON with UTF-8 text parses"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "Jos\u00e9 M\u00fcller" in json.dumps(d, ensure_ascii=False)' "$T/utf8.json" 2>"$T/py.err" ||
	fail "read --json of UTF-8 text is not the text: $(cat "$T/py.err")"

# A message whose headers and text carry the same, and raw 0x9B / 0xFF.
printf 'From: "Ev\033]52;c;SGVsbG8=\007il\302\23331m" <mal@evil.example>\r\nTo: alice@example.org\r\nSubject: hi \342\200\256 gnp.exe \233\377 \033]8;;http://x/\033\\\\\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody \033[31mred\302\233 \342\200\256 x \233\377\010\r\n' > "$T/hostile.eml"
for cmd in "read" "read --json" "matrix check" "lint" "fingerprint"; do
	# shellcheck disable=SC2086
	both "$cmd message" "$P" --home "$H" $cmd "$T/hostile.eml"
done
"$P" --home "$H" read "$T/hostile.eml" > "$T/read.out" 2>&1
expect_in "$(cat "$T/read.out")" "gnp.exe <0x9B><0xFF>" "raw bytes shown visibly"
"$P" --home "$H" read --json "$T/hostile.eml" > "$T/read.json" 2>&1
expect_in "$(cat "$T/read.json")" '\ufffd\ufffd' "JSON replaces invalid bytes"
expect_in "$(cat "$T/read.json")" '"from_name":"Ev\u001b]52;c;SGVsbG8=\u0007il\u009b31m"' "JSON escapes C0 and C1"
both "matrix after check" "$P" --home "$H" matrix --to mal@evil.example

# An envelope for someone else, whose recipient is named by the hostile
# issuer of a certificate padseal has never seen: read lists the
# recipients and matrix check keeps what it saw, then prints it on every
# later matrix.
hostile_cert "$T/stranger.pem"
printf 'Content-Type: text/plain\r\n\r\nnot for you\r\n' > "$T/inner.txt"
openssl cms -encrypt -aes-256-cbc -in "$T/inner.txt" -from "$(printf 'Ev\033[2Jil <mal@evil.example>')" \
	-to alice@example.org -subject "envelope" -out "$T/env.eml" "$T/stranger.pem" 2>"$T/err" ||
	fail "openssl could not make the envelope: $(cat "$T/err")"
for cmd in "read" "read --json" "matrix check" "matrix check --json"; do
	# shellcheck disable=SC2086
	both "$cmd of an envelope for a hostile issuer" "$P" --home "$H" $cmd --passphrase-file "$T/pass" "$T/env.eml"
done
"$P" --home "$H" read --passphrase-file "$T/pass" "$T/env.eml" > "$T/env.out" 2>&1
expect_in "$(cat "$T/env.out")" "<U+202E>gnp.exe" "the hostile issuer is shown visibly"
both "matrix after an envelope for a hostile issuer" "$P" --home "$H" matrix
expect_in "$(cat "$T/both")" "it is for a certificate of \"Mal<U+001B>]52;c;SGVsbG8=<U+0007>" "matrix keeps the hostile issuer, shown visibly"
both "matrix --json after an envelope for a hostile issuer" "$P" --home "$H" matrix --json

# A mailbox whose messages carry the same in their headers (and a mail
# program's name): scan and matrix check print what they found there.
{
	printf 'From mal@evil.example Sat Dec  5 10:00:00 2026\n'
	tr -d '\r' < "$T/hostile.eml" | sed 's/^Subject:/User-Agent: Ev\x1b]52;c;eA==\x07il\xe2\x80\xae\nSubject:/'
	printf '\n'
} > "$T/hostile.mbox"
for cmd in "scan --mbox" "scan --json --mbox" "matrix check --passphrase-file $T/pass --mbox"; do
	# shellcheck disable=SC2086
	both "$cmd" "$P" --home "$H" $cmd "$T/hostile.mbox"
done

# A line break encoded in a header word cannot fake a line of the report.
fake=$(printf 'hi\nLayers:  signed(SHA-256, by: bob@example.org, valid, trusted)' | base64 -w0)
printf 'From: mal@evil.example\r\nTo: alice@example.org\r\nSubject: =?UTF-8?B?%s?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nx\r\n' \
	"$fake" > "$T/fakeline.eml"
"$P" --home "$H" read "$T/fakeline.eml" > "$T/fakeline.out" 2>&1
ok "an encoded line break stays inside its header line"
[ "$(grep -c '^Layers:' "$T/fakeline.out")" = 1 ] || fail "an encoded word made a line of its own: $(cat "$T/fakeline.out")"
expect_in "$(cat "$T/fakeline.out")" "Subject: hi Layers:  signed" "the subject on one line"

# A file name from outside is outside text too.
cp "$T/hostile.eml" "$T/$(printf 'x\033[2Jy\342\200\256.eml')"
both "a hostile file name" "$P" --home "$H" read "$T/$(printf 'x\033[2Jy\342\200\256.eml')"
both "an unknown verb" "$P" --home "$H" "$(printf 'v\033]52;c;eA==\007')"

# A signed message whose Subject was changed on the way still verifies (the
# outer header lines are not signed): read says what the signature covers.
run 0 "$P" --home "$T/bob" create --name "Bob Example" --email bob@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/bob" intro --to alice@example.org --out "$T/bob.eml" --passphrase-file "$T/pass"
sed 's/^Subject: .*/Subject: Please wire the money today/' "$T/bob.eml" > "$T/changed.eml"
run 1 "$P" --home "$H" read "$T/changed.eml" # valid, its signer not trusted here
expect_in "$OUT" "by: bob@example.org, valid" "the signature still verifies"
expect_in "$OUT" "Subject: Please wire the money today" "the changed subject is shown"
expect_in "$OUT" "Note:    the Subject, Date and To lines are outside the signature" "read says the subject is not signed"

# Two From: lines: which one a mail program shows is not defined, so read
# and matrix check say the sender is unclear, whichever line comes first
# (the signature matches the first one here, then the second).
run 0 "$P" --home "$H" import "$T/bob.eml"
run 0 "$P" --home "$H" trust bob@example.org --verified phone
run 0 "$P" --home "$H" intro --to bob@example.org --out "$T/alice.eml" --passphrase-file "$T/pass"
run 0 "$P" --home "$T/bob" import "$T/alice.eml"
run 0 "$P" --home "$T/bob" trust alice@example.org --verified phone
run 0 "$P" --home "$T/bob" matrix send --to alice@example.org --out "$T/mx" --passphrase-file "$T/pass"
run 0 "$P" --home "$H" read "$T/mx/signed.eml"
awk 'NR == 2 { printf "From: Mallory <mallory@evil.example>\r\n" } { print }' "$T/mx/signed.eml" > "$T/from2.eml"
awk 'NR == 1 { printf "From: Mallory <mallory@evil.example>\r\n" } { print }' "$T/mx/signed.eml" > "$T/from1.eml"
for f in from2 from1; do
	[ "$(grep -c '^From:' "$T/$f.eml")" = 2 ] || fail "$f: the test message has no two From: lines"
	run 1 "$P" --home "$H" read "$T/$f.eml"
	expect_in "$OUT" "! the message has 2 From: lines; mail programs differ on which one they show, so who sent it is unclear" \
		"$f: read says the sender is unclear"
	run 1 "$P" --home "$H" read --json "$T/$f.eml"
	expect_in "$OUT" '"from_lines":2,' "$f: read --json counts the From: lines"
	expect_in "$OUT" '"ok":false' "$f: read --json is not ok"
done
cp -a "$H" "$T/h2"
run 1 "$P" --home "$T/h2" matrix check "$T/from2.eml" --passphrase-file "$T/pass"
expect_in "$OUT" "in:signed  failed  (from bob@example.org, the message has 2 From: lines: mail programs differ on which one they show, so who sent it is unclear)" \
	"matrix check fails a message with two From: lines"
run 0 "$P" --home "$T/h2" matrix check "$T/mx/signed.eml" --passphrase-file "$T/pass"
expect_in "$OUT" "in:signed  passed" "the same message with one From: line passes"

# Encrypted only: read says that anyone could have written or changed it.
run 0 "$P" --home "$H" read "$T/mx/encrypted.eml" --passphrase-file "$T/pass"
expect_in "$OUT" "Note:    encrypted but not signed: anyone could have written or changed it" \
	"read says encrypted-only mail has no integrity"
run 0 "$P" --home "$H" read --json "$T/mx/encrypted.eml" --passphrase-file "$T/pass"
expect_in "$OUT" '"unprotected":"encrypted but not signed: anyone could have written or changed it"' \
	"read --json says it too"
run 0 "$P" --home "$H" read --json "$T/mx/signed.eml"
expect_in "$OUT" '"unprotected":"the Subject, Date and To lines are outside the signature' \
	"read --json says the subject is not signed"

# One address with a comma in it ("mallory@evil.org,alice@example.org"),
# beside a real one: it is not an address, is never matched, and trusting
# Mallory takes nothing from the verified certificate of Carol's address.
V="$T/victim"
run 0 "$P" --home "$V" create --name "Vic Tim" --email vic@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/carol" create --name "Carol Real" --email carol@example.org --key p256 \
	--new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/carol" cert --out "$T/carol.pem"
run 0 "$P" --home "$V" import "$T/carol.pem"
run 0 "$P" --home "$V" trust carol@example.org --verified phone
carol=$("$P" --home "$V" fingerprint carol@example.org)
printf '[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\nCN=Mallory\n[ext]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=@alt\n[alt]\nemail.1=mallory@evil.org\nemail.2=mallory@evil.org,carol@example.org\n' > "$T/comma.cnf"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/comma.key" -config "$T/comma.cnf" -days 30 \
	-out "$T/comma.pem" 2>/dev/null
run 0 "$P" --home "$V" import "$T/comma.pem"
expect_not_in "$OUT" "changed" "a comma address is not Carol's changed certificate"
run 0 "$P" --home "$V" trust mallory@evil.org --verified phone --force
run 0 "$P" --home "$V" fingerprint carol@example.org
ok "Carol's address still resolves to her verified certificate"; [ "$OUT" = "$carol" ] || fail "$OUT"
run 0 "$P" --home "$V" peers --json
ok "Carol is still trusted, Mallory holds one address"
printf '%s' "$OUT" | python3 -c '
import json, sys
peers = json.load(sys.stdin)["peers"]
carol = [p for p in peers if "carol@example.org" in p["emails"]]
mal = [p for p in peers if "mallory@evil.org" in p["emails"]]
assert len(carol) == 1 and carol[0]["trusted"], carol
assert len(mal) == 1 and mal[0]["emails"] == ["mallory@evil.org"], mal
' 2>"$T/py" || fail "$(cat "$T/py")"
run 0 "$P" --home "$V" lint mallory@evil.org
expect_in "$OUT" "mallory@evil.org,carol@example.org" "lint names the comma address as it is"

finish

#!/bin/sh
# Outlook's .msg files beyond the corpus, written here from the published
# formats (tests/mail/msgfile.py): a copy from Outlook's Sent folder keeps
# no internet headers, so From, To, Cc, Subject and Date come from its
# properties -- a Bcc recipient is never named, an address that is not one
# is left out, a name or subject from the file cannot add a header line --
# and its S/MIME part (an envelope larger than the mini stream, a
# multipart/signed entity) is read as the message it was.  A file that is
# not a mail message, or an S/MIME one without its part, is one sentence.
. "$PADSEAL_TESTLIB"

P=$PADSEAL
MK="$(dirname "$PADSEAL_TESTLIB")/mail/msgfile.py"
A="$T/alice" S="$T/sam"
trusting_pair "$A" "$S"
run 0 "$P" --home "$S" matrix send --to alice@example.org --out "$T/s2a" --passphrase-file "$T/pass2"

# msg NAME CLASS ATTACHMENT: Sam's Sent copy as Outlook keeps it.
msg() {
	att=
	[ -z "$3" ] || att=", \"attachment_file\": \"$3\""
	cat > "$T/$1.json" <<EOJ
{"class": "$2", "subject": "Gr\u00fc\u00dfe\r\nBcc: evil@example.net",
 "sender_name": "Sam \"the\" Tester, Jr.", "sender_smtp": "sam@example.org",
 "submit_time": 1780000000, "body": "Hello Alice,\r\nplain from Outlook.\r\n",
 "recipients": [{"smtp": "alice@example.org", "name": "Alice", "type": 1},
		{"smtp": "carol@example.org", "name": "Carol \u00c4", "type": 2},
		{"smtp": "secret@example.org", "name": "Hidden", "type": 3},
		{"smtp": "bad <x>@example.org", "type": 1}]$att}
EOJ
	python3 "$MK" "$T/$1.json" "$T/out/$1.msg" || fail "msgfile.py could not write $1"
}
mkdir "$T/out"

# The envelope (as Outlook keeps it: DER), long enough that the attachment
# lives in regular sectors, not in the mini stream.
{ printf 'Content-Type: text/plain\r\n\r\n'; head -c 6000 /dev/zero | tr '\0' 'x'; } > "$T/big.txt"
openssl cms -encrypt -aes-256-cbc -outform DER -in "$T/big.txt" -out "$T/env.der" \
	"$(ls "$A"/identities/*/cert.pem)"
ok "the envelope is larger than the mini stream"
[ "$(wc -c < "$T/env.der")" -gt 4096 ] || fail "the envelope is only $(wc -c < "$T/env.der") bytes"
msg enc IPM.Note.SMIME "$T/env.der"
run 0 "$P" --home "$A" read --passphrase-file "$T/pass" "$T/out/enc.msg"
expect_in "$OUT" "enveloped(AES-256-CBC, to: you)" "the envelope opened"
line=$(printf '%s\n' "$OUT" | grep '^Subject:')
expect_in "$line" "Subject: Grüße Bcc: evil@example.net" "a line break in the subject stays inside the Subject line"
ok "no Bcc line"; printf '%s\n' "$OUT" | grep -q '^Bcc' && fail "a Bcc line was made: $OUT"
expect_in "$(printf '%s\n' "$OUT" | grep '^To:')" "To:      alice@example.org" "To: the To recipient, not the bad address"
expect_in "$OUT" "Date:    Thu, 28 May 2026 20:26:40 +0000" "Date from the submit time"
run 0 "$P" --home "$A" read --json --passphrase-file "$T/pass" "$T/out/enc.msg"
expect_in "$OUT" '"from_name":"Sam \"the\" Tester, Jr."' "the sender's name whole"
ok "the Bcc recipient is never named"
case $OUT in *secret@example.org*) fail "the Bcc recipient shows: $OUT" ;; esac

# A multipart/signed message as Outlook keeps it: the entity, its own
# header first (MIME-Version, Content-Type), as the attachment.
awk 'BEGIN { h = 1 } h && /^\r?$/ { h = 0 } !h || /^(MIME-Version|Content-Type|[ \t])/' \
	"$T/s2a/signed.eml" > "$T/signed.entity"
msg signed IPM.Note.SMIME.MultipartSigned "$T/signed.entity"
run 0 "$P" --home "$A" read "$T/out/signed.msg"
expect_in "$OUT" "signed(SHA-256, by: sam@example.org, valid, trusted)" "multipart/signed from a .msg verifies"

# A plain message: its text.
msg plain IPM.Note ""
run 0 "$P" --home "$A" read "$T/out/plain.msg"
expect_in "$OUT" "plain from Outlook." "the text of a plain .msg"

# All three in a folder: three cells of Sam's, written by a mail program.
run 0 "$P" --home "$A" matrix check "$T/out" --passphrase-file "$T/pass"
expect_in "$OUT" "in:encrypted  passed" "matrix check: the encrypted .msg"
expect_in "$OUT" "in:signed  passed" "matrix check: the signed .msg"
expect_in "$OUT" "in:plain  passed" "matrix check: the plain .msg"

# Refused in one sentence, the home untouched.
before=$(tree_hash "$A")
msg meeting IPM.Schedule.Meeting.Request ""
run 1 "$P" --home "$A" read "$T/out/meeting.msg" && expect_one_line_error "a meeting"
expect_in "$ERR" "the Outlook file is not a mail message (it is a meeting, a contact, a task or a note)" "a meeting is not a message"
msg bare IPM.Note.SMIME ""
run 1 "$P" --home "$A" import "$T/out/bare.msg" && expect_one_line_error "S/MIME without its part"
expect_in "$ERR" "the Outlook file is an S/MIME message without its S/MIME part" "S/MIME without its part"
ok "refusals leave the home as it was"
[ "$before" = "$(tree_hash "$A")" ] || fail "a refused .msg changed the home"
finish

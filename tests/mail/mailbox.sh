#!/bin/sh
# matrix check on mailboxes holding other mail too: the Thunderbird and
# Outlook messages of the corpus (smime1 -> smime2) among ordinary mail, in
# an mbox made by formail, a Maildir, and Apple Mail .emlx files built from
# the published format.  The test messages are picked out and pass; the
# mailbox is never changed; damaged mailboxes give one sentence.
. "$PADSEAL_TESTLIB"

: "${PADSEAL_CORPUS:?PADSEAL_CORPUS is not set: run through make check}"
C="$PADSEAL_CORPUS/hiraoka-smime_mail_samples"
[ -d "$C/received-at-smime2" ] || { fail "the corpus is missing: $C"; finish; exit 1; }
command -v formail >/dev/null || { fail "formail (procmail) is missing: run scripts/setup"; finish; exit 1; }

P=$PADSEAL
H="$T/smime2"
printf 'smime2\n' > "$T/smime2pass"
run 0 "$P" --home "$H" restore "$C/certs/smime-2-secret.pfx" --passphrase-file "$T/smime2pass" --new-passphrase-file "$T/pass"
run 0 "$P" --home "$H" import "$C/certs/smime-1.crt"
run 0 "$P" --home "$H" trust smime1@hmailserver.test --verified phone

# in_cells: the four in cells of smime1, "plain=passed,signed=..."
in_cells() {
	"$P" --home "$H" matrix --to smime1@hmailserver.test --json |
		sed -n 's/.*"matrix":{"out":{[^}]*},"in":{\([^}]*\)}}.*/\1/p' | tr -d '"' | tr ':' '='
}
reset_cells() {
	sed -i 's/ in=[a-z]*//g; s/ why-in-[a-z-]*=[^ ]*//g' "$H/checklist"
}
all_passed="plain=passed,signed=passed,encrypted=passed,signed-encrypted=passed"

# Ordinary mail around the test messages (one with "From " in its body).
mkdir -p "$T/other"
i=0
for who in "Bob <bob@example.com>" "news@example.net" "Carol <carol@example.org>"; do
	i=$((i + 1))
	printf 'From: %s\nTo: smime2@hmailserver.test\nSubject: note %d\nDate: Sat, 17 Aug 2024 10:0%d:00 +0900\nMessage-ID: <n%d@example.com>\n\nHello,\nFrom what I heard, all is well.\n\n> quoted\n' \
		"$who" "$i" "$i" "$i" > "$T/other/$i.eml"
done
set -- "$C"/received-at-smime2/Writing*.eml

# --- mbox, made by formail (From_ lines, >From quoting) ------------------------
for f in "$T/other/1.eml" "$@" "$T/other/2.eml" "$T/other/3.eml"; do
	formail < "$f"
	echo
done > "$T/inbox.mbox"
ok; grep -q '^>From what I heard' "$T/inbox.mbox" || fail "formail did not quote the From line (the test would prove nothing)"
mbox_sum=$(sha256sum < "$T/inbox.mbox")
# The corpus's messages were written in 2024, long before smime1's
# certificate came into this home today: older than the test, they are
# passed over, and said so.
hbefore=$(tree_hash "$H")
run 1 "$P" --home "$H" matrix check --mbox "$T/inbox.mbox" --passphrase-file "$T/pass" && expect_one_line_error "only older test messages"
expect_in "$ERR" "holds no test message from or to a correspondent since the test started (7 messages read, 4 of them older)" "messages from before the test are passed over"
ok; [ "$hbefore" = "$(tree_hash "$H")" ] || fail "a check that found only older messages changed the home"
# As if the test had started in August 2024, when they were written.
sed -i 's/^\(peer fpr=[0-9A-Fa-f]*\)/\1 test-from=2024-08-01T00:00:00Z/' "$H/checklist"
run 0 "$P" --home "$H" matrix check --mbox "$T/inbox.mbox" --passphrase-file "$T/pass"
expect_in "$OUT" "$T/inbox.mbox: 7 messages, 4 of them test messages" "mbox: the four picked out of seven"
expect_in "$OUT" "in:signed  passed  (from smime1@hmailserver.test, valid signature, trusted)  written by Mozilla Thunderbird" "mbox: Thunderbird signed, and who wrote it"
expect_in "$(in_cells)" "$all_passed" "mbox: the four in cells"
reset_cells

# --- Maildir (cur with flags, new) ------------------------------------------------
M="$T/Maildir"
mkdir -p "$M/cur" "$M/new" "$M/tmp"
n=0
for f in "$T"/other/*.eml "$@"; do
	n=$((n + 1))
	if [ $((n % 2)) = 0 ]; then cp "$f" "$M/cur/17238600$n.M1P1.host:2,S"; else cp "$f" "$M/new/17238600$n.M1P1.host"; fi
done
mbefore=$(tree_hash "$M")
run 0 "$P" --home "$H" matrix check --maildir "$M" --passphrase-file "$T/pass"
expect_in "$OUT" "$M: 7 messages, 4 of them test messages" "Maildir: picked out"
expect_in "$(in_cells)" "$all_passed" "Maildir: the four in cells"
reset_cells
run 2 "$P" --home "$H" matrix check "$M" --maildir "$M" --passphrase-file "$T/pass"
expect_in "$ERR" "not both" "files and a mailbox at once"

# --- Apple Mail .emlx: byte count, message, property list ----------------------------
E="$T/Mail/V10/acct/INBOX.mbox/Data/1/Messages"
mkdir -p "$E"
n=0
for f in "$T"/other/*.eml "$@"; do
	n=$((n + 1))
	{ wc -c < "$f" | tr -d ' '; cat "$f"
	  printf '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>flags</key><integer>8590195713</integer></dict></plist>\n'; } > "$E/$n.emlx"
done
run 0 "$P" --home "$H" matrix check --emlx "$T/Mail" --passphrase-file "$T/pass"
expect_in "$OUT" "$T/Mail: 7 messages, 4 of them test messages" "emlx: picked out"
expect_in "$(in_cells)" "$all_passed" "emlx: the four in cells"
reset_cells

# the Outlook set in the same way, mixed into one mbox with the rest
for f in "$T/other/3.eml" "$C"/received-at-smime2/Message*.eml; do formail < "$f"; echo; done > "$T/outlook.mbox"
run 0 "$P" --home "$H" matrix check --mbox "$T/outlook.mbox" --passphrase-file "$T/pass"
expect_in "$OUT" "SHA-1: Thunderbird 115 and later reject it" "Outlook's SHA-1 said"
expect_in "$OUT" "written by Microsoft Outlook 15.0" "Outlook named as the writer"
expect_in "$(in_cells)" "$all_passed" "Outlook mbox: the four in cells"
reset_cells
# Outlook's own files (.msg: what File > Save As and dragging a message to
# a folder make), in a folder: read as the messages they were, with the
# internet headers Outlook kept.
O="$T/from-outlook"
mkdir "$O"
cp "$C"/received-at-smime2/Message*.msg "$O"/
run 0 "$P" --home "$H" matrix check "$O" --passphrase-file "$T/pass"
expect_in "$OUT" "in:signed-encrypted  passed  (from smime1@hmailserver.test, decrypted (AES-256-CBC)" "Outlook .msg: signed and encrypted opened"
expect_in "$OUT" "written by Microsoft Outlook 15.0" "Outlook .msg: Outlook named as the writer"
expect_in "$(in_cells)" "$all_passed" "Outlook .msg: the four in cells"
reset_cells
# The copies in the sender's Sent folder keep no internet headers: From,
# To, Subject and Date are made from the file's properties.
run 0 "$P" --home "$H" read "$C/sent-from-smime1/Message from smime1 to smime2 (signed).msg"
expect_in "$OUT" "From:    smime1@hmailserver.test" "Sent .msg: From from its properties"
expect_in "$OUT" "To:      smime2@hmailserver.test" "Sent .msg: To from its recipients"
expect_in "$OUT" "Date:    Sat, 17 Aug 2024 05:49:14 +0000" "Sent .msg: Date from its submit time"
expect_in "$OUT" "signed(SHA-1, by: smime1@hmailserver.test, valid, trusted" "Sent .msg: the signature holds"
run 0 "$P" --home "$T/fresh" import "$C/sent-from-smime1/Message from smime1 to smime2 (signed).msg"
expect_in "$OUT" "smime1@hmailserver.test" "import takes the signer from a .msg"
# Cut short, or not a compound file at all past its first bytes: one sentence.
head -c 3000 "$C/received-at-smime2/Message from smime1 to smime2 (signed).msg" > "$T/cut.msg"
run 1 "$P" --home "$H" read "$T/cut.msg" && expect_one_line_error "a cut .msg"
expect_in "$ERR" "the Outlook file is damaged: padseal cannot find the message in it" "a cut .msg said"
ok; [ "$mbefore" = "$(tree_hash "$M")" ] || fail "reading the Maildir changed it"

# --- scan: the certificates the mailboxes carry ---------------------------------
run 0 "$P" --home "$H" scan "$T/inbox.mbox" --json
expect_in "$OUT" '"messages":7,"signed":1,"stale":0' "scan of the mbox: one signed message readable without a key"
expect_in "$OUT" '"addresses":["smime1@hmailserver.test"],"fingerprint_sha256":"97:81:50:1A:8B:A6:47:BA' "scan names smime1's certificate"
expect_in "$OUT" '"status":"current"' "the trusted one is current"
run 0 "$P" --home "$H" scan --emlx "$T/Mail"
expect_in "$OUT" "No old certificates: one certificate per address." "scan of Apple Mail's store"
# Apple Mail's store named by its folder: a V<n> folder, and the Messages
# folder itself, are read as .emlx.
run 0 "$P" --home "$H" scan "$T/Mail/V10"
expect_in "$OUT" "$T/Mail/V10: 7 messages, 1 signed, 1 certificates" "scan of Apple Mail's V10 folder named by its folder"
run 0 "$P" --home "$H" scan "$E"
expect_in "$OUT" "$E: 7 messages, 1 signed, 1 certificates" "scan of a Messages folder named by its folder"
run 0 "$P" --home "$H" scan "$M"
expect_in "$OUT" "$M: 7 messages, 1 signed, 1 certificates" "scan of a Maildir named by its folder"
run 2 "$P" --home "$H" scan
expect_in "$ERR" "usage: padseal scan" "scan without a mailbox"

# --- nothing to find, or not a mailbox: one sentence, exit 1, home unchanged ------------
reset_cells
hbefore=$(tree_hash "$H")
for f in "$T"/other/*.eml; do formail < "$f"; echo; done > "$T/plain.mbox"
run 1 "$P" --home "$H" matrix check --mbox "$T/plain.mbox" && expect_one_line_error "no test messages"
expect_in "$ERR" "holds no test message from or to a correspondent (3 messages read)" "no test messages"
cp "$T/other/1.eml" "$T/not.mbox"
run 1 "$P" --home "$H" matrix check --mbox "$T/not.mbox" && expect_one_line_error "not an mbox"
expect_in "$ERR" "does not start with a \"From \" line" "not an mbox"
run 1 "$P" --home "$H" matrix check --mbox "$T/none.mbox" && expect_one_line_error "missing mbox"
run 1 "$P" --home "$H" matrix check --maildir "$T/other" && expect_one_line_error "not a Maildir"
expect_in "$ERR" "is not a Maildir: it has no cur and new folders" "not a Maildir"
run 1 "$P" --home "$H" matrix check --maildir "$T/nowhere" && expect_one_line_error "missing Maildir"
run 1 "$P" --home "$H" matrix check --emlx "$T/inbox.mbox" && expect_one_line_error "emlx on a file"
run 2 "$P" --home "$H" matrix check --mbox "$T/inbox.mbox" --imap-user x
expect_in "$ERR" "go with --imap URL" "--imap-user without --imap"
run 2 "$P" --home "$H" matrix check --imap "imaps://127.0.0.1:9/INBOX"
expect_in "$ERR" "an IMAP server needs a user" "IMAP without a user"
ok; [ "$hbefore" = "$(tree_hash "$H")" ] || fail "a refused check changed the home"

# damaged: an .emlx whose count is wrong, an mbox with a bare "From " line in a
# body, a truncated last message -- the rest is read, the damage said
printf '99999\nFrom: x@example.com\n\nshort\n' > "$E/99.emlx"
run 0 "$P" --home "$H" matrix check --emlx "$T/Mail" --passphrase-file "$T/pass"
expect_in "$ERR" "1 damaged messages passed over" "emlx with a wrong byte count"
expect_in "$ERR" "the byte count on its first line does not match" "emlx with a wrong byte count"
expect_in "$(in_cells)" "$all_passed" "the whole ones still pass"
reset_cells
{ cat "$T/inbox.mbox"; printf 'From nobody Sat Aug 17 10:00:00 2024\nFrom: x@example.com\n\nFrom here on the body has\n\nFrom a bare line inside\n'; } > "$T/bad.mbox"
head -c -200 "$T/inbox.mbox" > "$T/cut.mbox"
run 0 "$P" --home "$H" matrix check --mbox "$T/bad.mbox" --passphrase-file "$T/pass"
expect_in "$ERR" "has no header block: a \"From \" line inside a message, or a message cut short" "a From line inside a body"
run 0 "$P" --home "$H" matrix check --mbox "$T/cut.mbox" --passphrase-file "$T/pass"
ok; [ "$mbox_sum" = "$(sha256sum < "$T/inbox.mbox")" ] || fail "reading the mbox changed it"
ok; [ "$mbefore" = "$(tree_hash "$M")" ] || fail "reading the Maildir changed it"

finish

#!/bin/sh
# The test matrix end to end with the real verbs: Alice (RSA) and Sam (EC)
# create, exchange certificates by introduction messages, trust, send the
# four messages both ways, check what arrived and their own sent copies,
# confirm, and reach "all eight passed".  Then the real clients' sets from
# the corpus (Thunderbird and Outlook, smime1 -> smime2, and smime1's own
# Thunderbird Sent copies), and the negatives: tampered signature, unknown
# sender, a message for someone else, garbage, no or wrong passphrase —
# each with its outcome and nothing changed beyond the recorded result.
. "$PADSEAL_TESTLIB"

: "${PADSEAL_CORPUS:?PADSEAL_CORPUS is not set: run through make check}"
C="$PADSEAL_CORPUS/hiraoka-smime_mail_samples"
[ -d "$C/received-at-smime2" ] || { fail "the corpus is missing: $C"; finish; exit 1; }

P=$PADSEAL
A="$T/alice"
S="$T/sam"
K="$T/kim"

# cells HOME PEER: the peer's eight cells as "out:plain=passed ... in:...".
cells() {
	"$P" --home "$1" matrix --to "$2" --json |
		sed -n 's/.*"matrix":{"out":{\([^}]*\)},"in":{\([^}]*\)}}.*/\1,\2/p' | tr -d '"' | tr ',' '\n' |
		awk -F: 'NR <= 4 { printf "out:%s=%s ", $1, $2 } NR > 4 { printf "in:%s=%s ", $1, $2 }'
}

# others_than HOME CELL: what `peers --json` and `matrix --json` say with
# the one cell (like in:signed) and what follows from it (the pass count,
# whether the test is done) left out: to show that nothing else changed.
others_than() {
	dir=${2%%:*} kind=${2#*:}
	{ "$P" --home "$1" peers --json | sed 's/"matrix_passed":[0-9]*,"matrix":.*//'
	  "$P" --home "$1" matrix --json | sed 's/,"passed":[0-9]*//'; } |
		sed 's/"test":"[a-z]*"//g' | sed "s/\"$dir\":{\([^}]*\)\"$kind\":\(null\|\"[^\"]*\"\)/\"$dir\":{\1\"$kind\":X/g"
}

# --- two people, set up with the real verbs ---------------------------------
run 0 "$P" --home "$A" create --name "Alice Example" --email alice@example.org --key rsa3072 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$S" create --name "Sam Tester" --email sam@example.org --key p256 --new-passphrase-file "$T/pass2"
run 0 "$P" --home "$A" intro --to sam@example.org --out "$T/intro-alice.eml" --passphrase-file "$T/pass"
run 0 "$P" --home "$S" intro --to alice@example.org --out "$T/intro-sam.eml" --passphrase-file "$T/pass2"
run 0 "$P" --home "$S" import "$T/intro-alice.eml"
run 0 "$P" --home "$A" import "$T/intro-sam.eml"
run 0 "$P" --home "$A" status --json
expect_in "$OUT" '"steps":{"exchange":"done","verify":"todo","trust":"todo","test":"todo"}' "intro both ways: exchange done"

# not trusted yet: refused before the passphrase, nothing written
before=$(tree_hash "$A")
run 1 "$P" --home "$A" matrix send --to sam@example.org --out "$T/a2s"
expect_one_line_error "send before trust"
expect_in "$ERR" "the certificate of sam@example.org is not trusted yet" "send before trust"
ok; [ "$before" = "$(tree_hash "$A")" ] && [ ! -e "$T/a2s" ] || fail "a refused send changed something"

run 0 "$P" --home "$A" trust sam@example.org --verified phone
run 0 "$P" --home "$S" trust alice@example.org --verified phone

# --- the four messages each way ---------------------------------------------
run 0 "$P" --home "$A" matrix send --to sam@example.org --out "$T/a2s" --passphrase-file "$T/pass"
expect_in "$OUT" "$T/a2s/signed-encrypted.eml" "send lists the files"
run 0 "$P" --home "$S" matrix send --to alice@example.org --out "$T/s2a" --passphrase-file "$T/pass2" --json
expect_in "$OUT" "{\"peer\":\"alice@example.org\",\"files\":[\"$T/s2a/plain.eml\"," "send --json"
run 2 "$P" --home "$A" matrix send --to sam@example.org --out "$T/a2s-again"
expect_in "$ERR" "--passphrase-file" "send without a terminal"
expect_in "$(cells "$A" sam@example.org)" "out:plain=sent out:signed=sent out:encrypted=sent out:signed-encrypted=sent in:plain=todo" "out cells sent"

# Sam checks what Alice sent: the four in cells pass
run 0 "$P" --home "$S" matrix check "$T/a2s/plain.eml" "$T/a2s/signed.eml" "$T/a2s/encrypted.eml" \
	"$T/a2s/signed-encrypted.eml" --passphrase-file "$T/pass2"
expect_in "$OUT" "in:plain  passed  (from alice@example.org, arrived as plain text)" "in:plain"
expect_in "$OUT" "in:signed  passed  (from alice@example.org, valid signature, trusted)" "in:signed"
expect_in "$OUT" "in:encrypted  passed  (from alice@example.org, decrypted (AES-256-CBC))" "in:encrypted"
expect_in "$OUT" "in:signed-encrypted  passed  (from alice@example.org, decrypted (AES-256-CBC), valid signature, trusted)" "in:signed-encrypted"
expect_in "$OUT" "alice@example.org: 4 of 8 passed; still open: out:plain (sent)" "progress line"

# Alice checks her own sent copies: the four out cells pass
run 0 "$P" --home "$A" matrix check "$T"/a2s/*.eml --passphrase-file "$T/pass"
expect_in "$OUT" "out:signed  passed  (to sam@example.org, valid signature by you)" "out:signed by checking the sent copy"
expect_in "$OUT" "out:signed-encrypted  passed  (to sam@example.org, encrypted (AES-256-CBC) to sam@example.org and to you, valid signature by you)" "out:signed-encrypted"
# ... and what Sam sent
run 0 "$P" --home "$A" matrix check "$T"/s2a/*.eml --passphrase-file "$T/pass"
expect_in "$OUT" "in:signed-encrypted  passed  (from sam@example.org, decrypted (AES-256-CBC), the sender's own copy is an ECDH entry (an EC certificate): Thunderbird 115 and older (NSS before 3.100) and node-forge cannot parse it" "in from an EC sender: the self-copy NSS < 3.100 cannot parse"
expect_in "$OUT" "or the sender an RSA certificate, valid signature, trusted)" "in from an EC sender: the signature"
expect_in "$OUT" "in:plain  passed  (from sam@example.org, arrived as plain text)  written by padseal (a rehearsal)" "padseal's message named as the writer"
expect_in "$OUT" "Rehearsed with sam@example.org: all eight passed, 8 of them with padseal's own messages." "all eight for Alice: a rehearsal"
run 0 "$P" --home "$A" status --json
expect_in "$OUT" '"steps":{"exchange":"done","verify":"done","trust":"done","test":"todo"}' "Alice's test step: padseal's messages do not make it"
expect_in "$OUT" '"matrix":{"out":{"plain":"passed","signed":"passed","encrypted":"passed","signed-encrypted":"passed"},"in":{"plain":"passed","signed":"passed","encrypted":"passed","signed-encrypted":"passed"}},"tested":0,"written_by":{"out":{"plain":"padseal"' "status shows the matrix and who wrote each"
run 0 "$P" --home "$A" status
expect_in "$OUT" "  Correspondent    Exchange  Verify  Trust  Test
  sam@example.org  done      done    done   0 of 8 passed (8 rehearsed with padseal's messages)" "status text: a table, rehearsed"
run 0 "$P" --home "$A" matrix --to sam@example.org
expect_in "$OUT" "  out (you -> them)  rehearsed rehearsed rehearsed   rehearsed" "the table says rehearsed"
expect_in "$OUT" "  in:signed  passed  (checked by padseal)  written by padseal (a rehearsal)" "the table names the writer"

# The same messages as a mail program sends them (its name in User-Agent,
# outside what is signed): the cells pass with the mail program, the test
# is done; padseal's own messages checked again replace none of them.
mkdir "$T/mua-a2s" "$T/mua-s2a"
for f in "$T"/a2s/*.eml; do
	{ printf 'User-Agent: NeoMutt/20220429\r\n'; cat "$f"; } > "$T/mua-a2s/${f##*/}"
done
for f in "$T"/s2a/*.eml; do
	{ printf 'X-Mailer: Apple Mail (2.3731.700.6)\r\n'; cat "$f"; } > "$T/mua-s2a/${f##*/}"
done
run 0 "$P" --home "$A" matrix check "$T"/mua-s2a/*.eml "$T"/mua-a2s/*.eml --passphrase-file "$T/pass"
expect_in "$OUT" "in:signed  passed  (from sam@example.org, valid signature, trusted)  written by Apple Mail" "Apple Mail named"
expect_in "$OUT" "out:plain  passed  (to sam@example.org, arrived as plain text)  written by NeoMutt 20220429" "NeoMutt named"
expect_in "$OUT" "All eight messages passed with sam@example.org (8 of 8), written by your mail programs" "all eight for Alice with mail programs"
run 0 "$P" --home "$A" matrix check --json "$T/a2s/plain.eml" --passphrase-file "$T/pass"
expect_in "$OUT" '"written_by":"padseal","mail_program":false' "check --json: padseal's"
expect_in "$OUT" '"tested":8,"written_by":{"out":{"plain":"NeoMutt 20220429"' "a rehearsal does not replace the mail program's pass"
run 0 "$P" --home "$A" status --json
expect_in "$OUT" '"steps":{"exchange":"done","verify":"done","trust":"done","test":"done"}' "Alice's test step done with the mail programs"
expect_in "$OUT" '"in":{"plain":"Apple Mail","signed":"Apple Mail"' "status: who wrote the in cells"

# Sam records Alice's word for his four out cells instead
for kind in plain signed encrypted; do
	run 0 "$P" --home "$S" matrix confirm --to alice@example.org --cell "out:$kind"
	expect_in "$OUT" "out:$kind  passed  (confirmed by correspondent)" "confirm $kind"
done
run 0 "$P" --home "$S" matrix confirm --to alice@example.org --cell out:signed-encrypted --json
expect_in "$OUT" '{"peer":"alice@example.org","cell":"out:signed-encrypted","result":"passed","test":"todo","written_by":"padseal","shown":true}' "confirm --json: padseal sent it"
run 0 "$P" --home "$S" matrix --to alice@example.org
expect_in "$OUT" "Rehearsed with alice@example.org: all eight passed" "all eight for Sam: a rehearsal"
expect_in "$OUT" "  out:plain  passed  (confirmed by correspondent)  written by padseal (a rehearsal)" "confirmed, sent by padseal"
expect_in "$OUT" "  out (you -> them)  rehearsed rehearsed rehearsed   rehearsed" "the table"
expect_in "$OUT" "  in (them -> you)   rehearsed rehearsed rehearsed   rehearsed" "the table: columns line up"
# Sam's mail program sent out:plain again, and Alice confirms it.
sed -i 's/ by-out-plain=[^ ]*//' "$S/checklist"
run 0 "$P" --home "$S" matrix confirm --to alice@example.org --cell out:plain
expect_in "$OUT" "out:plain  passed  (confirmed by correspondent)  written by a mail program" "confirmed, not sent by padseal"
run 0 "$P" --home "$S" matrix --to alice@example.org
expect_in "$OUT" "  out (you -> them)  passed    rehearsed rehearsed   rehearsed" "the table: one passed with a mail program"
run 0 "$P" --home "$S" matrix --json
expect_in "$OUT" '{"peers":[{"email":"alice@example.org","fingerprint_sha256":"' "matrix --json"
expect_in "$OUT" '"trusted":true,"test":"todo","matrix":{"out":{"plain":"passed"' "matrix --json shape"
expect_in "$OUT" '"passed":8,"tested":1,"written_by":{"out":{"plain":"a mail program","signed":"padseal"' "matrix --json: who wrote each"
expect_in "$OUT" '"why":{"out":{"plain":"confirmed by correspondent"' "matrix --json reasons"

# confirm: usage and refusals
# an in cell padseal passed: the person's own mail program showed it
run 0 "$P" --home "$S" matrix confirm --to alice@example.org --cell in:plain
expect_in "$OUT" "in:plain  passed  (checked by padseal)  written by padseal (a rehearsal); shown correctly in your mail program, by your word" "confirm an in cell"
run 0 "$P" --home "$S" matrix --to alice@example.org --json
expect_in "$OUT" '"shown":{"out":{"plain":true,"signed":true,"encrypted":true,"signed-encrypted":true},"in":{"plain":true,"signed":false' "matrix --json: what was confirmed as shown"
before=$(tree_hash "$S")
run 2 "$P" --home "$S" matrix confirm --to alice@example.org --cell out:sealed
expect_one_line_error "confirm a bad cell"
run 2 "$P" --home "$S" matrix confirm --cell out:plain
expect_one_line_error "confirm without --to"
run 1 "$P" --home "$S" matrix confirm --to nobody@example.org --cell out:plain
expect_one_line_error "confirm for an unknown peer"
run 2 "$P" --home "$S" matrix frobnicate
expect_one_line_error "unknown matrix command"
run 2 "$P" --home "$S" matrix check
expect_one_line_error "check without files"
run 1 "$P" --home "$S" matrix --to nobody@example.org
ok; [ "$before" = "$(tree_hash "$S")" ] || fail "refused confirms changed Sam's home"

# --- negatives ----------------------------------------------------------------
# A tampered signed message: in:signed fails with the reason; only that
# cell's two fields change.
sed 's/This one is SIGNED, not encrypted/This one is FORGED, not encrypted/' "$T/a2s/signed.eml" > "$T/tampered.eml"
before=$(others_than "$S" in:signed)
run 1 "$P" --home "$S" matrix check "$T/tampered.eml"
expect_in "$OUT" "in:signed  failed  (from alice@example.org, the signature is invalid" "tampered: failed with the reason"
expect_in "$(cells "$S" alice@example.org)" "in:signed=failed" "tampered: recorded"
ok; [ "$before" = "$(others_than "$S" in:signed)" ] || fail "a tampered check changed more than its cell"
run 0 "$P" --home "$S" matrix check "$T/a2s/signed.eml"
expect_in "$(cells "$S" alice@example.org)" "in:signed=passed" "a good message passes the cell again"

# An unknown sender: an error line naming the address, nothing recorded.
run 0 "$P" --home "$K" create --name "Kim Other" --email kim@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$K" intro --to sam@example.org --out "$T/intro-kim.eml" --passphrase-file "$T/pass"
before=$(tree_hash "$S")
run 1 "$P" --home "$S" matrix check "$T/intro-kim.eml"
expect_one_line_error "unknown sender"
expect_in "$ERR" "padseal: $T/intro-kim.eml: the message is from kim@example.org, who is not among your correspondents" "unknown sender named"
ok; [ -z "$OUT" ] || fail "unknown sender printed a result: $OUT"
# garbage, an empty file, a missing one
printf 'not a message at all\0\n' > "$T/garbage.eml"
: > "$T/empty.eml"
run 1 "$P" --home "$S" matrix check "$T/garbage.eml"
expect_one_line_error "garbage"
run 1 "$P" --home "$S" matrix check "$T/empty.eml"
expect_one_line_error "empty"
run 1 "$P" --home "$S" matrix check "$T/missing.eml"
expect_one_line_error "missing file"
# an encrypted message without a passphrase (no terminal), or a wrong one
run 2 "$P" --home "$S" matrix check "$T/a2s/encrypted.eml"
expect_in "$ERR" "--passphrase-file" "check without a terminal"
run 1 "$P" --home "$S" matrix check "$T/a2s/encrypted.eml" --passphrase-file "$T/wrong"
expect_one_line_error "check with the wrong passphrase"
ok; [ "$before" = "$(tree_hash "$S")" ] || fail "checks that judged nothing changed Sam's home"

# A mix: the good one is recorded, the unknown one is an error, exit 1.
run 1 "$P" --home "$S" matrix check "$T/a2s/plain.eml" "$T/intro-kim.eml"
expect_in "$OUT" "in:plain  passed" "mixed: the good one"
expect_in "$ERR" "kim@example.org" "mixed: the unknown one"

# A message from Alice that is encrypted for Kim, not for Sam.
run 0 "$P" --home "$A" import "$T/intro-kim.eml"
run 0 "$P" --home "$A" matrix send --to kim@example.org --out "$T/a2k" --force --passphrase-file "$T/pass"
run 1 "$P" --home "$S" matrix check "$T/a2k/encrypted.eml" --passphrase-file "$T/pass2"
expect_in "$OUT" "in:encrypted  failed  (from alice@example.org, encrypted to none of your certificates (it is for " "not for me: to none of yours"
# Alice's copy to Kim fills Kim's out cell, not Sam's
run 0 "$P" --home "$A" matrix check "$T/a2k/encrypted.eml" --passphrase-file "$T/pass"
expect_in "$OUT" "out:encrypted  passed  (to kim@example.org, encrypted (AES-256-CBC) to kim@example.org and to you)" "out copy for Kim"

# --- the real clients' sets (corpus) -----------------------------------------
printf 'smime2\n' > "$T/smime2"
printf 'smime1\n' > "$T/smime1"
H2="$T/smime2-home"
run 0 "$P" --home "$H2" restore "$C/certs/smime-2-secret.pfx" --passphrase-file "$T/smime2" --new-passphrase-file "$T/pass"
run 0 "$P" --home "$H2" import "$C/certs/smime-1.crt"
run 0 "$P" --home "$H2" trust smime1@hmailserver.test --verified phone
for client in Writing Message; do
	run 0 "$P" --home "$H2" matrix check "$C/received-at-smime2/$client from smime1 to smime2 (plain).eml" \
		"$C/received-at-smime2/$client from smime1 to smime2 (signed).eml" \
		"$C/received-at-smime2/$client from smime1 to smime2 (encrypted).eml" \
		"$C/received-at-smime2/$client from smime1 to smime2 (signed and encrypted).eml" \
		--passphrase-file "$T/pass"
	expect_in "$(cells "$H2" smime1@hmailserver.test)" "in:plain=passed in:signed=passed in:encrypted=passed in:signed-encrypted=passed" "$client set fills the in cells"
	case $client in
	Writing)
		expect_in "$OUT" "in:signed  passed  (from smime1@hmailserver.test, valid signature, trusted)  written by Mozilla Thunderbird" "Thunderbird signed"
		expect_in "$OUT" "in:encrypted  passed  (from smime1@hmailserver.test, decrypted (AES-128-CBC))" "Thunderbird encrypted" ;;
	Message)
		expect_in "$OUT" "in:signed  passed  (from smime1@hmailserver.test, valid signature (SHA-1: Thunderbird 115 and later reject it; their mail program should sign with SHA-256, in Outlook: " "Outlook SHA-1 passes with a warning"
		expect_in "$OUT" "Hash algorithm), trusted)  written by Microsoft Outlook 15.0" "Outlook SHA-1: the fix, and who wrote it"
		expect_in "$OUT" "in:signed-encrypted  passed  (from smime1@hmailserver.test, decrypted (AES-256-CBC), valid signature (SHA-1" "Outlook opaque inside enveloped" ;;
	esac
	# start the next client's set from empty cells
	sed -i 's/ in=[a-z]*//g; s/ why-in-[a-z-]*=[^ ]*//g; s/ by-in-[a-z-]*=[^ ]*//g' "$H2/checklist"
done
# smime1's own Sent copies (Thunderbird) fill smime1's out cells.
H1="$T/smime1-home"
run 0 "$P" --home "$H1" restore "$C/certs/smime-1-secret.pfx" --passphrase-file "$T/smime1" --new-passphrase-file "$T/pass"
run 0 "$P" --home "$H1" import "$C/certs/smime-2.crt"
run 0 "$P" --home "$H1" matrix check "$C"/sent-from-smime1/*.eml --passphrase-file "$T/pass"
expect_in "$(cells "$H1" smime2@hmailserver.test)" "out:plain=passed out:signed=passed out:encrypted=passed out:signed-encrypted=passed" "Sent copies fill the out cells"
expect_in "$OUT" "smime2@hmailserver.test: 4 of 8 passed; still open: in:plain (todo)" "Thunderbird's copies count for the test"
expect_not_in "$OUT" "rehearsal" "Thunderbird's copies are no rehearsal"
expect_in "$OUT" "out:encrypted  passed  (to smime2@hmailserver.test, encrypted (AES-128-CBC) to smime2@hmailserver.test and to you)" "Sent copy encrypted to both"
# the received copies are not smime1's sent ones: with smime1's home they
# are out cells too (From is smime1) — and Outlook's SHA-1 shows its warning
run 0 "$P" --home "$H1" matrix check "$C/received-at-smime2/Message from smime1 to smime2 (signed).eml"
expect_in "$OUT" "out:signed  passed  (to smime2@hmailserver.test, valid signature by you (SHA-1" "Outlook copy as out"


# --- a home that does not exist: refused, and nothing is created -----------
N="$T/nohome"
run 1 "$P" --home "$N" matrix confirm --to sam@example.org --cell out:plain
expect_one_line_error "confirm in an empty home"
run 1 "$P" --home "$N" matrix check "$T/a2s/plain.eml"
expect_in "$ERR" "alice@example.org, who is not among your correspondents" "check in an empty home"
run 1 "$P" --home "$N" matrix send --to sam@example.org --out "$T/n2s"
expect_in "$ERR" "no credential yet" "send in an empty home"
run 0 "$P" --home "$N" matrix
expect_in "$OUT" "No correspondents yet" "the table of an empty home"
run 0 "$P" --home "$N" matrix --json
expect_in "$OUT" '{"peers":[]}' "the JSON table of an empty home"
ok; [ ! -e "$N" ] && [ ! -e "$T/n2s" ] || fail "refusals in an empty home created files"

finish

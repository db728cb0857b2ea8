#!/bin/sh
# Two people, Alice and Sam, each with their own home and their own folder,
# each in their own terminal (tmux, the real padseal, 80x24), driven only by
# keystrokes through all six steps: create (P-256, quick), back up, write
# the introduction mail and import the other's (the files are carried from
# one folder to the other, as mail would), verify side by side both ways
# (both screens name the same first reader; each fingerprint is read once,
# typed by the other; one mistyped group shows as wrong and is typed
# over), trust, write the four test messages, check
# the other's, confirm the outgoing cells (Alice by their word, Sam by
# checking his own sent copies).  Both homes end with every step done, all
# sixteen cells passed (Alice's eight with messages carrying a mail
# program's name, Sam's a rehearsal), trusted, verified by phone.
. "${PADSEAL_TESTLIB:?run through make check}"
. "$(dirname "$0")/tmux.sh"
need_tmux

PASS='correct horse battery staple'
BACKUP='another good passphrase 42'
A="$T/alice-home" S="$T/sam-home"
AF="$T/alice-files" SF="$T/sam-files"
mkdir -p "$AF" "$SF"

no_secret() {
	expect_not_in "$SCREEN" "horse" "$1: passphrase not drawn"
	expect_not_in "$SCREEN" "another good" "$1: passphrase not drawn"
}

# create_backup NAME ADDR: steps 1 and 2 on the terminal in use.
create_backup() {
	wait_for "1 Create" || return 1
	expect_in "$(line_with '1 Create')" "next" "$1: Create is next"
	keys Enter
	wait_for "Add another address" || return 1
	type_text "$1"
	keys Tab
	type_text "$2"
	keys Tab Tab Down Down Space
	wait_for "(•) EC P-256" || return 1
	keys Tab Tab Enter
	wait_for "Choose the passphrase" || return 1
	type_text "$PASS"
	keys Tab
	type_text "$PASS"
	keys Enter
	wait_for "Your credential is made" || return 1
	no_secret "$1: created"
	keys Enter
	wait_for "Write and check the backup" || return 1
	# The key was unlocked at Create: not asked again this sitting.
	expect_not_in "$SCREEN" "Key passphrase" "$1: key passphrase not asked again"
	keys Tab Tab
	type_text "$BACKUP"
	keys Tab
	type_text "$BACKUP"
	keys Enter
	wait_for "Backed up." || return 1
	no_secret "$1: backed up"
	keys Enter
	wait_for "1 Create" || return 1
	expect_in "$(line_with '2 Back up')" "done" "$1: Back up done"
	expect_in "$(line_with '3 Exchange')" "next" "$1: Exchange next"
}

# intro ADDR: step 3, the introduction mail for ADDR into ~/.
intro() {
	keys Enter
	wait_for "Send yours by mail" || return 1
	type_text "$1"
	wait_for "$OKMARK" || return 1
	keys Tab
	expect_in "$(line_with 'Save to')" "~/intro-for-$1.eml" "the file named for $1"
	expect_not_in "$SCREEN" "Key passphrase" "intro: key passphrase not asked again"
	keys Tab Enter
	wait_for "Wrote the introduction mail for $1." || return 1
	no_secret "intro for $1"
	expect_in "$(flat)" "Send it to $1 unchanged, as it is" "how to send it, in words"
	expect_in "$(flat)" "How to send the file itself: ? (help)" "the commands are in help"
	expect_not_in "$SCREEN" "sendmail" "no command line on the screen"
	expect_in "$(flat)" "Then call" "what comes after"
}

# import_intro ADDR FROM NAME: the introduction from FROM, saved in ~/ as
# the mail carried it, read (Tab completes its name), shown and stored;
# on to Verify.
import_intro() {
	keys Enter # "import theirs", from the page that said how to send
	wait_for "> File" || return 1
	type_text "~/intro-for-$1"
	keys Tab
	wait_for "~/intro-for-$1.eml" || return 1
	keys Enter
	wait_for "Found in ~/intro-for-$1.eml" || return 1
	expect_in "$SCREEN" "$3 <$2>" "the certificate's owner shown"
	expect_in "$SCREEN" "Fingerprint (SHA-256)" "the fingerprint shown"
	expect_in "$SCREEN" "Checks: will mail programs accept it?" "the checks shown"
	expect_in "$(flat)" "Enter stores it, untrusted" "nothing stored yet"
	keys Enter
	wait_for "Imported, not trusted yet." || return 1
	keys Enter
	wait_for "reads first" || return 1
}

# groups_of TAG: the 16 groups on the left of TAG's Verify screen (the
# fingerprint that side reads aloud), in order, space-separated.
groups_of() {
	use "$1"
	wait_for "Yours" >/dev/null
	printf '%s\n' "$SCREEN" | sed -n '7,14p' | cut -c1-40 |
		awk '{ for (i = 1; i + 1 <= NF; i += 2) g[$i] = $(i + 1) }
		     END { for (i = 1; i <= 16; i++) printf "%s ", g[i] }'
}

# type_groups GROUPS: type them into the Verify screen in use.
type_groups() {
	for g in $1; do
		type_text "$g"
	done
}

USERDIR=$AF
start_also alice "$A"
USERDIR=$SF
start_also sam "$S"

# 1, 2: both make a credential and back it up.
use alice
create_backup "Alice Example" alice@example.org
use sam
create_backup "Sam Example" sam@example.org

# 3: introductions, carried to the other's folder as mail would be.
use alice
intro sam@example.org
use sam
intro alice@example.org
cp "$AF/intro-for-sam@example.org.eml" "$SF/"
cp "$SF/intro-for-alice@example.org.eml" "$AF/"
use alice
import_intro alice@example.org sam@example.org "Sam Example"
use sam
import_intro sam@example.org alice@example.org "Alice Example"

# 4: each screen's left side is what the CLI says that side's fingerprint is.
sam_groups=$(groups_of sam)
alice_groups=$(groups_of alice)
run 0 "$PADSEAL" --home "$S" fingerprint --json
expect_in "$OUT" "\"groups\":[\"$(printf '%s' "$sam_groups" | sed 's/ $//; s/ /","/g')\"]" \
	"Sam's screen shows Sam's fingerprint"
run 0 "$PADSEAL" --home "$A" fingerprint --json
expect_in "$OUT" "\"groups\":[\"$(printf '%s' "$alice_groups" | sed 's/ $//; s/ /","/g')\"]" \
	"Alice's screen shows Alice's fingerprint"

# Both screens name the same first reader: the one whose fingerprint
# sorts first (either may, the keys are random), in the same words.
use alice
wait_for "reads first"
a_order=$(line_with "reads first")
use sam
wait_for "reads first"
s_order=$(line_with "reads first")
expect_in "${a_order#*meet. }" "${s_order#*meet. }" "both screens agree who reads first"
case $a_order in
*"Alice reads first, then Sam."*)
	R=alice RN=Alice Rg=$alice_groups L=sam LN=Sam Lg=$sam_groups ;;
*"Sam reads first, then Alice."*)
	R=sam RN=Sam Rg=$sam_groups L=alice LN=Alice Lg=$alice_groups ;;
*) fail "no first reader named: $a_order" ;;
esac
if [ $UTF8 = 1 ]; then DASH="—"; else DASH="-"; fi
# Whole lines, as drawn: nothing before or after, nothing cut.
line_is() {
	ok
	[ "$(printf '%s' "$1" | sed 's/ *$//')" = "$2" ] || fail "$3: the line is \"$1\", not \"$2\""
}
line_is "$a_order" "  Call Sam on a number you know, or meet. $RN reads first, then $LN." "Alice's order line"
line_is "$s_order" "  Call Alice on a number you know, or meet. $RN reads first, then $LN." "Sam's order line"
use $R
wait_for "reads first"
expect_in "$(flat)" "You read: say each group on the left to $LN, who types it." "$RN reads first"
line_is "$(line_with 'Yours')" "  Yours $DASH read it aloud (0/16)            $LN's $DASH $LN reads it after you" "$RN: the headings"
use $L
wait_for "reads first"
expect_in "$(flat)" "$RN reads out the groups of $RN's fingerprint" "$LN listens first"
expect_in "$(line_with 'Yours')" "Yours $DASH you read it next" "$LN reads next"
expect_not_in "$SCREEN" "…" "$LN: nothing cut at 80 columns"

# The first reader reads; the other types, group 5 misheard first, then
# typed over (no erasing) when it is read again.
set -- $Rg
g5=$5
wrong=$(printf '%s' "$g5" | tr '0123456789ABCDEF' '123456789ABCDEF0')
type_groups "$1 $2 $3 $4 $wrong"
wait_for "Group 5 is wrong"
expect_in "$(line_with ' 5  ')" "$wrong  $BADMARK" "group 5 shows as wrong"
expect_in "$(line_with ' 4  ')" "$4  $OKMARK" "group 4 shows as right"
expect_in "$(line_with 'type what you hear')" "(4/16)" "four right so far"
expect_in "$(flat)" "Ask $RN: \"group 5 again, please\", then go back to it (up arrow) and type it over the old one." "what to say and do"
expect_not_in "$SCREEN" "…" "the error fits"
keys Up
type_text "$g5"
wait_gone "Group 5 is wrong"
expect_in "$(line_with ' 5  ')" "$g5  $OKMARK" "group 5 corrected by typing over it"
# The cursor went on to group 6, the next empty one: group 6 typed now
# lands there.
type_text "$6"
wait_for "(6/16)"
expect_in "$(line_with ' 6  ')" "$6  $OKMARK" "group 6 typed where the cursor went"
shift 6
type_groups "$*"
wait_for "All 16 groups match the certificate you hold for $RN"
expect_in "$(flat)" "Tell $RN: \"all 16 match; now I read mine\"" "what to say next"
expect_in "$(line_with 'Yours')" "read it aloud (0/16)" "$LN reads now"
expect_in "$(flat)" "Now you read: say each group on the left to $RN." "$LN: now reading"
expect_not_in "$SCREEN" "…" "$LN: nothing cut"

# The first reader heard "all 16 match": a.  Now they type; nobody reads
# a fingerprint twice.
use $R
keys a
wait_for "type what you hear (0/16)"
expect_in "$(flat)" "$LN confirmed all your groups. Now $LN reads theirs" "$RN: the swap"
expect_in "$(line_with 'Yours')" "$LN confirmed it (16/16)" "$RN: own fingerprint done"
expect_not_in "$SCREEN" "…" "$RN: nothing cut"
type_groups "$Lg"
wait_for "How did you"
expect_in "$(flat)" "Tell $LN: \"all 16 match\"." "$RN: what to say at the end"
use $L
keys a
wait_for "How did you"
for who in alice sam; do
	use $who
	keys Enter
	wait_for "Trust this certificate"
done
use alice
wait_for "Trust this certificate"
expect_in "$SCREEN" "You and Sam compared every group just now (by phone)." "the method carried to Trust"
expect_in "$SCREEN" "intro-for-alice@example.org.eml" "the file it came from, whole"
expect_not_in "$SCREEN" "…" "Trust: nothing cut at 80 columns"
use sam
wait_for "Trust this certificate"
expect_in "$SCREEN" "You and Alice compared every group just now (by phone)." "the method carried to Trust"

# 5: trust, on both sides.
for who in alice sam; do
	use $who
	keys Enter
	wait_for "verified by phone." || continue
	expect_in "$(flat)" "Only this exact certificate is trusted" "$who: what trust means"
	keys Enter
	wait_for "outgoing" || continue
	expect_in "$(line_with 'outgoing')" "to do" "$who: nothing sent yet"
done

# 6: the four messages each way, carried across as mail would be.
for who in alice:sam@example.org sam:alice@example.org; do
	use "${who%%:*}"
	keys s
	wait_for "Write the four messages" || continue
	expect_in "$(line_with 'Folder')" "~/padseal-test-for-${who#*:}" "$who: the folder named"
	expect_not_in "$SCREEN" "Key passphrase" "$who: send: key passphrase not asked again"
	keys Enter
	wait_flat "Wrote the four test messages" || continue
	no_secret "$who: sent"
	expect_in "$(line_with 'outgoing')" "sent" "$who: outgoing sent"
done
cp -r "$AF/padseal-test-for-sam@example.org" "$SF/from-alice"
cp -r "$SF/padseal-test-for-alice@example.org" "$AF/from-sam"

# check_folder DIR: c, the folder, the passphrase: every .eml in it.
check_folder() {
	keys c
	wait_for "> Messages" || return 1
	keys C-u # the last folder checked is offered
	type_text "$1"
	expect_not_in "$SCREEN" "Key passphrase" "check: key passphrase not asked again"
	keys Down Enter # Tab would complete the name
	wait_for "Checked 4 messages: 4 passed, 0 failed." || return 1
	no_secret "checked $1"
}

use alice
check_folder "~/from-sam"
expect_in "$(line_with 'incoming')" "$OKMARK rehearsed     $OKMARK rehearsed     $OKMARK rehearsed     $OKMARK rehearsed" \
	"Alice: the four incoming passed, padseal's own: a rehearsal"
# Sam reports that each of hers arrived as it should.
# The cursor stays on the cell confirmed; Right moves on.
for kind in plain signed encrypted signed+encrypted; do
	keys Enter
	wait_for "Did Sam report that your $kind message" || break
	keys Enter
	wait_gone "Did Sam report" || break
	wait_flat "Outgoing $kind message: rehearsed" || break
	expect_in "$(flat)" "padseal's own message: a rehearsal" "Alice: $kind said to be padseal's"
	expect_not_in "$SCREEN" "…" "nothing cut on Test"
	keys Right
done
wait_for "Rehearsal passed"
expect_in "$(line_with 'Rehearsal passed')" "Rehearsal passed (padseal's messages): now send from your mail programs." "Alice: the rehearsal said plainly, on one line"
ok
[ -z "$(printf '%s\n' "$SCREEN" | sed -n 4p | tr -d ' ')" ] || fail "the banner runs into the table"

# The same messages as mail programs send them: their name in User-Agent
# (outside what is signed).  tests/mail/neomutt.sh has the real NeoMutt.
mkdir "$AF/mua-from-sam" "$AF/mua-sent"
for f in "$SF/padseal-test-for-alice@example.org"/*.eml; do
	{ printf 'User-Agent: NeoMutt/20220429\r\n'; cat "$f"; } > "$AF/mua-from-sam/${f##*/}"
done
for f in "$AF/padseal-test-for-sam@example.org"/*.eml; do
	{ printf 'User-Agent: Mozilla Thunderbird\r\n'; cat "$f"; } > "$AF/mua-sent/${f##*/}"
done
check_folder "~/mua-from-sam"
check_folder "~/mua-sent"
wait_for "All eight passed"
expect_in "$(line_with 'All eight passed')" "All eight passed: signed and encrypted mail works both ways with Sam." "Alice: said plainly, on one line"
expect_in "$(line_with 'incoming')" "$OKMARK passed        $OKMARK passed        $OKMARK passed        $OKMARK passed" \
	"Alice: the four incoming passed with a mail program"
keys Down
wait_flat "message: passed" && wait_flat "(written by NeoMutt 20220429)" && ok

use sam
check_folder "~/from-alice"
check_folder "~/padseal-test-for-alice@example.org"
wait_for "Rehearsal passed"
expect_in "$(line_with 'outgoing')" "$OKMARK rehearsed" "Sam: his sent copies passed, padseal's own"

# The home screens: Alice's six steps done; Sam's test still to do after
# the rehearsal.
for who in alice sam; do
	use $who
	keys Escape
	wait_for "6 Test" || continue
	for s in "1 Create" "2 Back up" "3 Exchange" "4 Verify" "5 Trust"; do
		expect_in "$(line_with "$s")" "done" "$who: $s done"
	done
	if [ $who = alice ]; then
		expect_in "$(line_with "6 Test")" "done" "$who: 6 Test done"
		expect_in "$SCREEN" "8/8" "$who: the correspondent's test"
	else
		expect_in "$(line_with "6 Test")" "next" "$who: 6 Test next after the rehearsal"
		expect_in "$(line_with "alice@example.org")" "0/8" "$who: no cell passed with a mail program"
		expect_in "$(line_with "alice@example.org")" "rehearsed" "$who: rehearsed"
		expect_in "$(flat)" "the rehearsal with Alice passed; now each of you sends the four kinds from your mail program" "$who: next said"
	fi
	keys q
	ended $who 0 "$who: q at the end" "Correspondents"
done

# The homes, as the command line sees them.
for H in "$A" "$S"; do
	run 0 "$PADSEAL" --home "$H" status --json
	expect_in "$OUT" '"steps":{"create":"done","backup":"done"}' "status: own steps"
	expect_in "$OUT" '"verified":"phone","trusted":true' "status: verified by phone and trusted"
	expect_in "$(printf '%s' "$OUT" | grep -o '"passed"' | wc -l | tr -d ' ')" "8" "status: eight cells passed"
	if [ "$H" = "$A" ]; then
		expect_in "$OUT" '"steps":{"exchange":"done","verify":"done","trust":"done","test":"done"}' "status: the peer's steps"
		expect_in "$OUT" '"tested":8,"written_by":{"out":{"plain":"Mozilla Thunderbird"' "status: Alice's cells by the mail programs"
		expect_not_in "$OUT" '"todo"' "status: nothing left to do"
	else
		expect_in "$OUT" '"steps":{"exchange":"done","verify":"done","trust":"done","test":"todo"}' "status: Sam's test after the rehearsal"
		expect_in "$OUT" '"tested":0,"written_by":{"out":{"plain":"padseal"' "status: Sam's cells by padseal"
	fi
done

finish

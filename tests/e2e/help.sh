#!/bin/sh
# Help on every screen, end to end: ? (or F1, in a text field where ? is
# typed) opens the page of the screen it is pressed on, rendered from its
# Markdown: no raw markers (**, #, backticks) anywhere on any page, the
# heading in bold and underlined, lists with their bullets or numbers;
# scrolling reaches the end, Tab goes through every topic, q returns to
# the screen it came from.  Once more in an ASCII locale without colour.
. "${PADSEAL_TESTLIB:?run through make check}"
. "$(dirname "$0")/tmux.sh"
need_tmux

H="$T/home"
run 0 "$PADSEAL" --home "$H" --new-passphrase-file "$T/pass" \
	create --name "Alice Example" --email alice@example.org --key p256
# A correspondent, so that steps 4 to 6 open their screens.
run 0 "$PADSEAL" --home "$T/sam" --new-passphrase-file "$T/pass" \
	create --name "Sam Example" --email sam@example.org --key p256
run 0 "$PADSEAL" --home "$T/sam" cert --out "$T/sam.pem"
run 0 "$PADSEAL" --home "$H" import "$T/sam.pem"

if [ $UTF8 = 1 ]; then DASH="—" BULLET="•"; else DASH="-" BULLET="*"; fi

# read_help TITLE MARKER: the help page TITLE is on screen; page through it
# to its end, checking every screenful, and expect list MARKER on it.
read_help() {
	wait_for "Help $DASH $1" || return
	all=
	n=0
	while :; do
		# $SCREEN is the settled frame wait_for or wait_gone saw.
		# Without the title bar and the status line.
		all="$all
$(printf '%s\n' "$SCREEN" | sed '1d;$d')"
		pos=$(printf '%s\n' "$SCREEN" | head -n 1 | grep -o 'lines [0-9]*-[0-9]* of [0-9]*')
		[ -n "$pos" ] || break # one screenful
		last=${pos#lines *-}
		[ "${last% of *}" != "${pos##* of }" ] || break
		keys Space
		wait_gone "$pos" || break
		n=$((n + 1))
		[ $n -lt 20 ] || { fail "$1: no end after 20 pages"; break; }
	done
	expect_not_in "$all" "**" "$1: no raw strong markers"
	expect_not_in "$all" '`' "$1: no raw backticks"
	expect_not_in "$all" "__" "$1: no raw emphasis markers"
	ok
	if printf '%s\n' "$all" | grep -Eq '^ *#{1,6}( |$)'; then
		fail "$1: a raw heading marker:
$(printf '%s\n' "$all" | grep -E '^ *#{1,6}( |$)')"
	fi
	# Text glued to a code span or emphasis ("(`.p12`)") wraps as one
	# word: no line starts with the punctuation that closed it.
	if printf '%s\n' "$all" | grep -Eq '^ *[),.;:]'; then
		fail "$1: a line starts with punctuation cut from its word:
$(printf '%s\n' "$all" | grep -E '^ *[),.;:]')"
	fi
	expect_in "$(printf '%s\n' "$all" | sed -n 3p)" "  $1" "$1: the heading first"
	expect_in "$all" "$2" "$1: a list"
	# The heading's attributes: bold and underlined.
	keys g
	wait_row 3 "  $1"
	head=$(tm capture-pane -p -e -t e2e | sed -n 3p)
	expect_in "$head" "1;4m" "$1: heading bold and underlined"
}

# help_from KEY TITLE MARKER BACK: KEY opens help TITLE; q returns to a
# screen showing BACK.
help_from() {
	keys "$1"
	read_help "$2" "$3"
	keys q
	wait_for "$4"
}

start help "$H"
if wait_for "1 Create"; then
	help_from '?' "padseal: your S/MIME set-up" "$BULLET Enter opens" "3 Exchange"

	# Every topic through Tab, in the order of the steps, back at home.
	keys F1
	wait_for "Help $DASH padseal"
	for t in "Create your credential" "Back up your credential" \
		"Exchange certificates" "Verify a certificate" \
		"Trust a certificate" "Test: the eight messages" \
		"A credential for someone else" "Put it in your mail programs" "Words padseal uses" \
		"padseal: your S/MIME set-up"; do
		keys Tab
		wait_for "Help $DASH $t"
	done
	# The glossary, read whole: the words people asked about, plainly.
	keys BTab
	read_help "Words padseal uses" "$BULLET Certificate: your ID card for mail"
	for w in "S/MIME:" "Fingerprint: a short code" "Backup file (.p12, PKCS#12)" \
		"CA (certificate authority)" "Key Usage:" "Legacy, modern"; do
		expect_in "$(printf '%s\n' "$all" | tr '\n' ' ' | tr -s ' ')" "$w" "glossary: $w"
	done
	keys Escape
	wait_for "1 Create"

	# The create form: in a text field ? is a character; F1 is help.
	keys 1 Enter
	wait_for "Add another address"
	keys '?'
	wait_for "Alice Example?"
	expect_not_in "$SCREEN" "Help $DASH" "? typed, not help"
	keys F1
	read_help "Create your credential" "$BULLET RSA 3072 is recommended"
	expect_in "$(printf '%s\n' "$all" | tr '\n' ' ' | tr -s ' ')" \
		"RFC 8550 <https://www.rfc-editor.org/rfc/rfc8550>" "a link with its target"
	expect_in "$all" "padseal create --name" "a code block"
	keys q
	wait_for "Add another address"
	keys BSpace Tab Tab Tab
	help_from '?' "Create your credential" "$BULLET" "Add another address"
	keys Escape
	wait_for "1 Create"

	keys 2 Enter
	wait_for "Save to"
	help_from F1 "Back up your credential" "$BULLET legacy (the default)" "Save to"
	keys Escape
	wait_for "1 Create"

	# Steps 3 to 6: each screen's own page.  In the address field ? is
	# typed: F1 there.
	keys 3 Enter
	wait_for "Send yours by mail"
	help_from F1 "Exchange certificates" "$BULLET By mail" "Send yours by mail"
	keys Escape 4 Enter
	wait_for "reads first"
	help_from '?' "Verify a certificate" "1. Call them" "reads first"
	keys Escape 5 Enter
	wait_for "Trust this certificate"
	help_from '?' "Trust a certificate" "$BULLET phone" "Trust this certificate"
	keys Escape 6 Enter
	wait_for "outgoing"
	help_from '?' "Test: the eight messages" "1. plain" "outgoing"
	keys Escape

	# Too small while reading help: the notice, then the page again.
	keys '?'
	wait_for "Help $DASH padseal"
	tm resize-window -t e2e -x 60 -y 20
	wait_for "padseal needs at least 80x24"
	tm resize-window -t e2e -x 80 -y 24
	wait_for "Help $DASH padseal"
	keys q
	wait_for "1 Create"
	keys q
	ended help 0 "q after help" "Correspondents"
fi

# ASCII, no colour: bullets as *, attributes without colour.
LOC=C UTF8=0 DASH="-" BULLET="*" PADSEAL_E2E_ENV="NO_COLOR=1"
start ascii "$H"
if wait_for "1 Create"; then
	expect_in "$(line_with '1 Create')" "[x]" "ASCII marks"
	keys '?'
	read_help "padseal: your S/MIME set-up" "  * Enter opens"
	expect_not_in "$all" "•" "no UTF-8 bullets in ASCII"
	colours=$(tm capture-pane -p -e -t e2e | grep -c '\[3[0-7]m\|\[4[0-7]m\|38;5' || true)
	expect_in "colours:$colours" "colours:0" "NO_COLOR: no colour codes"
	keys q
	wait_for "1 Create"
	keys q
	ended ascii 0 "q in ASCII" "Correspondents"
fi

finish

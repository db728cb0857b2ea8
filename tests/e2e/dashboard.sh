#!/bin/sh
# The dashboard end to end: the real program in a real terminal (tmux) at
# 80x24, read back from the screen.  It must draw the six steps, survive
# resizing (including below 80x24), quit on q, show a damaged checklist as
# its message, and give the terminal back in working order on q and on
# SIGTERM, SIGINT and SIGHUP.
. "${PADSEAL_TESTLIB:?run through make check}"

. "$(dirname "$0")/tmux.sh"
need_tmux

# 1. A new home: the steps, Create next, resize below and back, q.
start q "$T/home"
if wait_for "padseal"; then
	wait_for "Correspondents"
	for s in "1 Create" "2 Back up" "3 Exchange" "4 Verify" "5 Trust" "6 Test"; do
		expect_in "$SCREEN" "$s" "step title"
	done
	expect_in "$SCREEN" "No credential yet" "empty home"
	create=$(printf '%s\n' "$SCREEN" | grep "1 Create")
	expect_in "$create" "next" "Create is the next step"
	expect_in "$(printf '%s\n' "$SCREEN" | grep "2 Back up")" "to do" "Back up comes later"
	[ $UTF8 = 1 ] && expect_in "$create" "→" "UTF-8 symbol for next"
	expect_in "$(printf '%s\n' "$SCREEN" | tail -n 1)" "quit" "status line keys"

	# Enter opens the selected step: the Create form; Esc comes back.
	tm send-keys -t e2e Enter
	wait_for "Add another address"
	tm send-keys -t e2e Escape
	wait_gone "Add another address"
	# A step about a correspondent, with none yet, says what comes first.
	tm send-keys -t e2e 4 Enter
	wait_for "No correspondent yet"
	tm send-keys -t e2e Escape
	wait_gone "No correspondent yet"
	tm send-keys -t e2e 1

	tm resize-window -t e2e -x 60 -y 20
	wait_for "padseal needs at least 80x24"
	expect_in "$SCREEN" "this terminal is 60x20" "size in the notice"
	expect_not_in "$SCREEN" "Correspondents" "no dashboard while too small"
	tm resize-window -t e2e -x 80 -y 24
	wait_for "1 Create"
	expect_not_in "$SCREEN" "needs at least" "notice gone after resize"
	expect_in "$SCREEN" "No credential yet" "dashboard back after resize"

	# The idle dashboard holds no lock: a command can write the home
	# meanwhile (it would wait 3 s and give up), and r shows the result
	# with the selection moved on to the new next step.
	run 0 "$PADSEAL" --home "$T/home" --new-passphrase-file "$T/pass" \
		create --name "Alice Example" --email alice@example.org --key p256
	tm send-keys -t e2e r
	wait_for "Alice Example"
	expect_in "$SCREEN" "alice@example.org" "address shown"
	expect_in "$SCREEN" "not backed up" "backup state shown"
	expect_in "$SCREEN" "EC P-256, own CA, expires" "the form shown (the CA form by default)"
	expect_in "$(printf '%s\n' "$SCREEN" | grep "1 Create")" "done" "Create done"
	expect_in "$(printf '%s\n' "$SCREEN" | grep "2 Back up")" "next" "Back up next"
	tm send-keys -t e2e Enter
	wait_for "Back up your credential"
	expect_in "$SCREEN" "Save to" "the Back up form"
	tm send-keys -t e2e Escape
	wait_gone "Save to"

	tm send-keys -t e2e q
	wait_for "EXIT="
	ended q 0 "q" "Correspondents"
fi

# 2. Signals: the terminal is restored and padseal dies by the signal.
for sig in TERM:143 INT:130 HUP:129; do
	name=${sig%:*}
	start "$name" "$T/home"
	if wait_for "1 Create" && wait_file "$T/pid.$name"; then
		kill -"$name" "$(cat "$T/pid.$name")"
		ended "$name" "${sig#*:}" "SIG$name" "Correspondents"
	fi
done

# 3. A damaged checklist: its one-line message, not a crash; q still quits.
mkdir -m 700 "$T/home2"
printf 'garbage\n' > "$T/home2/checklist"
chmod 600 "$T/home2/checklist"
start damaged "$T/home2"
if wait_for "damaged"; then
	expect_in "$SCREEN" "cannot read this home" "error heading"
	expect_in "$SCREEN" "checklist" "the message names the file"
	expect_not_in "$SCREEN" "1 Create" "no steps from a damaged checklist"
	tm send-keys -t e2e q
	ended damaged 0 "q after an error" "cannot read this home"
fi
expect_in "$(cat "$T/home2/checklist")" "garbage" "damaged checklist left alone"

finish

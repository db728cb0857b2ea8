#!/bin/sh
# The dashboard end to end: the real program in a real terminal (tmux) at
# 80x24, read back from the screen.  It must draw the six steps, survive
# resizing (including below 80x24), quit on q, show a damaged checklist as
# its message, and give the terminal back in working order on q and on
# SIGTERM, SIGINT and SIGHUP.
. "${PADSEAL_TESTLIB:?run through make check}"

# Private tmux servers, one per run (a new server on the socket of one
# still shutting down can fail): never the user's own tmux.
SOCK=
stop_all() {
	for s in "$T"/tmux-*.sock; do
		[ -S "$s" ] && env -u TMUX tmux -S "$s" kill-server >/dev/null 2>&1
	done
}
trap 'stop_all; rm -rf "$T"' EXIT
WAIT_TRIES=150 # polls of 0.1 s: generous, for sanitizer builds on slow CI

tm() {
	env -u TMUX tmux -S "$SOCK" -f /dev/null "$@"
}

if ! command -v tmux >/dev/null 2>&1; then
	fail "tmux is missing: scripts/setup installs it"
	finish
	exit
fi

# A UTF-8 locale when the system has one, so the symbols are checked too.
LOC=C
for l in C.UTF-8 C.utf8 en_US.UTF-8 en_US.utf8; do
	if locale -a 2>/dev/null | grep -qx "$l"; then
		LOC=$l
		break
	fi
done
case $LOC in *[Uu][Tt][Ff]*) UTF8=1 ;; *) UTF8=0 ;; esac

# The pane runs padseal, then records how it ended and the terminal modes
# it left behind; the pid file lets a test send it signals.
cat > "$T/run.sh" <<'EOF'
#!/bin/sh
# run.sh TAG HOME
sh -c 'echo $$ > "$1"; exec "$2" --home "$3"' sh "$T/pid.$1" "$PADSEAL" "$2"
status=$?
echo "EXIT=$status"
stty -a > "$T/stty.$1.tmp" && mv "$T/stty.$1.tmp" "$T/stty.$1"
echo "$status" > "$T/exit.$1"
exec sleep 600
EOF

# start TAG HOME: a fresh 80x24 terminal running padseal on HOME.
start() {
	[ -z "$SOCK" ] || tm kill-server >/dev/null 2>&1
	SOCK="$T/tmux-$1.sock"
	rm -f "$T/pid.$1" "$T/exit.$1" "$T/stty.$1"
	tm new-session -d -s e2e -x 80 -y 24 \
		"env T='$T' PADSEAL='$PADSEAL' TERM=screen-256color LANG=$LOC LC_ALL=$LOC NO_COLOR= sh '$T/run.sh' $1 '$2'"
}

screen() {
	tm capture-pane -p -t e2e
}

# wait_for TEXT: poll the screen until TEXT is on it; $SCREEN holds it.
wait_for() {
	ok
	i=0
	while SCREEN=$(screen); do
		case $SCREEN in *"$1"*) return 0 ;; esac
		i=$((i + 1))
		[ $i -lt $WAIT_TRIES ] || break
		sleep 0.1
	done
	fail "\"$1\" never appeared; the screen shows:
$SCREEN"
	return 1
}

# wait_gone TEXT: poll until TEXT has left the screen.
wait_gone() {
	ok
	i=0
	while SCREEN=$(screen); do
		case $SCREEN in *"$1"*) ;; *) return 0 ;; esac
		i=$((i + 1))
		[ $i -lt $WAIT_TRIES ] || break
		sleep 0.1
	done
	fail "\"$1\" never left the screen:
$SCREEN"
	return 1
}

# wait_file PATH: poll until PATH exists.
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt $WAIT_TRIES ]; do
		i=$((i + 1))
		sleep 0.1
	done
	[ -s "$1" ]
}

expect_not_in() {
	TESTS_RUN=$((TESTS_RUN + 1))
	case $1 in
	*"$2"*) TESTS_FAILED=$((TESTS_FAILED + 1))
		printf 'FAIL: %s: "%s" is still there:\n%s\n' "$3" "$2" "$1" >&2 ;;
	esac
}

# ended TAG STATUS WHAT TEXT: padseal exited with STATUS, left the terminal
# echoing and line-buffered (a curses program that died without restoring
# leaves -echo -icanon behind) and left the alternate screen, which showed
# TEXT.
ended() {
	if ! wait_file "$T/exit.$1" || ! wait_file "$T/stty.$1"; then
		ok
		fail "$3: padseal did not end; the screen shows:
$(screen)"
		return
	fi
	expect_in "EXIT=$(cat "$T/exit.$1")" "EXIT=$2" "$3: exit status"
	modes=$(tr ' ;' '\n\n' < "$T/stty.$1")
	expect_in "$(printf '%s\n' "$modes" | grep -x -e echo -e icanon | sort | tr '\n' ' ')" \
		"echo icanon" "$3: terminal modes restored"
	expect_not_in "$(screen)" "$4" "$3: full screen left"
}

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

	# Enter opens the selected step (Create): for now, the command.
	tm send-keys -t e2e Enter
	wait_for "arrives in a later version"
	tm send-keys -t e2e Escape
	wait_gone "arrives in a later version"

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
	expect_in "$(printf '%s\n' "$SCREEN" | grep "1 Create")" "done" "Create done"
	expect_in "$(printf '%s\n' "$SCREEN" | grep "2 Back up")" "next" "Back up next"
	tm send-keys -t e2e Enter
	wait_for "passphrase-protected"
	tm send-keys -t e2e Escape
	wait_gone "passphrase-protected"

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

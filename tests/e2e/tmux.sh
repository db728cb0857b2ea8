# Helpers for the wizard's end-to-end tests: the real padseal in a private
# tmux server at 80x24, driven by keystrokes and read back from the screen.
# Sourced after tests/lib.sh, which provides $T, ok, fail, expect_in.
#
# Every wait is bounded polling (wait_for TEXT), never a sleep that a slow
# machine could outrun; WAIT_TRIES polls of 0.1 s is generous enough for
# sanitizer builds on a loaded CI machine.

SOCK=
stop_all() {
	for s in "$T"/tmux-*.sock; do
		[ -S "$s" ] && env -u TMUX tmux -S "$s" kill-server >/dev/null 2>&1
	done
}
trap 'stop_all; rm -rf "$T"' EXIT
WAIT_TRIES=${WAIT_TRIES:-150}

tm() {
	env -u TMUX tmux -S "$SOCK" -f /dev/null "$@"
}

need_tmux() {
	if ! command -v tmux >/dev/null 2>&1; then
		fail "tmux is missing: scripts/setup installs it"
		finish
		exit
	fi
}

# A UTF-8 locale when the system has one, so the symbols are checked too.
LOC=C
for l in C.UTF-8 C.utf8 en_US.UTF-8 en_US.utf8; do
	if locale -a 2>/dev/null | grep -qx "$l"; then
		LOC=$l
		break
	fi
done
case $LOC in *[Uu][Tt][Ff]*) UTF8=1 ;; *) UTF8=0 ;; esac
# The marks of a passed and a failed check, as the wizard draws them in
# that locale.
if [ $UTF8 = 1 ]; then OKMARK="✓" BADMARK="✗"; else OKMARK="+" BADMARK="x"; fi

# The pane runs padseal, then records how it ended and the terminal modes
# it left behind; the pid file lets a test send it signals.  HOME is the
# test's own folder, so the wizard's default paths stay inside it.
cat > "$T/run.sh" <<'EOS'
#!/bin/sh
# run.sh TAG HOME
sh -c 'echo $$ > "$1"; exec "$2" --home "$3"' sh "$T/pid.$1" "$PADSEAL" "$2"
status=$?
echo "EXIT=$status"
stty -a > "$T/stty.$1.tmp" && mv "$T/stty.$1.tmp" "$T/stty.$1"
echo "$status" > "$T/exit.$1"
exec sleep 600
EOS
mkdir -p "$T/user"

# start TAG HOME [COLSxROWS]: a fresh terminal running padseal on HOME,
# in place of the one open before.  The user's folder (HOME, where padseal
# starts) is $USERDIR, $T/user unless set.
start() {
	[ -z "$SOCK" ] || tm kill-server >/dev/null 2>&1
	SOCK="$T/tmux-$1.sock"
	size=${3:-80x24}
	udir=${USERDIR:-$T/user}
	mkdir -p "$udir"
	rm -f "$T/pid.$1" "$T/exit.$1" "$T/stty.$1"
	tm new-session -d -s e2e -x "${size%x*}" -y "${size#*x}" \
		"cd '$udir' && env HOME='$udir' T='$T' PADSEAL='$PADSEAL' TERM=screen-256color LANG=$LOC LC_ALL=$LOC NO_COLOR= ${PADSEAL_E2E_ENV:-} sh '$T/run.sh' $1 '$2'"
}

# start_also TAG HOME: as start, keeping the terminals already open (two
# people at once); `use TAG` says which one the helpers below drive.
start_also() {
	SOCK=
	start "$@"
}
use() {
	SOCK="$T/tmux-$1.sock"
}

screen() {
	tm capture-pane -p -t e2e
}

# keys KEY...: tmux key names (Enter, Tab, BTab, Escape, Up, C-u, F1...).
keys() {
	tm send-keys -t e2e "$@"
}

# type TEXT: literal text, no key names.
type_text() {
	tm send-keys -t e2e -l -- "$1"
}

# settle: $SCREEN once it stands still.  A capture can catch a frame half
# drawn (tmux reads the program's output in pieces); two equal captures in
# a row are a whole frame.  A screen that keeps moving (a progress
# indicator) is taken as it is after a second.
settle() {
	j=0
	while [ $j -lt 20 ]; do
		sleep 0.05
		NEXT=$(screen) || return
		[ "$NEXT" = "$SCREEN" ] && return
		SCREEN=$NEXT
		j=$((j + 1))
	done
}

# uncut: no text of $SCREEN is cut ("…" in it): every text fits the
# screen.  A path in a field's note may start with "…": cut from the left
# on purpose, the end of a path being what tells folders apart (the field
# above shows it as typed).  A test of the cut itself sets CUT_OK=1.
uncut() {
	[ "${CUT_OK:-0}" = 1 ] && return 0
	cut_line=$(printf '%s\n' "$SCREEN" | grep -F "…" | grep -v '^ *…' | head -n 1)
	[ -z "$cut_line" ] && return 0
	ok "nothing cut at the screen's width"
	fail "a text is cut: $cut_line
$SCREEN"
}

# wait_for TEXT: poll the screen until TEXT is on it; $SCREEN holds it.
wait_for() {
	ok
	i=0
	while SCREEN=$(screen); do
		case $SCREEN in *"$1"*) settle
			case $SCREEN in *"$1"*) uncut; return 0 ;; esac ;;
		esac
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
		case $SCREEN in *"$1"*) ;; *) settle
			case $SCREEN in *"$1"*) ;; *) return 0 ;; esac ;;
		esac
		i=$((i + 1))
		[ $i -lt $WAIT_TRIES ] || break
		sleep 0.1
	done
	fail "\"$1\" never left the screen:
$SCREEN"
	return 1
}

# wait_file PATH: poll until PATH exists and is not empty.
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt $WAIT_TRIES ]; do
		i=$((i + 1))
		sleep 0.1
	done
	[ -s "$1" ]
}

# flat: $SCREEN as one line, dialog borders dropped and runs of spaces
# squeezed, so that a sentence is found however the screen wrapped it.
flat() {
	printf '%s\n' "$SCREEN" | sed -e 's/│/ /g' -e 's/|/ /g' | tr '\n' ' ' |
		tr -s ' '
}

# wait_flat TEXT: as wait_for, for a sentence that may be wrapped.
wait_flat() {
	ok
	i=0
	while SCREEN=$(screen); do
		case $(flat) in *"$1"*) settle
			case $(flat) in *"$1"*) uncut; return 0 ;; esac ;;
		esac
		i=$((i + 1))
		[ $i -lt $WAIT_TRIES ] || break
		sleep 0.1
	done
	fail "\"$1\" never appeared; the screen shows:
$SCREEN"
	return 1
}

# wait_bottom TEXT ROWS: poll until the screen has ROWS rows and the last
# holds TEXT: the status line, redrawn at a new size.
wait_bottom() {
	ok
	i=0
	while SCREEN=$(screen); do
		case $(printf '%s\n' "$SCREEN" | wc -l):$(printf '%s\n' "$SCREEN" | tail -n 1) in
		*"$2:"*"$1"*) settle
			case $(printf '%s\n' "$SCREEN" | wc -l):$(printf '%s\n' "$SCREEN" | tail -n 1) in
			*"$2:"*"$1"*) return 0 ;;
			esac ;;
		esac
		i=$((i + 1))
		[ $i -lt $WAIT_TRIES ] || break
		sleep 0.1
	done
	fail "\"$1\" never appeared on the last row; the screen shows:
$SCREEN"
	return 1
}

# wait_row N TEXT: poll until row N (from 1) of the screen holds TEXT.
wait_row() {
	ok
	i=0
	while SCREEN=$(screen); do
		case $(printf '%s\n' "$SCREEN" | sed -n "$1p") in *"$2"*) settle
			case $(printf '%s\n' "$SCREEN" | sed -n "$1p") in *"$2"*) return 0 ;; esac ;;
		esac
		i=$((i + 1))
		[ $i -lt $WAIT_TRIES ] || break
		sleep 0.1
	done
	fail "\"$2\" never appeared on row $1; the screen shows:
$SCREEN"
	return 1
}

# line_with TEXT: the screen line (of $SCREEN) holding TEXT.
line_with() {
	printf '%s\n' "$SCREEN" | grep -F -- "$1" | head -n 1
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

# verify_listen: on a Verify screen that starts with this side reading
# (its fingerprint sorts first), the other confirmed every group (a); what
# follows is typed.  Either side may read first: the keys are random.
verify_listen() {
	wait_for "reads first" || return 1
	case $(flat) in
	*"You read: say each group"*)
		keys a
		wait_for "type what you hear (0/" ;;
	esac
}

# verify_done: every group typed right; when this side read second, the
# other now confirms its groups (a).  Waits for the method question.
verify_done() {
	wait_for "all heard right" || return 1
	case $(flat) in *"Now you read: say each group"*) keys a ;; esac
	wait_for "How did you"
}

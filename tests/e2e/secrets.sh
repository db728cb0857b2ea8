#!/bin/sh
# No core dump can hold a secret, and the hidden passphrase prompt gives the
# terminal back on every signal.  The real padseal in a real terminal
# (tmux): at its prompt, with part of a passphrase typed, it has a core
# size limit of 0; killed by SIGSEGV it leaves no core (core dumps allowed
# by the shell, the kernel writing "core" in the working folder where its
# pattern says so); Ctrl-\ (SIGQUIT) ends it like Ctrl-C with the echo back
# on and no core; Ctrl-Z puts the echo back while it is stopped and hides
# the typing again when it goes on.
. "${PADSEAL_TESTLIB:?run through make check}"

. "$(dirname "$0")/tmux.sh"
need_tmux

H="$T/home"
run 0 "$PADSEAL" --home "$H" --new-passphrase-file "$T/pass" \
	create --name "Alice Example" --email alice@example.org --key p256

# A core file is only looked for when the kernel writes one by that name
# into the working folder (a core_pattern that pipes to a collector keeps
# them elsewhere).
pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null || echo)
case $pattern in core | core.*) look_for_core=1 ;; *) look_for_core=0 ;; esac

# prompt TAG: padseal backup at its first hidden prompt, in a folder of
# its own, with core dumps allowed by the shell that started it.
cat > "$T/prompt.sh" <<'EOS'
#!/bin/sh
# prompt.sh TAG
mkdir -p "$T/cwd.$1" && cd "$T/cwd.$1" || exit 1
ulimit -c unlimited 2>/dev/null
# Ctrl-C and Ctrl-\ reach the whole foreground group: this shell waits
# them out (padseal gets them at their default) and reports.
trap true INT QUIT
sh -c 'echo $$ > "$1"; exec "$2" --home "$3" backup --out "$4"' sh "$T/pid.$1" "$PADSEAL" "$H" "$T/b.$1.p12"
status=$?
echo "EXIT=$status"
stty -a > "$T/stty.$1.tmp" && mv "$T/stty.$1.tmp" "$T/stty.$1"
echo "$status" > "$T/exit.$1"
exec sleep 600
EOS
prompt() {
	[ -z "$SOCK" ] || tm kill-server >/dev/null 2>&1
	SOCK="$T/tmux-$1.sock"
	rm -f "$T/pid.$1" "$T/exit.$1" "$T/stty.$1"
	tm new-session -d -s e2e -x 80 -y 24 \
		"env T='$T' H='$H' PADSEAL='$PADSEAL' TERM=screen-256color sh '$T/prompt.sh' $1"
	wait_for "Passphrase of" && wait_file "$T/pid.$1"
}

# no_core TAG: nothing in the run's folder, and no file of the test holds
# the part of the passphrase typed.
no_core() {
	ok
	if [ $look_for_core = 1 ] && [ -n "$(ls -A "$T/cwd.$1")" ]; then
		fail "$1: a core was written: $(ls -A "$T/cwd.$1")"
	fi
	grep -rlaq "typed-secret-$1" "$T" 2>/dev/null && fail "$1: the typed passphrase is in a file"
}

# 1. At the prompt: no core size; SIGSEGV leaves no core.
if prompt segv; then
	pid=$(cat "$T/pid.segv")
	limit=$(awk '/^Max core file size/ { print $5 "/" $6 }' "/proc/$pid/limits")
	expect_in "$limit" "0/0" "the core size limit is 0, hard too"
	type_text "typed-secret-segv"
	kill -SEGV "$pid"
	wait_file "$T/exit.segv" || fail "segv: padseal did not end"
	# 139: SIGSEGV; 134: a sanitizer build, whose handler reports the
	# signal and aborts.
	ok "ended by SIGSEGV"
	case $(cat "$T/exit.segv") in 139 | 134) ;; *) fail "segv: exit $(cat "$T/exit.segv"), wanted 139 (or 134 under ASan)" ;; esac
	no_core segv
else
	fail "the segv prompt never appeared"
fi

# 2. Ctrl-\ ends the prompt as Ctrl-C does: the echo back on, no core.
if prompt quit; then
	type_text "typed-secret-quit"
	keys 'C-\'
	if wait_file "$T/exit.quit" && wait_file "$T/stty.quit"; then
		expect_in "$(cat "$T/exit.quit")" "131" "ended by SIGQUIT"
		expect_not_in "$(cat "$T/stty.quit")" "-echo " "echo is back on after Ctrl-\\"
	else
		fail "quit: padseal did not end on Ctrl-\\"
	fi
	no_core quit
else
	fail "the quit prompt never appeared"
fi

# 3. Ctrl-Z: the prompt comes back (a shell without job control does not
# stop it), the typing still hidden, and the passphrase still taken.
if prompt tstp; then
	type_text "typed-secret-tstp"
	keys C-u C-z
	wait_for "Passphrase of"
	type_text "$(cat "$T/pass")"
	keys Enter
	wait_for "New passphrase for the backup"
	expect_not_in "$SCREEN" "$(cat "$T/pass")" "the typing stays hidden after Ctrl-Z"
	expect_not_in "$SCREEN" "typed-secret" "the typing stays hidden before Ctrl-Z"
	keys C-c
	wait_file "$T/exit.tstp" || fail "tstp: padseal did not end on Ctrl-C"
else
	fail "the tstp prompt never appeared"
fi
stop_all
finish

#!/bin/bash
# Crash consistency: kill -9 at random moments during create, backup,
# import, trust, untrust, matrix check and restore, at least 200 kills that
# landed while padseal ran.  After each one, whenever it landed:
#   - every command that only reads works (status, peers, show,
#     fingerprint): the checklist opens;
#   - no key and no stored certificate was lost or changed (every file
#     under identities/ and peers/ that existed before is byte-identical),
#     and every identity and correspondent is still listed;
#   - no clear private key is on disk (in the home or the backup folder);
#   - the killed command (backup, import, restore), run again, succeeds;
#   - the next command that writes leaves no temporary file behind, in the
#     home or (the next backup) in the backup folder.
# The random delay only chooses where the kill lands; no check depends on it.
. "$PADSEAL_TESTLIB"

P=$PADSEAL
KILLS=${PADSEAL_CRASH_KILLS:-200}
H="$T/alice" W="$T/work" BK="$T/bk"
mkdir -m 700 "$BK"

q() { "$@" </dev/null >"$T/q.out" 2>&1 || fail "setup: $*: $(cat "$T/q.out")"; }
q "$P" --home "$H" create --name "Alice Example" --email alice@example.org --key p256 --new-passphrase-file "$T/pass"
q "$P" --home "$T/bob" create --name "Bob Example" --email bob@example.org --key p256 --new-passphrase-file "$T/pass"
q "$P" --home "$T/carol" create --name "Carol Example" --email carol@example.org --key p256 --new-passphrase-file "$T/pass"
# Alice's credential of another machine, restored into her home beside hers.
q "$P" --home "$T/alice2" create --name "Alice Example" --email alice@example.org --key p256 --new-passphrase-file "$T/pass"
q "$P" --home "$T/alice2" backup --out "$T/alice2.p12" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2"
q "$P" --home "$T/bob" intro --to alice@example.org --out "$T/bob.eml" --passphrase-file "$T/pass"
q "$P" --home "$T/carol" intro --to alice@example.org --out "$T/carol.eml" --passphrase-file "$T/pass"
q "$P" --home "$H" intro --to bob@example.org --out "$T/alice.eml" --passphrase-file "$T/pass"
q "$P" --home "$H" import "$T/bob.eml"
q "$P" --home "$H" trust bob@example.org --verified phone
q "$P" --home "$T/bob" import "$T/alice.eml"
q "$P" --home "$T/bob" trust alice@example.org --verified phone
q "$P" --home "$T/bob" matrix send --to alice@example.org --out "$T/mx" --passphrase-file "$T/pass"
bobfpr=$("$P" --home "$H" fingerprint bob@example.org 2>&1)
cp -a "$H" "$T/alice0"

# The command of each kind, on the home $W: opcmd KIND sets OP to it, op
# KIND runs it.  The killed run is padseal itself (exec'd in the
# background job), not a shell around it.
verbs="create backup import trust untrust matrix restore"
opcmd() {
	case $1 in
	create) OP=("$P" --home "$W" create --replace --name "Alice Example" --email alice@example.org
		--key p256 --new-passphrase-file "$T/pass") ;;
	backup) OP=("$P" --home "$W" backup --out "$BK/alice.p12" --force --passphrase-file "$T/pass"
		--new-passphrase-file "$T/pass2") ;;
	import) OP=("$P" --home "$W" import "$T/carol.eml") ;;
	trust) OP=("$P" --home "$W" trust bob@example.org --verified phone) ;;
	untrust) OP=("$P" --home "$W" untrust bob@example.org) ;;
	matrix) OP=("$P" --home "$W" matrix check "$T/mx"/*.eml --passphrase-file "$T/pass") ;;
	restore) OP=("$P" --home "$W" restore "$T/alice2.p12" --passphrase-file "$T/pass2"
		--new-passphrase-file "$T/pass") ;;
	esac
}
op() {
	opcmd "$1"
	"${OP[@]}"
}

# The home a kind works on: import, matrix check and restore write only the
# first time, so each works on a fresh copy of Alice's home as it was set
# up (Bob's messages are encrypted to that credential); the others on her
# home itself, which changes run after run.
workon() {
	case $1 in
	import | matrix | restore)
		rm -rf "$W" && cp -a "$T/alice0" "$W" ;;
	*) rm -rf "$W" && ln -s "$H" "$W" ;;
	esac
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# How long each kind takes here, unkilled (the kill lands in [0, that]).
declare -A dur landed
for v in $verbs; do
	workon "$v"
	t0=$(now_ms)
	op "$v" </dev/null >"$T/op.out" 2>&1 || fail "calibration: $v failed: $(cat "$T/op.out")"
	dur[$v]=$(($(now_ms) - t0 + 20))
	landed[$v]=0
done
q "$P" --home "$H" trust bob@example.org --verified phone

# Under load every process started costs; the loop starts few besides
# padseal (bash's own tests and reads instead of grep, sed, cat).
# snapshot: every file under identities/ and peers/ with its hash.
snapshot() {
	sha256sum "$W"/identities/*/* "$W"/peers/*
}
# listed FILE HEX...: each fingerprint (as colon pairs) is in FILE.
listed() {
	local text f hex col
	f=$1
	shift
	IFS= read -r -d '' text < "$f"
	for hex in "$@"; do
		col=
		while [ -n "$hex" ]; do
			col=$col${col:+:}${hex:0:2}
			hex=${hex:2}
		done
		[[ $text == *"$col"* ]] || return 1
	done
}
leftovers() {
	find "$1/" \( -name '.*.[A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9]' \
		-o -name '*.prev.tmp' -o -name '.*.padseal-*' \) -print
}
readers=(status "peers --json" "show --json" "fingerprint bob@example.org")

# Each kind in turn that has had the fewest kills so far, until each has
# had its seventh of KILLS.
each=$(((KILLS + 6) / 7))
kills=0 runs=0
while [ "$runs" -lt $((KILLS * 20)) ]; do
	v=
	for k in $verbs; do
		[ "${landed[$k]}" -lt "$each" ] || continue
		[ -n "$v" ] && [ "${landed[$k]}" -ge "${landed[$v]}" ] && continue
		v=$k
	done
	[ -n "$v" ] || break
	runs=$((runs + 1))
	workon "$v"
	snapshot > "$T/before"
	# The identities listed before (a create killed before it recorded its
	# credential leaves a folder that was never listed: not one of them).
	ids=() peers=()
	"$P" --home "$W" show --json </dev/null >"$T/ids" 2>&1 || fail "show --json before the run: $(cat "$T/ids")"
	IFS= read -r -d '' out < "$T/ids"
	while [[ $out =~ \"fingerprint_sha256\":\"([0-9A-F:]+)\" ]]; do
		ids+=("${BASH_REMATCH[1]//:/}")
		out=${out#*"${BASH_REMATCH[0]}"}
	done
	[ "${#ids[@]}" -gt 0 ] || fail "show --json listed no identity: $(cat "$T/ids")"
	for f in "$W"/peers/[0-9A-F]*.pem; do
		f=${f##*/}
		peers+=("${f%.pem}")
	done
	d=$((RANDOM * 32768 + RANDOM))
	d=$((d % ${dur[$v]}))
	opcmd "$v"
	exec "${OP[@]}" </dev/null >/dev/null 2>&1 &
	pid=$!
	printf -v delay '%d.%03d' $((d / 1000)) $((d % 1000))
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	if [ "$rc" != 137 ]; then
		# It had finished: not a kill.  Kill sooner next time.
		[ "$d" -ge 5 ] && dur[$v]=$d || dur[$v]=5
		continue
	fi
	kills=$((kills + 1))
	landed[$v]=$((landed[$v] + 1))
	what="kill $kills ($v after ${d} ms)"
	ok "$what: readers work, nothing lost or changed, no clear key, the next writer cleans up"

	# The commands that only read, side by side: each one's status in r.N.rc.
	for i in 0 1 2 3; do
		# shellcheck disable=SC2086
		("$P" --home "$W" ${readers[$i]} </dev/null >"$T/r.$i" 2>&1; echo $? > "$T/r.$i.rc") &
	done
	wait
	for i in 0 1 2 3; do
		read -r rc < "$T/r.$i.rc"
		[ "$rc" = 0 ] || fail "$what: ${readers[$i]}: exit $rc: $(cat "$T/r.$i")"
	done
	IFS= read -r -d '' out < "$T/r.3"
	[ "${out%$'\n'}" = "$bobfpr" ] || fail "$what: Bob's fingerprint changed: $out"

	# No key or stored certificate lost or changed; everyone still listed.
	sha256sum --quiet -c "$T/before" >"$T/c.out" 2>&1 ||
		fail "$what: a stored file was lost or changed: $(cat "$T/c.out")"
	listed "$T/r.2" "${ids[@]}" || fail "$what: an identity is no longer listed: ${ids[*]}"
	listed "$T/r.1" "${peers[@]}" || fail "$what: a correspondent is no longer listed: ${peers[*]}"
	IFS= read -r -d '' out < "$T/r.1"
	[[ $out == *'"file_missing":true'* ]] && fail "$what: a correspondent's file is missing"

	# No clear private key on disk.
	if found=$(grep -rlaE 'BEGIN (RSA |EC )?PRIVATE KEY' "$W/" "$BK"); then
		fail "$what: a clear private key: $found"
	fi

	# The killed command runs again; the next writer leaves no temporary file.
	case $v in backup | import | restore)
		op "$v" </dev/null >"$T/again" 2>&1 || fail "$what: run again: $(cat "$T/again")" ;;
	esac
	# A command that surely writes: Bob's trust the other way round.
	if [[ $out == *'"trusted":true'* ]]; then
		"$P" --home "$W" untrust bob@example.org </dev/null >"$T/again" 2>&1
	else
		"$P" --home "$W" trust bob@example.org --verified phone </dev/null >"$T/again" 2>&1
	fi || fail "$what: the next writer failed: $(cat "$T/again")"
	left=$(leftovers "$W")
	[ -z "$left" ] || fail "$what: left over after the next write: $left"
	if [ "$v" = backup ]; then
		left=$(leftovers "$BK")
		[ -z "$left" ] || fail "$what: left over in the backup folder after the next backup: $left"
	fi
done

ok "at least $KILLS kills landed while padseal ran ($kills in $runs runs)"
[ "$kills" -ge "$KILLS" ] || fail "only $kills of $runs runs were killed while running"
for v in $verbs; do
	echo "# $v: ${landed[$v]} kills, the command takes about ${dur[$v]} ms" >&3
done
finish

#!/bin/sh
# The home against its surroundings.  On a read-only file system (a bind
# mount remounted read-only in a user namespace of its own) every command
# that only reads works; a command that writes says so in one sentence and
# changes nothing.  A .lock planted as a symbolic link is refused by every
# command and its target is neither created nor changed; so are a key and a
# correspondent's certificate replaced by links.  Temporary files that
# killed writers left are removed by the next command that writes.  Folders
# of the home replaced by links are refused.  In a home its owner may only
# read, reading works and writing says so.  A backup's temporary files
# outside the home are removed by the next backup there.
. "$PADSEAL_TESTLIB"

P=$PADSEAL
A="$T/alice" B="$T/bob"
run 0 "$P" --home "$A" create --name "Alice Example" --email alice@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$B" create --name "Bob Example" --email bob@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$B" intro --to alice@example.org --out "$T/bob.eml" --passphrase-file "$T/pass"
run 0 "$P" --home "$A" import "$T/bob.eml"
run 0 "$P" --home "$A" trust bob@example.org --verified phone
sum=$(tree_hash "$A")

# --- a read-only file system -------------------------------------------------------
cat > "$T/ro.sh" <<'EOS'
# ro.sh HOME PADSEAL T: inside a mount namespace, HOME read-only.
H=$1 P=$2 T=$3
mount --bind "$H" "$H" && mount -o remount,ro,bind "$H" || exit 99
touch "$H/probe" 2>/dev/null && exit 98
for c in status show peers "fingerprint bob@example.org" "lint bob@example.org" \
	matrix "matrix --to bob@example.org" "compare bob@example.org 1234" cert; do
	# shellcheck disable=SC2086
	"$P" --home "$H" $c > "$T/ro.out" 2>&1
	rc=$?
	case $c:$rc in compare*:1 | *:0) ;; *) echo "$c: exit $rc: $(cat "$T/ro.out")" ;; esac
	grep -q "lock\|read-only" "$T/ro.out" && echo "$c: $(cat "$T/ro.out")"
done
"$P" --home "$H" read "$T/bob.eml" --passphrase-file "$T/pass" > "$T/ro.out" 2>&1 ||
	echo "read: $(cat "$T/ro.out")"
"$P" --home "$H" untrust bob@example.org > "$T/ro.untrust" 2>&1
echo "untrust exit $?"
EOS
if out=$(unshare -rm sh "$T/ro.sh" "$A" "$P" "$T" 2>&1); then
	# Only the last line: every reading command worked, untrust failed.
	expect_in "$out" "untrust exit 1" "a write on a read-only home fails"
	[ "$out" = "untrust exit 1" ] || fail "commands that only read failed on a read-only home: $out"
	expect_in "$(cat "$T/ro.untrust")" \
		"is on a read-only file system; commands that only read it work, this one needs to write" \
		"one sentence for a write"
	grep -q "No longer" "$T/ro.untrust" && fail "success printed for a failed untrust"
elif [ "$(unshare -rm true 2>&1; echo $?)" != 0 ]; then
	ok # no user namespaces here: the read-only part cannot run
	echo "SKIP: unshare -rm is not allowed here; the read-only file system is not tested" >&2
else
	fail "the read-only run failed: $out"
fi
[ "$(tree_hash "$A")" = "$sum" ] || fail "the home changed"
ok

# --- a .lock that is a symbolic link ----------------------------------------------
rm -f "$A/.lock"
ln -s "$T/target" "$A/.lock"
sum=$(tree_hash "$A")
run 1 "$P" --home "$A" peers
expect_in "$ERR" ".lock is a symbolic link, which padseal does not follow; padseal changed nothing" "a reader refuses the planted link"
run 1 "$P" --home "$A" untrust bob@example.org
expect_in "$ERR" ".lock is a symbolic link" "a writer refuses the planted link"
[ -e "$T/target" ] && fail "the link's target was created"
touch "$T/target" && chmod 644 "$T/target"
run 1 "$P" --home "$A" trust bob@example.org --verified phone
[ "$(stat -c %a "$T/target")" = 644 ] || fail "the link's target was changed"
[ "$(tree_hash "$A")" = "$sum" ] || fail "the home changed"
ok
rm "$A/.lock"
run 0 "$P" --home "$A" untrust bob@example.org

# --- the key and a correspondent's certificate as symbolic links ---------------------
key=$(find "$A/identities" -name key.pem | head -n 1)
mv "$key" "$T/key.pem" && ln -s "$T/key.pem" "$key"
run 1 "$P" --home "$A" backup --out "$T/a.p12" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2"
expect_in "$ERR" "key.pem is a symbolic link, which padseal does not follow in its home" "a planted key link is refused"
[ -e "$T/a.p12" ] && fail "a backup was made from a planted key"
rm "$key" && mv "$T/key.pem" "$key"
peer=$(find "$A/peers" -name '[0-9A-F]*.pem' | head -n 1)
mv "$peer" "$T/peer.pem" && ln -s "$T/peer.pem" "$peer"
run 1 "$P" --home "$A" lint bob@example.org
expect_in "$ERR" "is a symbolic link, which padseal does not follow in its home" "a planted certificate link is refused"
rm "$peer" && mv "$T/peer.pem" "$peer"
run 0 "$P" --home "$A" backup --out "$T/a.p12" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2"

# --- temporary files of killed writers ------------------------------------------------
# Planted as a kill -9 in the middle of a write leaves them, with the
# writer's mark in the lock file ("1" from taking the lock until it ends;
# "0" once it has ended): the next command that writes removes them, and
# only them.  (tests/crash.sh kills real writers.)
id=$(dirname "$key")
peer=$(find "$A/peers" -name '[0-9A-F]*.pem' | head -n 1)
ok; [ "$(cat "$A/.lock")" = 0 ] || fail "the lock file of a home at rest is not marked 0: $(od -c "$A/.lock")"
# A leftover in peers/ without the mark: a writer that ended left none, so
# peers/ (a file per correspondent) is not looked through.
echo partial > "$peer.QwErTy0"
mv "$peer.QwErTy0" "$(dirname "$peer")/.$(basename "$peer").AbCdEf"
run 0 "$P" --home "$A" trust bob@example.org --verified phone
ok; [ -e "$(dirname "$peer")/.$(basename "$peer").AbCdEf" ] || fail "peers/ was looked through after a writer that ended"
for f in "$A/.checklist.Ab12Cd" "$A/checklist.prev.tmp" "$id/.key.pem.x1Y2z3" \
	"$peer.tmp" "$(dirname "$peer")/.$(basename "$peer").QwErTy"; do
	echo partial > "$f"
done
printf 1 > "$A/.lock" # the mark of a writer that did not end
echo mine > "$A/.keep.me"
run 0 "$P" --home "$A" peers
[ -e "$A/.checklist.Ab12Cd" ] || fail "a command that only reads removed a file"
run 0 "$P" --home "$A" trust bob@example.org --verified phone
for f in "$A/.checklist.Ab12Cd" "$A/checklist.prev.tmp" "$id/.key.pem.x1Y2z3" \
	"$(dirname "$peer")/.$(basename "$peer").QwErTy" "$(dirname "$peer")/.$(basename "$peer").AbCdEf"; do
	[ -e "$f" ] && fail "left over after the next write: $f"
done
ok; [ "$(cat "$A/.lock")" = 0 ] || fail "the writer that ended did not mark the lock 0"
[ -e "$A/.keep.me" ] && [ -e "$peer.tmp" ] || fail "a file that is not a leftover was removed"
ok

# --- folders of the home replaced by symbolic links ---------------------------------
# O_NOFOLLOW guards a path's last component only: a link in place of
# peers/, identities/ or identities/HEX/ would take every file under it
# elsewhere.  Every command refuses it, in one sentence, and changes nothing.
for d in peers identities "identities/$(basename "$id")"; do
	mv "$A/$d" "$T/moved" && ln -s "$T/moved" "$A/$d"
	sum=$(tree_hash "$A") out=$(tree_hash "$T/moved")
	for c in status peers show "fingerprint bob@example.org" "untrust bob@example.org" \
		"trust bob@example.org --verified phone"; do
		# shellcheck disable=SC2086
		run 1 "$P" --home "$A" $c
		expect_one_line_error "$d as a link: $c"
		expect_in "$ERR" "$A/$d is a symbolic link, which padseal does not follow in its home; padseal changed nothing" \
			"$d as a link: $c names it"
	done
	run 1 "$P" --home "$A" import "$T/bob.eml"
	ok "$d as a link: nothing changed on either side"
	[ "$(tree_hash "$A")" = "$sum" ] || fail "$d as a link: the home changed"
	[ "$(tree_hash "$T/moved")" = "$out" ] || fail "$d as a link: the link's target changed"
	rm "$A/$d" && mv "$T/moved" "$A/$d"
done
run 0 "$P" --home "$A" peers
# A folder of another user in the home is refused as well.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chown nobody "$A/peers"
	sum=$(tree_hash "$A")
	run 1 "$P" --home "$A" peers
	expect_one_line_error "peers/ of another user"
	expect_in "$ERR" "$A/peers belongs to another user, so padseal does not use it and changed nothing" \
		"peers/ of another user is named"
	run 1 "$P" --home "$A" untrust bob@example.org
	[ "$(tree_hash "$A")" = "$sum" ] || fail "peers/ of another user: the home changed"
	chown "$(id -u)" "$A/peers"
fi

# --- a home its owner may only read (EACCES) ------------------------------------------
# The tests run as root, whom file modes do not stop: the home is given to
# an unprivileged user (nobody), made read-only for them, and padseal runs
# as them (setpriv).
if [ "$(id -u)" != 0 ]; then
	RUNAS=
elif command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	RUNAS="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
else
	RUNAS=none
fi
if [ "$RUNAS" = none ]; then
	ok # root without setpriv: modes cannot be tested
	echo "SKIP: running as root without setpriv or a user nobody; the read-only home is not tested" >&2
else
	# Inside $T (removed at the end whatever happens), which the user may
	# pass through but not list.
	U="$T/eacces"
	chmod 711 "$T" && mkdir -m 755 "$U"
	cp -a "$A" "$U/home" && cp "$P" "$U/padseal" && cp "$T/pass" "$T/pass2" "$T/bob.eml" "$U/"
	mkdir "$U/out"
	[ -z "$RUNAS" ] || chown -R nobody "$U/home" "$U/out" "$U/pass" "$U/pass2" "$U/bob.eml"
	find "$U/home" -type d -exec chmod 500 {} +
	find "$U/home" -type f -exec chmod 400 {} +
	sum=$(tree_hash "$U/home")
	for c in status peers show "fingerprint bob@example.org" "lint bob@example.org" matrix cert; do
		# shellcheck disable=SC2086
		run 0 $RUNAS "$U/padseal" --home "$U/home" $c
	done
	run 0 $RUNAS "$U/padseal" --home "$U/home" read "$U/bob.eml"
	for c in "untrust bob@example.org" "import $U/bob.eml" \
		"create --replace --name A --email alice@example.org --key p256 --new-passphrase-file $U/pass" \
		"backup --out $U/out/a.p12 --passphrase-file $U/pass --new-passphrase-file $U/pass2" \
		"install --for thunderbird --out $U/out/tb --passphrase-file $U/pass --new-passphrase-file $U/pass2"; do
		# shellcheck disable=SC2086
		run 1 $RUNAS "$U/padseal" --home "$U/home" $c
		expect_one_line_error "read-only for its owner: ${c%% *}"
		expect_in "$ERR" "is not writable for you; commands that only read it work, this one needs to write" \
			"read-only for its owner: ${c%% *} says so"
	done
	ok "read-only for its owner: nothing changed, no backup or mail program folder left"
	[ "$(tree_hash "$U/home")" = "$sum" ] || fail "the read-only home changed"
	[ -z "$(ls -A "$U/out")" ] || fail "a refused command left files: $(ls -A "$U/out")"
	# A Thunderbird profile is not changed for a home that cannot record it.
	if command -v certutil >/dev/null; then
		mkdir "$U/prof" && certutil -N -d "sql:$U/prof" --empty-password > "$T/nss.out" 2>&1 ||
			fail "certutil -N: $(cat "$T/nss.out")"
		[ -z "$RUNAS" ] || chown -R nobody "$U/prof"
		prof=$(tree_hash "$U/prof")
		run 1 $RUNAS "$U/padseal" --home "$U/home" --passphrase-file "$U/pass" install --for thunderbird \
			--profile "$U/prof"
		expect_one_line_error "read-only for its owner: install --profile"
		expect_in "$ERR" "is not writable for you" "read-only for its owner: install --profile says so"
		ok "read-only for its owner: the Thunderbird profile is as it was"
		[ "$(tree_hash "$U/prof")" = "$prof" ] || fail "the profile changed"
		[ "$(tree_hash "$U/home")" = "$sum" ] || fail "the read-only home changed"
	fi
	# Only peers/ read-only: the import that must write there refuses.
	chmod -R u+w "$U/home" && chmod 500 "$U/home/peers"
	hostile_cert "$U/mal.pem" && chmod 644 "$U/mal.pem"
	sum=$(tree_hash "$U/home")
	run 1 $RUNAS "$U/padseal" --home "$U/home" import "$U/mal.pem"
	expect_one_line_error "peers/ read-only: import"
	expect_in "$ERR" "not writable" "peers/ read-only: import says so"
	[ "$(tree_hash "$U/home")" = "$sum" ] || fail "peers/ read-only: the home changed"
	chmod -R u+w "$U" && rm -rf "$U" && chmod 700 "$T"
fi

# --- a backup's temporary files outside the home ---------------------------------------
# A backup killed while writing leaves .NAME.padseal-XXXXXX beside its
# file; the next backup to that folder removes it, and leaves alone a
# temporary file whose writer still holds it, and every other file.
mkdir -m 700 "$T/usb"
for f in .a.p12.padseal-Ab12Cd .old.p12.padseal-x1Y2z3 .a.p12.Ab12Cd .other.tmp a.txt; do
	echo partial > "$T/usb/$f"
done
exec 8>"$T/usb/.live.p12.padseal-LiVe00"
flock 8
run 0 "$P" --home "$A" backup --out "$T/usb/a.p12" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2"
ok "the next backup removed the stale temporary files, and only them"
for f in .a.p12.padseal-Ab12Cd .old.p12.padseal-x1Y2z3; do
	[ -e "$T/usb/$f" ] && fail "left over after the next backup: $f"
done
for f in .live.p12.padseal-LiVe00 .a.p12.Ab12Cd .other.tmp a.txt a.p12; do
	[ -e "$T/usb/$f" ] || fail "removed, though not a stale temporary file of padseal's: $f"
done
exec 8>&-

finish

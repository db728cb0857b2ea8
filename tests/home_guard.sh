#!/bin/sh
# The home against its surroundings.  On a read-only file system (a bind
# mount remounted read-only in a user namespace of its own) every command
# that only reads works; a command that writes says so in one sentence and
# changes nothing.  A .lock planted as a symbolic link is refused by every
# command and its target is neither created nor changed; so are a key and a
# correspondent's certificate replaced by links.  Temporary files that
# killed writers left are removed by the next command that writes.
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
# Planted as a kill -9 in the middle of a write leaves them; the next
# command that writes removes them, and only them.
id=$(dirname "$key")
peer=$(find "$A/peers" -name '[0-9A-F]*.pem' | head -n 1)
for f in "$A/.checklist.Ab12Cd" "$A/checklist.prev.tmp" "$id/.key.pem.x1Y2z3" \
	"$peer.tmp" "$(dirname "$peer")/.$(basename "$peer").QwErTy"; do
	echo partial > "$f"
done
echo mine > "$A/.keep.me"
run 0 "$P" --home "$A" peers
[ -e "$A/.checklist.Ab12Cd" ] || fail "a command that only reads removed a file"
run 0 "$P" --home "$A" trust bob@example.org --verified phone
for f in "$A/.checklist.Ab12Cd" "$A/checklist.prev.tmp" "$id/.key.pem.x1Y2z3" \
	"$(dirname "$peer")/.$(basename "$peer").QwErTy"; do
	[ -e "$f" ] && fail "left over after the next write: $f"
done
[ -e "$A/.keep.me" ] && [ -e "$peer.tmp" ] || fail "a file that is not a leftover was removed"
ok

finish

#!/bin/sh
# The command-line contract: exit statuses, one-line errors, refusals that
# leave the home untouched, bad input of every kind.
. "$PADSEAL_TESTLIB"

P=$PADSEAL
H="$T/home"

# --- usage errors: exit 2, one line ---
run 2 "$P" --home "$H" frobnicate && expect_one_line_error "unknown command"
expect_in "$ERR" 'unknown command "frobnicate"' "unknown command"
run 2 "$P" --home "$H" status --bogus && expect_one_line_error "unknown option"
run 2 "$P" --home "$H" status --der && expect_one_line_error "option of another verb"
expect_in "$ERR" "--der does not apply to status" "option of another verb"
run 2 "$P" --home "$H" create --name A --email a@example.org --days soon
expect_in "$ERR" "--days needs a whole number" "bad --days"
run 2 "$P" --home "$H" lint a b && expect_one_line_error "extra operand"
run 2 "$P" --home "$H" create --name A --email a@example.org --new-passphrase-file
expect_in "$ERR" "needs a value" "missing option value"
run 2 "$P" --home "$H" create --email a@example.org --new-passphrase-file "$T/pass"
expect_in "$ERR" "--name" "create without --name"
run 0 "$P" --help
expect_in "$OUT" "fingerprint" "--help lists the verbs"
run 0 "$P" --version
expect_in "$OUT" "padseal " "--version"

# --- read-only commands on a home that does not exist create nothing ---
run 0 "$P" --home "$H" status
expect_in "$OUT" "Credential: none yet" "status of an empty home"
run 0 "$P" --home "$H" status --json
expect_in "$OUT" '{"identity":null,"steps":{"create":"todo","backup":"todo"},"peers":[],"next":' "status --json, empty"
run 0 "$P" status --home "$H" --json    # options anywhere
run 0 "$P" --home "$H" show
expect_in "$OUT" "No credential yet" "show of an empty home"
run 1 "$P" --home "$H" cert && expect_one_line_error "cert without identity"
ok; [ ! -e "$H" ] || fail "read-only commands created the home"

# --- create: refusals before anything is written ---
run 2 "$P" --home "$H" create --name "Alice" --email alice@example.org
expect_in "$ERR" "use --new-passphrase-file" "no terminal, no passphrase option"
expect_one_line_error "no passphrase"
run 1 "$P" --home "$H" create --name "Alice" --email "Super User <user@example.org>" --new-passphrase-file "$T/pass"
expect_in "$ERR" 'give them separately: --name "Super User" --email user@example.org' "name and address split"
expect_one_line_error "name and address"
printf 'short\n' > "$T/weak"
run 1 "$P" --home "$H" create --name "Alice" --email alice@example.org --new-passphrase-file "$T/weak"
expect_in "$ERR" "too short" "weak passphrase"
: > "$T/empty"
run 1 "$P" --home "$H" create --name "Alice" --email alice@example.org --new-passphrase-file "$T/empty"
expect_in "$ERR" "empty" "empty passphrase"
run 1 "$P" --home "$H" create --name "Alice" --email alice@example.org --key dsa --new-passphrase-file "$T/pass"
expect_in "$ERR" "unknown key type" "bad key type"
ok; [ ! -e "$H/checklist" ] || fail "a refused create wrote the checklist"

# --- create, then the refusals that need an identity ---
run 0 "$P" --home "$H" create --name "Alice Example" --email Alice@Example.org \
	--email alice@work.example --key p256 --new-passphrase-file "$T/pass"
expect_in "$OUT" "Created a credential for Alice Example <Alice@Example.org>" "create"
expect_in "$OUT" "0 errors, 0 warnings" "fresh credential lints clean"
before=$(tree_hash "$H")
run 1 "$P" --home "$H" create --name "Alice" --email alice@example.org --new-passphrase-file "$T/pass"
expect_in "$ERR" "already has a credential for Alice@Example.org" "second create"
expect_one_line_error "second create"
ok; [ "$before" = "$(tree_hash "$H")" ] || fail "a refused second create changed the home"
for cmd in status show "show --json" "status --json" cert fingerprint "fingerprint --sha1" lint; do
	# shellcheck disable=SC2086
	run 0 "$P" --home "$H" $cmd
done
ok; [ "$before" = "$(tree_hash "$H")" ] || fail "read-only commands changed the home"

run 0 "$P" --home "$H" status --json
expect_in "$OUT" '"identity":{"name":"Alice Example","emails":["Alice@Example.org","alice@work.example"],"fingerprint_sha256":"' "status --json identity"
expect_in "$OUT" '"backed_up":false},"steps":{"create":"done","backup":"todo"},"peers":[]' "status --json steps"

# --- cert: export, no overwrite ---
run 0 "$P" --home "$H" cert --out "$T/alice.pem"
run 1 "$P" --home "$H" cert --out "$T/alice.pem"
expect_in "$ERR" "already exists" "cert refuses to overwrite"
run 0 "$P" --home "$H" cert --der --out "$T/alice.der"
run 0 "$P" --home "$H" cert --out "$T/alice.pem" --force
run 1 "$P" --home "$H" cert --out "$T/given.pem" --to "Sam <sam@example.org>"
expect_in "$ERR" "give them separately" "cert --to takes a bare address"
run 0 "$P" --home "$H" cert --out "$T/given.pem" --to sam@example.org
expect_in "$(cat "$H/checklist")" "sent to=sam@example.org" "cert --to records the hand-over"
expect_in "$(cat "$H/checklist")" "how=in-person" "... as handed over in person"
run 0 "$P" --home "$H" fingerprint "$T/alice.der"
der_fpr=$(printf '%s\n' "$OUT" | head -n 1)
# (`fingerprint` alone reads the CA's for the CA form: compare the file's.)
ok; [ "$der_fpr" = "$(openssl x509 -in "$(ls -d "$H"/identities/*)/cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)" ] ||
	fail "fingerprint of DER export differs"

# --- --replace archives, never deletes ---
old_key=$(ls "$H"/identities/*/key.pem)
run 0 "$P" --home "$H" create --replace --name "Alice Example" --email Alice@Example.org \
	--key p256 --new-passphrase-file "$T/pass"
ok; [ -f "$old_key" ] || fail "--replace lost the old key"
run 0 "$P" --home "$H" show
expect_in "$OUT" "(archived)" "show lists the archived identity"
expect_in "$OUT" "replaced by" "show says why it was archived"
run 0 "$P" --home "$H" show --json
expect_in "$OUT" '"status":"archived"' "show --json archived"

# --- modes ---
ok; [ "$(stat -c %a "$H")" = 700 ] || fail "home is not 0700"
for f in $(find "$H" -type f); do
	ok; [ "$(stat -c %a "$f")" = 600 ] || fail "$f is not 0600"
done
for d in $(find "$H" -type d); do
	ok; [ "$(stat -c %a "$d")" = 700 ] || fail "$d is not 0700"
done

# --- bad input to lint / fingerprint: one line, exit 1, nothing changes ---
before=$(tree_hash "$H")
head -c 3000 /dev/urandom > "$T/garbage"
: > "$T/zero"
head -c 400 "$T/alice.pem" > "$T/truncated.pem"
truncate -s 100M "$T/huge"
printf 'a\0b' > "$T/nul"
mkdir "$T/adir"
for f in garbage zero truncated.pem huge nul adir missing; do
	for verb in lint fingerprint; do
		run 1 "$P" --home "$H" $verb "$T/$f" && expect_one_line_error "$verb $f"
	done
done
expect_in "$ERR" "does not exist" "missing file"
run 1 "$P" --home "$H" lint "$T/huge"
expect_in "$ERR" "too large" "huge file"
run 1 "$P" --home "$H" lint "$T/zero"
expect_in "$ERR" "is empty" "empty file"
run 1 "$P" --home "$H" lint "$T/truncated.pem"
expect_in "$ERR" "damaged certificate" "truncated PEM"
ok; [ "$before" = "$(tree_hash "$H")" ] || fail "bad input changed the home"

# --- an unusable home ---
: > "$T/plainfile"
run 1 "$P" --home "$T/plainfile" create --name A --email a@example.org --new-passphrase-file "$T/pass"
expect_in "$ERR" "not a folder" "home is a file"
run 1 "$P" --home "$T/plainfile/sub" create --name A --email a@example.org --new-passphrase-file "$T/pass"
expect_one_line_error "home under a file"
mkdir -m 755 "$T/open"
run 1 "$P" --home "$T/open" create --name A --email a@example.org --new-passphrase-file "$T/pass"
expect_in "$ERR" "chmod 700" "home open to others"
run 1 "$P" --home /proc/padseal-home create --name A --email a@example.org --new-passphrase-file "$T/pass"
expect_one_line_error "unwritable home"

# --- a damaged checklist is reported, never reset ---
cp -p "$H/checklist" "$T/good"
printf 'padseal-checklist 1\nidentity fpr=' > "$H/checklist"
before=$(tree_hash "$H")
run 1 "$P" --home "$H" status
expect_in "$ERR" "$H/checklist is damaged" "damaged checklist"
expect_one_line_error "damaged checklist"
printf 'padseal-checklist 9\nend\n' > "$H/checklist"
run 1 "$P" --home "$H" show
expect_in "$ERR" "newer padseal" "future checklist"
printf 'padseal-checklist 1\nidentity fpr=' > "$H/checklist"
ok; [ "$before" = "$(tree_hash "$H")" ] || fail "a damaged checklist was touched"
cp -p "$T/good" "$H/checklist"

# --- a full disk during create leaves the home as it was ---
before=$(tree_hash "$H")
(ulimit -f 1; "$P" --home "$H" create --replace --name B --email b@example.org \
	--key rsa2048 --new-passphrase-file "$T/pass" </dev/null >/dev/null 2>"$T/stderr"; echo $? > "$T/rc")
ERR=$(cat "$T/stderr")
ok; [ "$(cat "$T/rc")" = 1 ] || fail "full disk: exit $(cat "$T/rc")"
expect_in "$ERR" "disk is full" "full disk"
ok; [ "$before" = "$(tree_hash "$H")" ] || fail "a failed create on a full disk changed the home"

# --- a full disk under every verb that writes the checklist: a success is
# printed only once it is saved; the home stays as it was ---
F="$T/full"
run 0 "$P" --home "$F" create --name "Fay Full" --email fay@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/gus" create --name "Gus Peer" --email gus@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/gus" cert --out "$T/gus.pem"
run 0 "$P" --home "$T/hal" create --name "Hal Peer" --email hal@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/hal" cert --out "$T/hal.pem"
run 0 "$P" --home "$F" import "$T/gus.pem"
run 0 "$P" --home "$F" trust gus@example.org --verified phone
ok; [ "$(wc -c < "$F/checklist")" -gt 1024 ] || fail "the checklist is too small for the test"
for c in "untrust gus@example.org" "import $T/hal.pem"; do
	before=$(tree_hash "$F")
	# shellcheck disable=SC2086
	(ulimit -f 1; "$P" --home "$F" $c </dev/null >"$T/stdout" 2>"$T/stderr"; echo $? > "$T/rc")
	ok "full disk: ${c%% *} fails"; [ "$(cat "$T/rc")" = 1 ] || fail "exit $(cat "$T/rc"): $(cat "$T/stdout")"
	expect_in "$(cat "$T/stderr")" "disk is full" "full disk: ${c%% *} says so"
	ok "full disk: ${c%% *} prints no success"; [ ! -s "$T/stdout" ] || fail "$(cat "$T/stdout")"
	ok "full disk: ${c%% *} leaves the home as it was"; [ "$before" = "$(tree_hash "$F")" ] || fail "changed"
done
run 0 "$P" --home "$F" untrust gus@example.org
before=$(tree_hash "$F")
(ulimit -f 1; "$P" --home "$F" trust gus@example.org --verified phone </dev/null >"$T/stdout" 2>"$T/stderr"; echo $? > "$T/rc")
ok "full disk: trust fails, silent"; [ "$(cat "$T/rc")" = 1 ] && [ ! -s "$T/stdout" ] || fail "exit $(cat "$T/rc"): $(cat "$T/stdout")"
ok "full disk: trust leaves the home as it was"; [ "$before" = "$(tree_hash "$F")" ] || fail "changed"

# --- a correspondent's record without its fingerprint: every verb says the
# checklist is damaged and how to recover; none crashes ---
cp -a "$F" "$T/nofpr"
sed -i 's/^peer fpr=[0-9A-F]* /peer /' "$T/nofpr/checklist"
before=$(tree_hash "$T/nofpr")
for c in "import $T/hal.pem" "compare gus@example.org 00" "peers" "trust gus@example.org --verified phone"; do
	# shellcheck disable=SC2086
	run 1 "$P" --home "$T/nofpr" $c
	expect_in "$ERR" "the peer record has no fpr" "no fpr=: ${c%% *} names the damage"
	expect_in "$ERR" "checklist.prev" "no fpr=: ${c%% *} says how to recover"
	expect_one_line_error "no fpr=: ${c%% *}"
done
ok "no fpr=: the home as it was"; [ "$before" = "$(tree_hash "$T/nofpr")" ] || fail "changed"

# --- two processes on one home ---
run 0 "$P" --home "$T/race" create --name R --email r@example.org --key p256 --new-passphrase-file "$T/pass" &
run 0 "$P" --home "$T/race2" create --name R --email r@example.org --key p256 --new-passphrase-file "$T/pass"
wait
rm -rf "$T/r"
mkdir -m 700 "$T/r"
pids=""
for i in 1 2 3 4; do
	"$P" --home "$T/r" create --name "R$i" --email "r$i@example.org" --key p256 \
		--new-passphrase-file "$T/pass" </dev/null >/dev/null 2>"$T/r.err.$i" &
	pids="$pids $!"
done
wins=0
for p in $pids; do wait "$p" && wins=$((wins + 1)); done
ok; [ "$wins" = 1 ] || fail "concurrent creates: $wins succeeded, wanted exactly 1"
run 0 "$P" --home "$T/r" status --json
ok; [ "$(ls "$T/r/identities" | wc -l)" = 1 ] || fail "concurrent creates left $(ls "$T/r/identities" | wc -l) identities"

finish

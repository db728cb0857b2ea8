#!/bin/bash
# Renewal in the wizard: a CA-form certificate near its end is said on the
# home screen with the key that renews it (n); the Renew screen makes a new
# key and certificate from the person's own CA (op_renew, as padseal
# renew), the old ones archived and kept; Enter goes on to Exchange to send
# it.  Sam, who trusted the CA, then reads the new certificate's mail as
# valid and trusted without a new call.  A self-signed credential is told
# to make a new one instead.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/e2e/tmux.sh"
need_tmux

P=$PADSEAL
A="$T/alice" S="$T/sam"
run 0 "$P" --home "$A" create --name "Alice Example" --email alice@example.org --key p256 --days 30 \
	--new-passphrase-file "$T/pass"
run 0 "$P" --home "$S" create --name "Sam Tester" --email sam@example.org --key p256 \
	--new-passphrase-file "$T/pass2"
run 0 "$P" --home "$A" cert --out "$T/alice.pem"
run 0 "$P" --home "$S" import "$T/alice.pem"
run 0 "$P" --home "$S" trust alice@example.org --verified phone
oldkey=$(ls "$A"/identities/*/key.pem)
oldsum=$(sha256sum < "$oldkey")

start renew "$A"
if wait_for "1 Create"; then
	wait_flat "n renews it from your own CA; your correspondents need no new phone call."
	keys n
	wait_for "Renew your certificate"
	expect_in "$(flat)" "Your own CA (valid until" "the CA that issues it"
	keys Enter # an empty passphrase: said on its field
	wait_flat "Type the passphrase of your key"
	type_text "not the passphrase"
	keys Enter
	wait_flat "the passphrase does not unlock"
	keys C-u
	type_text "$(cat "$T/pass")"
	keys Enter
	WAIT_TRIES=600 wait_for "Renewed."
	expect_in "$(flat)" "they take the new certificate without a new phone call" "no new call"
	expect_not_in "$SCREEN" "…" "the result: nothing cut"
	keys Enter
	wait_for "Exchange"
	keys Escape
	wait_for "1 Create"
	expect_not_in "$(flat)" "n renews it" "the problem gone"
	keys q
fi
run 0 "$P" --home "$A" show --json
expect_in "$OUT" '"archived":[{' "the old certificate archived"
ok "the old key kept, unchanged"; [ "$(sha256sum < "$oldkey")" = "$oldsum" ] || fail "the old key changed"
run 0 "$P" --home "$A" --passphrase-file "$T/pass" intro --to sam@example.org --out "$T/new.eml"
run 0 "$P" --home "$S" read "$T/new.eml"
expect_in "$OUT" "trusted" "Sam reads the renewed certificate's mail as trusted"

# A self-signed credential near its end: make a new one.
run 0 "$P" --home "$T/self" create --self-signed --name "Sol Self" --email sol@example.org --key p256 \
	--days 30 --new-passphrase-file "$T/pass"
start self "$T/self"
if wait_for "1 Create"; then
	wait_flat "make a new one soon (Create)"
	keys n
	wait_flat "no CA of its own here to renew it"
	keys Enter
	wait_for "1 Create"
	keys q
fi
finish

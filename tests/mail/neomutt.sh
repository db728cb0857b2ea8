#!/bin/bash
# Real mail programs as the senders: NeoMutt, in a terminal (tmux), for
# Alice and for Sam, each set up from padseal install --for neomutt (the
# .p12, the CA, the correspondent's certificate, taken by neomutt's own
# smime_keys), composes the four kinds (plain, signed, encrypted, signed
# and encrypted) and sends them through the test's Postfix (SMTP with
# STARTTLS and a login).  padseal fetches them from Dovecot with matrix
# check --imap and passes the incoming cells as written by NeoMutt -- the
# test, not the rehearsal; each one's own copies (Fcc, what the Sent folder
# keeps) pass the outgoing cells.  The test step is then done both ways.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/mail/servers.lib"
WAIT_TRIES=1200 # 120 s: openssl, SMTP and delivery on a loaded machine
. "$(dirname "$PADSEAL_TESTLIB")/e2e/tmux.sh"
need_tmux
command -v neomutt >/dev/null 2>&1 || { fail "neomutt is missing: scripts/setup installs it"; finish; exit 1; }
SMIME_KEYS=/usr/libexec/neomutt/smime_keys
[ -x "$SMIME_KEYS" ] || { fail "neomutt's smime_keys is not at $SMIME_KEYS"; finish; exit 1; }

servers_start || { finish; exit 1; }
trap 'stop_all; servers_stop; rm -rf "$T"' EXIT

P=$PADSEAL
A="$T/alice"
S="$T/sam"
CA="$MS/tls/ca.crt"
IMAP="imap://127.0.0.1:$IMAP_PORT/INBOX"

# --- two padseal homes: certificates exchanged, verified, trusted ----------
# RSA: smime_keys marks EC certificates usable for signing only (padseal
# install --for neomutt says so), and Sam's NeoMutt encrypts to Alice.
trusting_pair "$A" "$S" rsa3072

# --- NeoMutt for each, set up as padseal install --for neomutt says --------
# nm_setup WHO NAME HOME PASSFILE: $T/nm-WHO with WHO's credential (the
# .p12 of install --for neomutt), its CA, the correspondent's certificate.
NMPASS="neomutt key pass 1"
printf 'file pass 5\n' > "$T/p12pass"
nm_setup() {
	M="$T/nm-$1" I="$T/install-$1"
	mkdir -m 700 "$M" "$M/mail" "$M/mail/cur" "$M/mail/new" "$M/mail/tmp"
	run 0 "$P" --home "$3" --passphrase-file "$4" --new-passphrase-file "$T/p12pass" install --for neomutt --out "$I"
	p12=$(sed -n "s|.*smime_keys add_p12 '\([^']*\)'.*|\1|p" "$I/STEPS.txt")
	ok; [ -f "$p12" ] || fail "install --for neomutt names no .p12: $(cat "$I/STEPS.txt")"
	ok; grep -q "smime_keys add_root FILE" "$I/STEPS.txt" || fail "install --for neomutt has no add_root step: $(cat "$I/STEPS.txt")"
	# The CAs (add_root): one's own (your-ca) and the correspondent's
	# (ADDR-ca); smime_ca_location holds them too.
	cat "$I"/your-ca*.pem "$I"/*-ca.pem > "$M/ca.pem"
	{
		printf 'set crypt_use_gpgme=no\nsource /etc/neomuttrc.d/smime.rc\n'
		printf 'set smime_keys="%s/keys"\nset smime_certificates="%s/certs"\n' "$M" "$M"
		printf 'set smime_ca_location="%s/ca.pem"\n' "$M"
		printf 'set from="%s <%s@example.org>"\nset use_from=yes\n' "$2" "$1"
		printf 'set smtp_url="smtp://%s%%40example.org@127.0.0.1:%s/"\n' "$1" "$SMTP_PORT"
		printf 'set smtp_pass="%s"\nset ssl_starttls=yes\nset ssl_force_tls=yes\n' "$MAIL_PASS"
		printf 'set ssl_ca_certificates_file="%s"\n' "$CA"
		printf 'set folder="%s/mail"\nset spoolfile="%s/mail"\nset mbox_type=Maildir\n' "$M" "$M"
		printf 'set record="%s/sent"\nset copy=yes\n' "$M"
		printf 'set editor="true"\nset abort_unmodified=no\nset autoedit=no\nset askcc=no\n'
		printf 'set crypt_autosign=no\nset crypt_autoencrypt=no\nset crypt_replyencrypt=no\n'
		printf 'set smime_is_default=yes\nset smime_self_encrypt=yes\nset crypt_timestamp=no\n'
		printf 'set header_cache=""\nset message_cachedir=""\n'
	} > "$M/muttrc"
	MUTT_CMDLINE="neomutt -n -F $M/muttrc"
	export MUTT_CMDLINE
	"$SMIME_KEYS" init >/dev/null 2>&1
	# smime_keys runs openssl, which reads passphrases from stdin without a
	# controlling terminal (setsid): the file's, the new key's twice, a label.
	# The roots first (the steps say so): the CAs, yours and theirs.
	for f in "$I"/your-ca*.pem "$I"/*-ca.pem; do
		setsid -w "$SMIME_KEYS" add_root "$f" </dev/null >>"$M/out" 2>&1
	done
	printf '%s\n%s\n%s\n%s\n' "file pass 5" "$NMPASS" "$NMPASS" "$1" |
		setsid -w "$SMIME_KEYS" add_p12 "$p12" >"$M/out" 2>&1
	for f in "$I"/*.pem; do
		case ${f##*/} in
		your-ca*.pem | *-ca.pem) ;;
		*) printf 'peer\n' | setsid -w "$SMIME_KEYS" add_cert "$f" >>"$M/out" 2>&1 ;;
		esac
	done
	unset MUTT_CMDLINE
	ok; grep -q '^[a-z]*@example.org .* t se$' "$M/certs/.index" 2>/dev/null ||
		fail "$1's neomutt cannot encrypt to the correspondent: $(cat "$M/certs/.index" "$M/out")"
	keyid=$(awk -v a="$1@example.org" '$1 == a { print $2; exit }' "$M/keys/.index")
	ok; [ -n "$keyid" ] || fail "no key of $1's in neomutt: $(cat "$M/keys/.index" "$M/out")"
	ok; grep -q "^$1@example.org .* t s" "$M/certs/.index" ||
		fail "neomutt does not trust $1's own certificate: $(cat "$M/certs/.index")"
	printf 'set smime_default_key="%s"\nset smime_self_encrypt_as="%s"\n' "$keyid" "$keyid" >> "$M/muttrc"
}
nm_setup sam "Sam Tester" "$S" "$T/pass2"
nm_setup alice "Alice Example" "$A" "$T/pass"

# --- the four kinds, composed and sent in NeoMutt ---------------------------
# compose WHO TO KIND SECURITY-KEY: WHO's neomutt in a terminal, the body
# given with -i, the S/MIME menu (S) set by SECURITY-KEY, y sends; the
# passphrase of the key when asked.
n=0
compose() {
	M="$T/nm-$1"
	printf 'Hello,\n\nthis is the %s test message, from NeoMutt.\n\n%s\n' "$3" "$1" > "$T/body-$1-$3"
	# A tmux server of its own each time: a new session never meets one
	# still shutting down.
	n=$((n + 1))
	SOCK="$T/tmux-nm-$n.sock"
	tm new-session -d -s e2e -x 100 -y 30 \
		"env HOME='$M' TERM=screen-256color LANG=$LOC LC_ALL=$LOC neomutt -n -F '$M/muttrc' -s 'NeoMutt test: $3' -i '$T/body-$1-$3' $2; echo NEOMUTT-EXIT=\$?; sleep 600"
	# The address and the subject given are offered for confirmation.
	wait_for "To: $2" || return 1
	keys Enter
	wait_for "Subject: NeoMutt test" || return 1
	keys Enter
	wait_for "y:Send" || { fail "$1 $3: no compose menu: $SCREEN"; return 1; }
	if [ -n "$4" ]; then
		keys S
		wait_for "S/MIME" || return 1
		keys "$4"
		case $4 in
		e) wait_for "Security: Encrypt" ;;
		s) wait_for "Security: Sign" ;;
		b) wait_for "Security: Sign, Encrypt" ;;
		esac || return 1
	fi
	keys y
	case $4 in s | b)
		wait_for "passphrase" || return 1
		type_text "$NMPASS"
		keys Enter ;;
	esac
	wait_for "NEOMUTT-EXIT=0" || { fail "$1 $3: neomutt did not send: $SCREEN"; return 1; }
	tm kill-server >/dev/null 2>&1
}
for who in sam:alice@example.org alice:sam@example.org; do
	compose "${who%%:*}" "${who#*:}" plain ""
	compose "${who%%:*}" "${who#*:}" signed s
	compose "${who%%:*}" "${who#*:}" encrypted e
	compose "${who%%:*}" "${who#*:}" signed-encrypted b
done
wait_mail alice 4
wait_mail sam 4

# --- Alice's padseal fetches Sam's over IMAP: the test, with NeoMutt --------
run 0 "$P" --home "$A" matrix check --imap "$IMAP" --imap-user alice@example.org --imap-pass-file "$T/mailpass" --cacert "$CA" --passphrase-file "$T/pass"
expect_in "$OUT" "$IMAP: 4 messages, 4 of them test messages" "IMAP: NeoMutt's four"
for c in "in:plain  passed  (from sam@example.org, arrived as plain text)" \
	"in:signed  passed  (from sam@example.org, valid signature, trusted)" \
	"in:encrypted  passed  (from sam@example.org, decrypted (AES-256-CBC))" \
	"in:signed-encrypted  passed  (from sam@example.org, decrypted (AES-256-CBC), valid signature, trusted)"; do
	expect_in "$OUT" "$c  written by NeoMutt" "$c: passed, written by NeoMutt"
done
expect_not_in "$OUT" "rehearsal" "NeoMutt's messages are no rehearsal"
run 0 "$P" --home "$A" matrix --to sam@example.org --json
expect_in "$OUT" '"tested":4,"written_by":{"out":{"plain":null,"signed":null,"encrypted":null,"signed-encrypted":null},"in":{"plain":"NeoMutt","signed":"NeoMutt","encrypted":"NeoMutt","signed-encrypted":"NeoMutt"}}' "the cells keep NeoMutt"

# --- Sam: his own copies (Fcc) and Alice's four -----------------------------
ok; [ -d "$T/nm-sam/sent" ] || fail "NeoMutt kept no copies in $T/nm-sam/sent"
run 0 "$P" --home "$S" matrix check --maildir "$T/nm-sam/sent" --passphrase-file "$T/pass2"
expect_in "$OUT" "out:signed-encrypted  passed  (to alice@example.org, encrypted (AES-256-CBC) to alice@example.org and to you, valid signature by you)  written by NeoMutt" "Sam's sent copy, encrypted to him too"
expect_in "$OUT" "alice@example.org: 4 of 8 passed" "Sam's four outgoing cells"
run 0 "$P" --home "$S" matrix check --imap "$IMAP" --imap-user sam@example.org --imap-pass-file "$T/mailpass" --cacert "$CA" --passphrase-file "$T/pass2"
expect_in "$OUT" "in:signed  passed  (from alice@example.org, valid signature, trusted)  written by NeoMutt" "Alice's NeoMutt, signed"
expect_in "$OUT" "All eight messages passed with alice@example.org (8 of 8), written by your mail programs" "Sam: the test done with NeoMutt"
run 0 "$P" --home "$S" status --json
expect_in "$OUT" '"steps":{"exchange":"done","verify":"done","trust":"done","test":"done"}' "Sam's test step done"

# --- Alice: her own copies; the test done for her too -----------------------
run 0 "$P" --home "$A" matrix check --maildir "$T/nm-alice/sent" --passphrase-file "$T/pass"
expect_in "$OUT" "All eight messages passed with sam@example.org (8 of 8), written by your mail programs" "Alice: the test done with NeoMutt"
run 0 "$P" --home "$A" status
expect_in "$OUT" "  sam@example.org  done      done    done   8 of 8 passed" "status: Alice's test 8 of 8"
expect_not_in "$OUT" "rehearsed" "status: nothing rehearsed"

finish

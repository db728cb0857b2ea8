#!/bin/bash
# Real servers, started and stopped here (tests/mail/servers.lib): Alice's
# padseal sends through Postfix (SMTP with STARTTLS, and SMTPS, with a login
# checked by Dovecot and a certificate of the test's own CA), the mail is
# delivered into the Maildir Dovecot serves, byte for byte as signed, and
# Sam's padseal fetches it through IMAP (EXAMINE, BODY.PEEK: the mailbox is
# left as it was) and passes the incoming cells; then the other way.  The
# refusals: wrong passwords, an unverified server, a refused recipient, a
# folder that does not exist -- each one sentence, exit 1, home unchanged.
. "$PADSEAL_TESTLIB"
. "$(dirname "$PADSEAL_TESTLIB")/mail/servers.lib"

servers_start || { finish; exit 1; }

P=$PADSEAL
A="$T/alice"
S="$T/sam"
SMTP="smtp://127.0.0.1:$SMTP_PORT"
SMTPS="smtps://127.0.0.1:$SMTPS_PORT"
IMAP="imap://127.0.0.1:$IMAP_PORT/INBOX"
IMAPS="imaps://127.0.0.1:$IMAPS_PORT/INBOX"
CA="$MS/tls/ca.crt"

run 0 "$P" --home "$A" create --name "Alice Example" --email alice@example.org --key rsa3072 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$S" create --name "Sam Tester" --email sam@example.org --key p256 --new-passphrase-file "$T/pass2"

# maildir_state USER: the messages and their flags (names) and contents
maildir_state() {
	(cd "$MS/mail/$1/Maildir" && find cur new -type f | LC_ALL=C sort && cat cur/* new/* 2>/dev/null) | sha256sum
}

# --- refusals first: nothing is sent, the home stays as it was ------------------
before=$(tree_hash "$A")
run 1 "$P" --home "$A" intro --to sam@example.org --smtp "$SMTP" --smtp-user alice@example.org --smtp-pass-file "$T/mailpass-wrong" --cacert "$CA" --passphrase-file "$T/pass" &&
	expect_one_line_error "wrong SMTP password"
expect_in "$ERR" "127.0.0.1 did not accept the user name and password: 535" "wrong SMTP password, in the server's words"
run 1 "$P" --home "$A" intro --to sam@example.org --smtp "$SMTPS" --smtp-user alice@example.org --smtp-pass-file "$T/mailpass" --passphrase-file "$T/pass" &&
	expect_one_line_error "server certificate of an unknown CA"
expect_in "$ERR" "the TLS connection to 127.0.0.1 failed" "unverified server"
expect_in "$ERR" "--cacert FILE" "unverified server: what to do"
run 1 "$P" --home "$A" intro --to sam@example.org --smtp "$SMTP" --cacert "$MS/tls/other.crt" --passphrase-file "$T/pass"
expect_in "$ERR" "the TLS connection to 127.0.0.1 failed" "a CA that did not issue the server's certificate"
run 1 "$P" --home "$A" intro --to nobody@example.org --smtp "$SMTP" --smtp-user alice@example.org --smtp-pass-file "$T/mailpass" --cacert "$CA" --passphrase-file "$T/pass" &&
	expect_one_line_error "refused recipient"
expect_in "$ERR" "127.0.0.1 refused the message: 550 5.1.1 <nobody@example.org>" "refused recipient, in the server's words"
run 1 "$P" --home "$A" intro --to sam@example.org --smtp "smtp://127.0.0.1:$PLAIN_PORT" --passphrase-file "$T/pass" &&
	expect_one_line_error "no STARTTLS"
expect_in "$ERR" "127.0.0.1 does not offer STARTTLS, and padseal never sends mail or passwords unencrypted" "no STARTTLS: refused"
ok; [ "$before" = "$(tree_hash "$A")" ] || fail "a refused send changed the home"
ok; [ "$(find "$MS/mail" -type f -path '*Maildir/*' | wc -l)" = 0 ] || fail "a refused send delivered something"

# --- the introduction through SMTP (STARTTLS, login), arriving as signed ---------
run 0 "$P" --home "$A" intro --to sam@example.org --smtp "$SMTP" --smtp-user alice@example.org --smtp-pass-file "$T/mailpass" --cacert "$CA" --out "$T/intro-alice.eml" --passphrase-file "$T/pass"
expect_in "$ERR" "Sent the introduction to sam@example.org through $SMTP" "intro sent"
wait_mail sam 1
got=$(find "$MS/mail/sam/Maildir/new" -type f | head -n 1)
# Postfix stores lines with LF and adds its trace fields on top: what
# follows them is what padseal signed, byte for byte.
tr -d '\r' < "$T/intro-alice.eml" > "$T/intro-lf"
ok; tail -c "$(wc -c < "$T/intro-lf")" "$got" | cmp -s - "$T/intro-lf" || fail "the delivered introduction differs from what padseal signed"
run 0 "$P" --home "$S" import "$got"
run 0 "$P" --home "$S" intro --to alice@example.org --smtp "$SMTPS" --smtp-user sam@example.org --smtp-pass-file "$T/mailpass" --cacert "$CA" --passphrase-file "$T/pass2"
wait_mail alice 1
run 0 "$P" --home "$A" import "$(find "$MS/mail/alice/Maildir/new" -type f | head -n 1)"
run 0 "$P" --home "$A" trust sam@example.org --verified phone
run 0 "$P" --home "$S" trust alice@example.org --verified phone

# --- the four test messages, Alice -> Sam, through SMTPS; read back over IMAPS ---
run 0 "$P" --home "$A" matrix send --to sam@example.org --out "$T/a2s" --smtp "$SMTPS" --smtp-user alice@example.org --smtp-pass-file "$T/mailpass" --cacert "$CA" --passphrase-file "$T/pass"
expect_in "$OUT" "Sent the four test messages to sam@example.org through $SMTPS" "matrix send through SMTPS"
wait_mail sam 5
# An old signed mail of Alice's, from long before the test (its Date is
# outside the signature): passed over, and counted.
sed 's/^Date: .*/Date: Tue, 03 Mar 2020 09:00:00 +0100/' "$T/intro-alice.eml" | tr -d '\r' > "$MS/mail/sam/Maildir/cur/1583222400.M1P1.old:2,S"
mbefore=$(maildir_state sam)
hbefore=$(tree_hash "$S")
run 1 "$P" --home "$S" matrix check --imap "$IMAPS" --imap-user sam@example.org --imap-pass-file "$T/mailpass-wrong" --cacert "$CA" --passphrase-file "$T/pass2" &&
	expect_one_line_error "wrong IMAP password"
expect_in "$ERR" "did not accept the user name and password" "wrong IMAP password"
run 1 "$P" --home "$S" matrix check --imap "imaps://127.0.0.1:$IMAPS_PORT/Nowhere" --imap-user sam@example.org --imap-pass-file "$T/mailpass" --cacert "$CA" --passphrase-file "$T/pass2" &&
	expect_one_line_error "no such folder"
expect_in "$ERR" "cannot open the folder \"Nowhere\" on the IMAP server" "no such folder"
run 1 "$P" --home "$S" matrix check --imap "$IMAPS" --imap-user sam@example.org --imap-pass-file "$T/mailpass" --passphrase-file "$T/pass2"
expect_in "$ERR" "the TLS connection to 127.0.0.1 failed" "IMAP server not verified"
ok; [ "$hbefore" = "$(tree_hash "$S")" ] || fail "a refused check changed the home"
run 0 "$P" --home "$S" matrix check --imap "$IMAPS" --imap-user sam@example.org --imap-pass-file "$T/mailpass" --cacert "$CA" --passphrase-file "$T/pass2"
expect_in "$OUT" "$IMAPS: 6 messages, 5 of them test messages; 1 older ones passed over (from before the test started)" "IMAP: five of Alice's since the test started, one older"
expect_in "$OUT" "in:signed-encrypted  passed  (from alice@example.org, decrypted (AES-256-CBC), valid signature, trusted)" "IMAP: signed and encrypted"
expect_in "$OUT" "alice@example.org: 4 of 8 passed" "Sam's in cells passed"
ok; [ "$mbefore" = "$(maildir_state sam)" ] || fail "reading over IMAP changed Sam's mailbox (flags or messages)"
# byte for byte: each file Alice kept is what Sam's mailbox holds
for f in "$T"/a2s/*.eml; do
	tr -d '\r' < "$f" > "$T/lf"
	found=0
	for g in "$MS"/mail/sam/Maildir/new/*; do
		tail -c "$(wc -c < "$T/lf")" "$g" | cmp -s - "$T/lf" && found=1
	done
	ok; [ $found = 1 ] || fail "$(basename "$f") did not arrive as signed"
done

# --- Sam -> Alice through SMTP with STARTTLS; Alice reads over IMAP with STARTTLS --
# Both through the settings kept in their homes (never the password).
run 0 "$P" --home "$S" settings
expect_in "$OUT" "No mail settings kept" "no settings at first"
run 2 "$P" --home "$S" settings --smtp "$SMTP" --smtp-pass-file "$T/mailpass"
expect_one_line_error "a password is never kept"
run 2 "$P" --home "$S" settings --smtp "smtp://sam@example.org@127.0.0.1:$SMTP_PORT"
expect_one_line_error "settings: an address as the URL's user"
ok; [ ! -e "$S/mail-settings" ] || fail "refused settings were written"
run 0 "$P" --home "$S" settings --smtp "$SMTP" --smtp-user sam@example.org --cacert "$CA"
expect_in "$OUT" "send through   $SMTP as sam@example.org, server checked with $CA" "settings kept"
ok; [ "$(stat -c %a "$S/mail-settings")" = 600 ] || fail "mail-settings is not 0600"
run 0 "$P" --home "$S" matrix send --to alice@example.org --smtp-pass-file "$T/mailpass" --passphrase-file "$T/pass2"
expect_in "$OUT" "Sent the four test messages to alice@example.org through $SMTP." "matrix send through the kept SMTP"
wait_mail alice 5
run 0 "$P" --home "$A" settings --imap "$IMAP" --imap-user alice@example.org --cacert "$CA" --json
expect_in "$OUT" "{\"smtp\":null,\"smtp_user\":null,\"cacert\":\"$CA\",\"mailbox_kind\":\"imap\",\"mailbox\":\"$IMAP\",\"imap_user\":\"alice@example.org\",\"sent_kind\":null,\"sent\":null}" "settings --json"
run 0 "$P" --home "$A" status
expect_in "$OUT" "check mailbox  imap $IMAP as alice@example.org" "status shows the settings"
run 0 "$P" --home "$A" status --json
expect_in "$OUT" "\"mail\":{\"smtp\":null" "status --json: mail"
run 0 "$P" --home "$A" matrix check --imap-pass-file "$T/mailpass" --passphrase-file "$T/pass"
expect_in "$OUT" "$IMAP: " "matrix check reads the kept mailbox"
expect_in "$OUT" "sam@example.org: 4 of 8 passed" "Alice's in cells passed"
# a damaged settings file: one sentence, and it is not replaced
cp "$A/mail-settings" "$T/ms.good"
printf 'padseal-mail-settings 1\nsmtp=x\nsmtp=y\n' > "$A/mail-settings"
run 1 "$P" --home "$A" settings --imap "$IMAPS"
expect_one_line_error "damaged settings"
expect_in "$ERR" "line 3: a repeated setting \"smtp\"" "damaged settings: the line named"
ok; [ "$(cat "$A/mail-settings")" = "$(printf 'padseal-mail-settings 1\nsmtp=x\nsmtp=y')" ] || fail "a damaged settings file was replaced"
cp "$T/ms.good" "$A/mail-settings"
# each checks their own sent copies: Alice's Sent folder (a Maildir, as
# a mail program's Fcc keeps it) with the kept inbox, in one command
mkdir -p "$T/Sent/cur" "$T/Sent/new" "$T/Sent/tmp"
n=0
for f in "$T"/a2s/*.eml; do n=$((n + 1)); tr -d '\r' < "$f" > "$T/Sent/cur/17000000$n.M1P1.host:2,S"; done
sbefore=$(tree_hash "$T/Sent")
run 0 "$P" --home "$A" matrix check --sent "$T/Sent" --imap-pass-file "$T/mailpass" --passphrase-file "$T/pass"
expect_in "$OUT" "$IMAP: " "--sent: the kept inbox read too"
expect_in "$OUT" "$T/Sent: 4 messages, 4 of them test messages" "--sent: the Sent folder read"
expect_in "$OUT" "out:signed-encrypted  passed  (to sam@example.org, encrypted (" "--sent: an out cell passed from the Sent folder"
expect_in "$OUT" "Rehearsed with sam@example.org: all eight passed, 8 of them with padseal's own messages." "Alice: all eight, a rehearsal"
ok; [ "$sbefore" = "$(tree_hash "$T/Sent")" ] || fail "reading the Sent folder changed it"
# the Sent folder kept, and read without being named
run 0 "$P" --home "$A" settings --sent "$T/Sent"
expect_in "$OUT" "Sent folder    maildir $T/Sent" "the Sent folder kept"
run 0 "$P" --home "$A" matrix check --imap-pass-file "$T/mailpass" --passphrase-file "$T/pass"
expect_in "$OUT" "$T/Sent: 4 messages, 4 of them test messages" "the kept Sent folder read"
run 2 "$P" --home "$A" settings --sent "$T/nowhere"
expect_in "$ERR" "no such mailbox" "--sent: a missing folder is not kept"

# --insecure: works, and says so
run 0 "$P" --home "$A" matrix check --imap "$IMAPS" --imap-user alice@example.org --imap-pass-file "$T/mailpass" --insecure --passphrase-file "$T/pass"
expect_in "$ERR" "--insecure: the certificate of the IMAP server is not checked" "--insecure said aloud"

# --- scan: Alice's earlier certificate still in Sam's mailbox -------------------
run 0 "$P" --home "$S" settings --imap "$IMAPS" --imap-user sam@example.org
run 0 "$P" --home "$S" scan --imap-pass-file "$T/mailpass" --json
expect_in "$OUT" '"stale":0' "one certificate per address so far (the kept mailbox)"
# Alice's certificate as Sam holds it (fingerprint names the CA of the CA form)
old_fpr=$("$P" --home "$S" peers --json | grep -o '"fingerprint_sha256":"[0-9A-F:]*"' | head -n 1 | cut -d'"' -f4)
run 0 "$P" --home "$A" create --replace --name "Alice Example" --email alice@example.org --key rsa3072 --new-passphrase-file "$T/pass" --passphrase-file "$T/pass"
run 0 "$P" --home "$A" intro --to sam@example.org --smtp "$SMTPS" --smtp-user alice@example.org --smtp-pass-file "$T/mailpass" --cacert "$CA" --out "$T/intro-alice2.eml" --passphrase-file "$T/pass"
wait_mail sam 7
run 0 "$P" --home "$S" import "$T/intro-alice2.eml"
new_hex=$("$P" --home "$S" peers --json | grep -o '"fingerprint_sha256":"[0-9A-F:]*"' | tr -d ':"' | sed 's/fingerprint_sha256//' | grep -v "$(echo "$old_fpr" | tr -d :)" | head -n 1)
run 0 "$P" --home "$S" untrust "$(echo "$old_fpr" | tr -d : | cut -c1-16)"
run 0 "$P" --home "$S" trust "$(echo "$new_hex" | cut -c1-16)" --verified phone
mbefore=$(maildir_state sam)
run 0 "$P" --home "$S" scan --imap "$IMAPS" --imap-user sam@example.org --imap-pass-file "$T/mailpass" --cacert "$CA"
expect_in "$OUT" "1 old certificate is still in this mailbox" "scan finds Alice's old certificate"
expect_in "$OUT" "OLD      $old_fpr" "the old one is named"
expect_in "$OUT" "IMAP INBOX, UID 1" "the messages carrying it are listed"
ok; [ "$mbefore" = "$(maildir_state sam)" ] || fail "scan over IMAP changed Sam's mailbox"
run 0 "$P" --home "$S" scan "$MS/mail/sam/Maildir" --json
expect_in "$OUT" '"stale":1' "the same from the Maildir itself"

# no password anywhere in what padseal wrote
ok; ! grep -rq "$MAIL_PASS" "$A" "$S" || fail "a mail password was written into a home"

finish

#!/bin/sh
# Backups padseal writes, opened by independent readers (the OpenSSL command
# line, GnuPG's gpgsm); restores of files that OpenSSL, gpgsm and real
# clients made; and every refusal, with the home left byte-identical.
# shellcheck source=../lib.sh
. "$PADSEAL_TESTLIB"

command -v openssl >/dev/null || { fail "openssl is not installed (scripts/setup installs it)"; finish; exit 1; }
command -v gpgsm >/dev/null || { fail "gpgsm is not installed (scripts/setup installs it)"; finish; exit 1; }
: "${PADSEAL_CORPUS:?PADSEAL_CORPUS is not set: run through make check}"

P=$PADSEAL
H=$T/home
C=$PADSEAL_CORPUS

# flip FILE OFFSET: change one byte of FILE in place.
flip() {
	old=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059 # the octal escape is the format
	printf "\\$(printf %o $(((old + 1) % 256)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# same_tree DIR BEFORE WHAT: the tree hash of DIR is still BEFORE.
same_tree() {
	ok
	[ "$2" = "$(tree_hash "$1")" ] || fail "$3 changed $1"
}

# --- backup: both forms ---------------------------------------------------
run 1 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" backup --out "$T/none.p12"
expect_in "$ERR" "no credential to back up yet" "backup without a credential"
expect_one_line_error "backup without a credential"
run 0 "$P" --home "$H" create --name "Sam Tester" --email Sam@Example.org \
	--key rsa2048 --new-passphrase-file "$T/pass"
gpgsm_fit "$H" "$T/pass" --name "Sam Tester" --email Sam@Example.org --key rsa2048
run 0 "$P" --home "$H" cert
cert=$OUT
fpr=$(printf '%s\n' "$cert" | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)

run 2 "$P" --home "$H" --passphrase-file "$T/pass" backup
expect_in "$ERR" "backup needs --out FILE" "backup without --out"
run 2 "$P" --home "$H" --passphrase-file "$T/pass" backup --out "$T/x.p12" --compat ancient
expect_in "$ERR" "--compat takes legacy or modern" "bad --compat"
run 2 "$P" --home "$H" --new-passphrase-file "$T/pass2" backup --out "$T/x.p12"
expect_in "$ERR" "use --passphrase-file" "no terminal for the key's passphrase"
printf 'short\n' > "$T/weak"
before=$(tree_hash "$H")
run 1 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/weak" backup --out "$T/x.p12"
expect_in "$ERR" "too short" "weak backup passphrase"
run 1 "$P" --home "$H" --passphrase-file "$T/wrong" --new-passphrase-file "$T/pass2" backup --out "$T/x.p12"
expect_in "$ERR" "the passphrase does not unlock your key" "wrong key passphrase"
expect_one_line_error "wrong key passphrase"
ok; [ ! -e "$T/x.p12" ] || fail "a refused backup left a file"
same_tree "$H" "$before" "refused backups"

run 0 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" \
	backup --out "$T/legacy.p12"
expect_in "$OUT" "Backed up your credential to $T/legacy.p12" "backup legacy"
expect_in "$OUT" "macOS and iOS Keychain, Windows, Thunderbird, Outlook and GnuPG's gpgsm 2.2" "legacy: who imports it"
expect_in "$OUT" "off this machine" "backup: keep a copy elsewhere"
run 0 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" \
	backup --compat modern --out "$T/modern.p12"
expect_in "$OUT" "OpenSSL 3 and recent systems" "modern: who imports it"
for f in legacy modern; do
	ok; [ "$(stat -c %a "$T/$f.p12")" = 600 ] || fail "$f.p12 is not mode 0600"
done

run 0 "$P" --home "$H" status --json
expect_in "$OUT" '"backed_up":true},"steps":{"create":"done","backup":"done"}' "status after backup"
expect_in "$(cat "$H/checklist")" "path=$T/legacy.p12" "the checklist records where"
expect_in "$(cat "$H/checklist")" "compat=modern" "the checklist records the form"
ok; grep -q -e 'correct horse' -e 'another good' "$H/checklist" && fail "a passphrase is in the checklist"
run 0 "$P" --home "$H" show
expect_in "$OUT" "backed up" "show mentions the backup"

# An existing file is not overwritten; --force replaces it.
before=$(tree_hash "$H")
sum=$(sha256sum < "$T/legacy.p12")
run 1 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" backup --out "$T/legacy.p12"
expect_in "$ERR" "already exists; padseal does not overwrite it (add --force" "existing output"
expect_one_line_error "existing output"
ok; [ "$sum" = "$(sha256sum < "$T/legacy.p12")" ] || fail "an existing backup was overwritten"
same_tree "$H" "$before" "backup onto an existing file"
run 0 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" backup --out "$T/forced.p12"
run 0 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" backup --out "$T/forced.p12" --force
# A folder that does not exist or cannot be written.
run 1 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" backup --out "$T/no/such/dir/b.p12"
expect_in "$ERR" "does not exist" "missing output folder"
if [ "$(id -u)" = 0 ]; then
	ro=/sys/padseal-test.p12 # root writes through mode bits, not into sysfs
else
	mkdir -m 555 "$T/ro"
	ro=$T/ro/b.p12
fi
before=$(tree_hash "$H")
run 1 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" backup --out "$ro"
expect_in "$ERR" "not writable" "unwritable output folder"
expect_one_line_error "unwritable output folder"
same_tree "$H" "$before" "backup to an unwritable folder"
# gpgsm 2.2 refuses passphrases over 31 bytes: said, not refused.
printf '0123456789abcdefghijklmnopqrstuvwxyz\n' > "$T/long"
run 0 "$P" --home "$H" --passphrase-file "$T/pass" --new-passphrase-file "$T/long" backup --out "$T/long.p12"
expect_in "$ERR" "padseal: warning: the passphrase is longer than 31 bytes: GnuPG's gpgsm 2.2 refuses" "long passphrase warning"

# --- independent readers ----------------------------------------------------
if info=$(openssl pkcs12 -in "$T/modern.p12" -info -noout -passin file:"$T/pass2" 2>&1); then
	ok
	expect_in "$info" "MAC: sha256" "modern: SHA-256 MAC"
	expect_in "$info" "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC" "modern: key bag"
	expect_in "$info" "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC" "modern: certificate bag"
	expect_in "$info" "PRF hmacWithSHA256" "modern: PBKDF2-HMAC-SHA-256"
else
	fail "openssl pkcs12 (without -legacy) cannot open the modern backup: $info"
fi
if info=$(openssl pkcs12 -in "$T/legacy.p12" -info -noout -passin file:"$T/pass2" 2>&1); then
	ok
	expect_in "$info" "MAC: sha1" "legacy: SHA-1 MAC"
	expect_in "$info" "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC" "legacy: 3DES key bag"
	expect_in "$info" "PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC" "legacy: 3DES certificate bag"
else
	fail "openssl pkcs12 cannot open the legacy backup: $info"
fi
ok; openssl pkcs12 -in "$T/legacy.p12" -noout -passin file:"$T/wrong" 2>/dev/null && fail "a wrong passphrase opened the backup"
for f in legacy modern; do
	# The certificate is the home's, and the key belongs to it.
	theirs=$(openssl pkcs12 -in "$T/$f.p12" -passin file:"$T/pass2" -nokeys -clcerts 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)
	ok; [ "$theirs" = "$fpr" ] || fail "$f: the certificate in the backup is $theirs, not $fpr"
	kpub=$(openssl pkcs12 -in "$T/$f.p12" -passin file:"$T/pass2" -nocerts -nodes 2>/dev/null | openssl pkey -pubout)
	cpub=$(printf '%s\n' "$cert" | openssl x509 -noout -pubkey)
	ok; if [ -z "$kpub" ] || [ "$kpub" != "$cpub" ]; then fail "$f: the key in the backup does not match"; fi
	# friendlyName and one localKeyID on both bags.
	attrs=$(openssl pkcs12 -in "$T/$f.p12" -passin file:"$T/pass2" -nodes 2>/dev/null)
	ok; [ "$(printf '%s\n' "$attrs" | grep -c 'friendlyName: Sam Tester')" = 2 ] || fail "$f: friendlyName not on both bags"
	ids=$(printf '%s\n' "$attrs" | grep 'localKeyID:')
	ok; if [ "$(printf '%s\n' "$ids" | wc -l)" != 2 ] || [ "$(printf '%s\n' "$ids" | sort -u | wc -l)" != 1 ]; then
		fail "$f: localKeyID not shared by key and certificate"
	fi
done

# gpgsm 2.2 imports the legacy backup (it refuses the modern form).
G=$T/gnupg
gnupg_home "$G"
if gpgsm_p12 "$G" "$T/legacy.p12" "$T/pass2"; then
	ok
	list=$(GNUPGHOME="$G" gpgsm --batch --disable-dirmngr --with-colons --list-secret-keys 2>&1)
	expect_in "$list" "$(printf '%s' "$fpr" | tr -d :)" "gpgsm holds the secret key of the backup"
	expect_in "$(cat "$T/gpgsm.out")" "secret keys imported: 1" "gpgsm imported the key"
	# gpgsm's own export, restored below.
	keyid=$(printf '%s\n' "$list" | awk -F: '/^fpr:/ {print $10; exit}')
	GNUPGHOME="$G" gpgsm --batch --disable-dirmngr --pinentry-mode loopback --passphrase-fd 0 \
		-o "$T/gpgsm.p12" --export-secret-key-p12 "$keyid" < "$T/pass2" > "$T/gpgsm.out" 2>&1 ||
		fail "gpgsm --export-secret-key-p12 failed: $(cat "$T/gpgsm.out")"
else
	fail "gpgsm --import refused the legacy backup: $(cat "$T/gpgsm.out")"
fi
gpgconf --homedir "$G" --kill all >/dev/null 2>&1 || true

# --- restore: the round trip ------------------------------------------------
for f in legacy modern; do
	R=$T/restored-$f
	run 0 "$P" --home "$R" --passphrase-file "$T/pass2" --new-passphrase-file "$T/pass" restore "$T/$f.p12"
	expect_in "$OUT" "Restored the credential of Sam Tester <Sam@Example.org>" "$f: restore"
	expect_in "$OUT" "0 errors" "$f: restored credential lints clean"
	run 0 "$P" --home "$R" cert
	ok; [ "$OUT" = "$cert" ] || fail "$f: the restored certificate differs"
	run 0 "$P" --home "$R" status --json
	expect_in "$OUT" '"backed_up":true},"steps":{"create":"done","backup":"done"}' "$f: status after restore"
	# The key at rest is under the new passphrase, and matches.
	kpub=$(openssl pkey -in "$R"/identities/*/key.pem -passin file:"$T/pass" -pubout 2>/dev/null)
	ok; [ "$kpub" = "$(printf '%s\n' "$cert" | openssl x509 -noout -pubkey)" ] || fail "$f: restored key"
	# Backing up the restored identity works too.
	run 0 "$P" --home "$R" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" backup --out "$T/again-$f.p12"
done
# The same file again: nothing to do, nothing changed.
R=$T/restored-legacy
before=$(tree_hash "$R")
run 0 "$P" --home "$R" --passphrase-file "$T/pass2" --new-passphrase-file "$T/pass" restore "$T/legacy.p12"
expect_in "$OUT" "already the current credential in this home; nothing changed" "restore twice"
same_tree "$R" "$before" "restoring the same credential twice"
# Without a terminal and without the option: usage.
run 2 "$P" --home "$R" restore "$T/legacy.p12"
expect_in "$ERR" "use --passphrase-file" "restore without passphrase"

# A restore killed after it wrote the credential's folder, before it
# recorded it: run again, it writes the folder anew and records it.
K=$T/killed-restore
run 0 "$P" --home "$K" create --name "Sam Other" --email sam@example.org --key p256 --new-passphrase-file "$T/pass"
hex=$(basename "$(ls -d "$R"/identities/*/)")
cp -a "$R/identities/$hex" "$K/identities/$hex"
run 0 "$P" --home "$K" show --json
ok "the left-over folder is not listed"; case $OUT in *"$hex"*) fail "listed: $OUT" ;; esac
run 0 "$P" --home "$K" --passphrase-file "$T/pass2" --new-passphrase-file "$T/pass" restore "$T/legacy.p12"
expect_in "$OUT" "Restored the credential of Sam Tester" "a restore run again over its left-over folder"
run 0 "$P" --home "$K" show --json
expect_in "$OUT" "{\"current\":{\"name\":\"Sam Tester\"" "the restored credential is current"
expect_in "$OUT" "\"fingerprint_sha256\":\"$(echo "$hex" | sed 's/../&:/g; s/:$//')\"" "the restored credential is the folder's"
run 0 "$P" --home "$K" --passphrase-file "$T/pass" --new-passphrase-file "$T/pass2" backup --out "$T/k.p12"

# A home whose credential shares the address: the older is archived.
A=$T/archive
run 0 "$P" --home "$A" create --name "Sam New" --email sam@example.org --key p256 --new-passphrase-file "$T/pass"
run 0 "$P" --home "$A" --passphrase-file "$T/pass2" --new-passphrase-file "$T/pass" restore "$T/legacy.p12"
expect_in "$OUT" "Archived the previous one (sam@example.org" "restore archives the older credential"
run 0 "$P" --home "$A" show
expect_in "$OUT" "(archived)" "show lists the archived identity"
expect_in "$OUT" "replaced by restore of legacy.p12" "show says why"
# Another person's home: refused, untouched.
B=$T/bob
run 0 "$P" --home "$B" create --name "Bob" --email bob@example.org --key p256 --new-passphrase-file "$T/pass"
before=$(tree_hash "$B")
run 1 "$P" --home "$B" --passphrase-file "$T/pass2" --new-passphrase-file "$T/pass" restore "$T/legacy.p12"
expect_in "$ERR" "no address in common" "restore into another person's home"
expect_one_line_error "another person's home"
same_tree "$B" "$before" "restore into another person's home"

# --- restore: files other programs made -------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/o.key" -out "$T/o.crt" -days 30 \
	-subj "/CN=Olga OpenSSL" -addext "subjectAltName=email:olga@example.org" \
	-addext "keyUsage=critical,digitalSignature,keyEncipherment" \
	-addext "extendedKeyUsage=emailProtection" 2>/dev/null || fail "openssl req failed"
ofpr=$(openssl x509 -in "$T/o.crt" -noout -fingerprint -sha256 | cut -d= -f2)
openssl pkcs12 -export -inkey "$T/o.key" -in "$T/o.crt" -passout file:"$T/pass2" -out "$T/o-default.p12"
openssl pkcs12 -export -legacy -inkey "$T/o.key" -in "$T/o.crt" -passout file:"$T/pass2" -out "$T/o-legacy.p12"
for f in o-default o-legacy; do
	run 0 "$P" --home "$T/h-$f" --passphrase-file "$T/pass2" --new-passphrase-file "$T/pass" restore "$T/$f.p12"
	expect_in "$OUT" "Restored the credential of Olga OpenSSL <olga@example.org>" "restore of openssl $f"
	run 0 "$P" --home "$T/h-$f" fingerprint
	ok; [ "$(printf '%s\n' "$OUT" | head -n 1)" = "$ofpr" ] || fail "$f: restored a different certificate"
done
expect_in "$(cat "$T/h-o-legacy/checklist")" "compat=other" "openssl -legacy is not padseal's legacy form (RC2-40)"
if [ -s "$T/gpgsm.p12" ]; then
	run 0 "$P" --home "$T/h-gpgsm" --passphrase-file "$T/pass2" --new-passphrase-file "$T/pass" restore "$T/gpgsm.p12"
	expect_in "$OUT" "Restored the credential of Sam Tester <Sam@Example.org>" "restore of gpgsm's export"
	expect_in "$OUT" "legacy provider" "gpgsm's export needs the legacy provider (RC2-40)"
	# gpgsm exports the mail certificate alone (it was given no CA), so
	# compare that, the first certificate of padseal's export.
	run 0 "$P" --home "$T/h-gpgsm" cert
	ok; [ "$OUT" = "$(printf '%s\n' "$cert" | sed '/END CERTIFICATE/q')" ] ||
		fail "gpgsm: the restored certificate differs"
fi
# Real clients (the unit test covers every corpus file; these run the verb).
printf 'smime1\n' > "$T/smime1"
printf 'nss\n' > "$T/nss"
: > "$T/emptypass"
run 0 "$P" --home "$T/h-outlook" --passphrase-file "$T/smime1" --new-passphrase-file "$T/pass" \
	restore "$C/hiraoka-smime_mail_samples/certs/smime-1-secret.pfx"
expect_in "$OUT" "smime1@hmailserver.test" "restore of the Windows/Outlook-era pfx"
expect_in "$OUT" "1 more certificate" "its CA certificate became the chain"
for chain in "$T"/h-outlook/identities/*/chain.pem; do
	ok; [ -s "$chain" ] || fail "no chain.pem"
done
run 0 "$P" --home "$T/h-nss" --passphrase-file "$T/nss" --new-passphrase-file "$T/pass" \
	restore "$C/thunderbird-comm-central/smime/Alice-ec.p12"
expect_in "$OUT" "Alice-ec@example.com" "restore of an NSS EC p12"
run 0 "$P" --home "$T/h-nss2019" --passphrase-file "$T/emptypass" --new-passphrase-file "$T/pass" \
	restore "$C/thunderbird-comm-central/smime@33d11da5/Bob.p12"
expect_in "$OUT" "has an empty passphrase" "the empty passphrase is pointed out"
expect_in "$OUT" "certificate expired" "its expiry is a lint finding"
run 0 "$P" --home "$T/h-nss2019" status --json
expect_in "$OUT" '"backup":"todo"' "a file with an empty passphrase is no backup"

# --- restore: refusals, each leaving the home as it was --------------------
N=$T/neg
run 0 "$P" --home "$N" create --name "Nora" --email nora@example.org --key p256 --new-passphrase-file "$T/pass"
head -c 1000 "$T/legacy.p12" > "$T/truncated.p12"
cp "$T/legacy.p12" "$T/flipped.p12"
flip "$T/flipped.p12" 1200
: > "$T/zero.p12"
printf '%s\n' "$cert" > "$T/cert-as.p12"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/other.key" 2>/dev/null
openssl pkcs12 -export -inkey "$T/other.key" -nocerts -certfile "$T/o.crt" \
	-passout file:"$T/pass2" -out "$T/unlinked.p12" 2>/dev/null
before=$(tree_hash "$N")
for c in "wrong:legacy.p12:the passphrase does not open this file ($T/legacy.p12)" \
	"pass2:truncated.p12:damaged or cut short" \
	"pass2:flipped.p12:is damaged: its integrity check (MAC) fails although the passphrase is right" \
	"pass2:zero.p12:is empty" \
	"pass2:cert-as.p12:is a PEM text file" \
	"pass2:unlinked.p12:matches none of its certificates: the certificate and key are not linked" \
	"pass2:no-such.p12:does not exist"; do
	pf=${c%%:*}
	rest=${c#*:}
	f=${rest%%:*}
	want=${rest#*:}
	run 1 "$P" --home "$N" --passphrase-file "$T/$pf" --new-passphrase-file "$T/pass" restore "$T/$f"
	[ -n "$want" ] && expect_in "$ERR" "$want" "restore of $f"
	expect_one_line_error "restore of $f"
	same_tree "$N" "$before" "restore of $f"
done
# A wrong passphrase into a home that does not exist creates nothing.
run 1 "$P" --home "$T/never" --passphrase-file "$T/wrong" --new-passphrase-file "$T/pass" restore "$T/modern.p12"
expect_in "$ERR" "the passphrase does not open this file" "wrong passphrase, modern"
ok; [ ! -e "$T/never" ] || fail "a refused restore created the home"

finish

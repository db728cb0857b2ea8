#!/bin/sh
# handover --out DIR: a credential made for someone else, in its own home,
# handed over in a new folder: the legacy .p12 with the chain (opened by
# OpenSSL's pkcs12 -legacy, NSS's pk12util and neomutt's smime_keys), the
# certificate and the CA's (openssl verify, NSS certutil -V with the CA
# trusted ",C,"), and the sheet in Markdown and HTML (the same text; the
# certificate's name escaped in each).  The passphrase is in no file.  Every
# refusal: one line, exit 1, nothing written, the home byte-identical.
# shellcheck source=../lib.sh
. "$PADSEAL_TESTLIB"

for tool in openssl pk12util certutil python3; do
	command -v "$tool" >/dev/null ||
		{ fail "$tool is not installed (scripts/setup installs it)"; finish; exit 1; }
done

P=$PADSEAL
G=$T/grandpa
printf 'hand over passphrase 31\n' > "$T/p12pass"
NAME='Grandpa <b>Joe</b> & "Co" *x*'

# same_tree DIR BEFORE WHAT
same_tree() {
	ok "$3 leaves $1 as it was"
	[ "$2" = "$(tree_hash "$1")" ] || fail "$3 changed $1"
}
hand() { # PASSFILE DIR
	"$P" --home "$G" --passphrase-file "$1" --new-passphrase-file "$T/p12pass" handover --out "$2"
}
sha256_of() { # FILE [DER|PEM]
	openssl x509 -in "$1" -inform "${2:-PEM}" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d :
}

# --- refusals -----------------------------------------------------------------
mkdir -m 700 "$G"
before=$(tree_hash "$G")
run 1 hand "$T/pass" "$T/none"
expect_in "$ERR" "has no credential to hand over" "a home without a credential"
expect_one_line_error "a home without a credential"
ok "nothing written without a credential"; [ ! -e "$T/none" ] || fail "the folder was made"
same_tree "$G" "$before" "handover without a credential"

run 0 "$P" --home "$G" create --name "$NAME" --email grandpa@example.org --key p256 \
	--new-passphrase-file "$T/pass"
before=$(tree_hash "$G")
run 2 "$P" --home "$G" --passphrase-file "$T/pass" handover
expect_in "$ERR" "handover needs --out DIR" "handover without --out"
mkdir -m 755 "$T/empty"
run 1 hand "$T/pass" "$T/empty"
expect_in "$ERR" "already exists" "an existing (empty) folder"
expect_one_line_error "an existing folder"
ok "the existing folder stays empty"; [ -z "$(ls -A "$T/empty")" ] || fail "written into $T/empty"
echo mine > "$T/afile"
run 1 hand "$T/pass" "$T/afile"
expect_in "$ERR" "already exists" "an existing file"
ok "the file is kept"; [ "$(cat "$T/afile")" = mine ] || fail "the file changed"
run 1 hand "$T/pass" "$T/no/such/dir"
expect_in "$ERR" "does not exist" "a missing parent folder"
expect_one_line_error "a missing parent folder"
run 1 hand "$T/wrong" "$T/wrongpass"
expect_in "$ERR" "passphrase" "the wrong passphrase"
expect_one_line_error "the wrong passphrase"
ok "nothing written with the wrong passphrase"; [ ! -e "$T/wrongpass" ] || fail "the folder was made"
ok "no temporary folder left"
ls -d "$T"/*.tmp-* >/dev/null 2>&1 && fail "a temporary folder was left: $(ls -d "$T"/*.tmp-*)"
same_tree "$G" "$before" "the refused hand-overs"

# --- the bundle -----------------------------------------------------------------
B=$T/bundle
run 0 hand "$T/pass" "$B"
expect_in "$OUT" "The passphrase of credential.p12 is not in the folder" "the maker is told about the passphrase"
expect_in "$OUT" "on the phone, or write it on paper" "by phone or on paper"
same_tree "$G" "$before" "handover (reads the home only)"
ok "the folder is 0700"; [ "$(stat -c %a "$B")" = 700 ] || fail "mode $(stat -c %a "$B")"
for f in credential.p12 certificate.pem certificate.cer ca-certificate.pem ca-certificate.cer \
	instructions.md instructions.html; do
	ok "$f is there, 0600"
	[ "$(stat -c %a "$B/$f" 2>/dev/null)" = 600 ] || fail "$f: mode $(stat -c %a "$B/$f" 2>&1)"
done
ok "nothing else in the folder"; [ "$(ls -A "$B" | wc -l)" = 7 ] || fail "$(ls -A "$B")"
ok "the passphrases are in no file"
for p in "$T/p12pass" "$T/pass"; do
	grep -rqaF "$(head -n 1 "$p")" "$B" && fail "$(head -n 1 "$p") is written in the bundle"
done

# OpenSSL: the legacy form, the key, the chain, localKeyID on the pair.
info=$(openssl pkcs12 -legacy -in "$B/credential.p12" -passin "file:$T/p12pass" -info -nokeys 2>&1)
expect_in "$info" "pbeWithSHA1And3-KeyTripleDES-CBC" "the .p12 is the legacy form"
expect_in "$info" "MAC: sha1" "the legacy MAC"
run 0 openssl pkcs12 -legacy -in "$B/credential.p12" -passin "file:$T/p12pass" -nokeys -out "$T/p12certs.pem"
ok "the .p12 holds the certificate and its CA"
[ "$(grep -c 'BEGIN CERT' "$T/p12certs.pem")" = 2 ] || fail "$(cat "$T/p12certs.pem")"
ok "localKeyID on the mail certificate alone"
[ "$(grep -c localKeyID "$T/p12certs.pem")" = 1 ] || fail "$(grep -c localKeyID "$T/p12certs.pem") localKeyIDs"
run 0 openssl pkcs12 -legacy -in "$B/credential.p12" -passin "file:$T/p12pass" -nocerts -nodes -out "$T/key.pem"
run 0 "$P" --home "$G" cert --out "$T/g.pem"
ok "certificate.pem is what padseal cert writes"; cmp -s "$T/g.pem" "$B/certificate.pem" || fail "they differ"
ok "certificate.cer is the mail certificate"
[ "$(sha256_of "$B/certificate.cer" DER)" = "$(sha256_of "$T/g.pem")" ] || fail "another certificate"
run 0 openssl verify -purpose smimesign -CAfile "$B/ca-certificate.pem" "$B/certificate.pem"
run 0 openssl verify -CAfile "$B/ca-certificate.pem" "$B/certificate.cer"
ok "ca-certificate.cer is the CA of ca-certificate.pem"
[ "$(sha256_of "$B/ca-certificate.cer" DER)" = "$(sha256_of "$B/ca-certificate.pem")" ] || fail "they differ"
run 0 "$P" --home "$G" fingerprint --json
ok "ca-certificate.cer is the CA read on the phone"
case "$(printf %s "$OUT" | tr -d :)" in *"$(sha256_of "$B/ca-certificate.cer" DER)"*) ;; *) fail "fingerprint: $OUT" ;; esac

# NSS (Thunderbird's store): the .p12 in, the CA trusted for mail, the
# mail certificate valid for signing and receiving.
N=$T/nss
mkdir "$N"
certutil -N -d "sql:$N" --empty-password
ok "pk12util imports the .p12"
pk12util -i "$B/credential.p12" -d "sql:$N" -w "$T/p12pass" > "$T/pk12.out" 2>&1 ||
	fail "pk12util: $(cat "$T/pk12.out")"
run 0 certutil -A -d "sql:$N" -n "grandpa-ca" -t ",C," -a -i "$B/ca-certificate.pem"
nick=$(certutil -L -d "sql:$N" | grep -v '(mail CA)' | sed -n 's/^\(Grandpa.*[^ ]\)  *[a-zA-Z,]*$/\1/p' | head -n 1)
ok "NSS holds Grandpa's key"
certutil -K -d "sql:$N" 2>&1 | grep -q Grandpa || fail "$(certutil -K -d "sql:$N" 2>&1)"
for u in S R; do
	v=$(certutil -V -u "$u" -n "$nick" -d "sql:$N" 2>&1)
	expect_in "$v" "certificate is valid" "certutil -V -u $u with the CA trusted ,C,"
done

# neomutt: the CA by add_root, then the .p12 by add_p12.
SMIME_KEYS=/usr/libexec/neomutt/smime_keys
if [ -x "$SMIME_KEYS" ] && command -v neomutt >/dev/null; then
	M=$T/smime
	mkdir -m 700 "$M"
	printf 'set smime_keys="%s/keys"\nset smime_certificates="%s/certs"\nset smime_ca_location="%s/ca.pem"\n' \
		"$M" "$M" "$M" > "$M/muttrc"
	MUTT_CMDLINE="neomutt -n -F $M/muttrc"
	export MUTT_CMDLINE
	"$SMIME_KEYS" init > "$T/nm.out" 2>&1
	ok "smime_keys add_root ca-certificate.pem"
	echo grandpa-ca | setsid -w "$SMIME_KEYS" add_root "$B/ca-certificate.pem" > "$T/nm.out" 2>&1 ||
		fail "add_root: $(cat "$T/nm.out")"
	ok "smime_keys add_p12 credential.p12"
	printf '%s\nneomutt key pass 1\nneomutt key pass 1\ngrandpa\n' "$(head -n 1 "$T/p12pass")" |
		setsid -w "$SMIME_KEYS" add_p12 "$B/credential.p12" > "$T/nm.out" 2>&1 ||
		fail "add_p12: $(cat "$T/nm.out")"
	ok "neomutt trusts the certificate for signing"
	grep -q '^grandpa@example.org .* t s' "$M/certs/.index" 2>/dev/null ||
		fail "$(cat "$M/certs/.index" "$T/nm.out" 2>&1)"
	unset MUTT_CMDLINE
else
	fail "neomutt's smime_keys is not installed (scripts/setup installs it)"
fi

# The sheet: the same text in both files, the name escaped in each.
md=$(cat "$B/instructions.md")
html=$(cat "$B/instructions.html")
expect_in "$md" '# Secure mail for Grandpa \<b\>Joe\</b\> & "Co" \*x\* \<grandpa@example.org\>' "the Markdown title, escaped"
expect_in "$html" '<h1>Secure mail for Grandpa &lt;b&gt;Joe&lt;/b&gt; &amp; &quot;Co&quot; *x* &lt;grandpa@example.org&gt;</h1>' "the HTML title, escaped"
ok "no markup from the name reaches the HTML"
case "$html" in *"<b>"*) fail "<b> unescaped" ;; esac
expect_in "$md" "Trust this CA to identify email users" "Thunderbird's CA step"
expect_in "$md" "ca-certificate.pem" "the sheet names the CA file"
expect_in "$md" "by phone or on paper" "the sheet says how the passphrase comes"
expect_in "$md" "fingerprint of your certificate authority" "the sheet says whose fingerprint"
grouped=$("$P" --home "$G" fingerprint | sed -n '/^ *1 /,/^ *9 /p' | head -n 2)
expect_in "$md" "$(printf '%s\n' "$grouped" | head -n 1)" "the sheet carries the CA's fingerprint"
ok "HTML and Markdown say the same words"
python3 - "$B/instructions.md" "$B/instructions.html" > "$T/same.out" 2>&1 <<'EOF' || fail "$(cat "$T/same.out")"
import html.parser, re, sys
md = open(sys.argv[1], encoding="utf-8").read()
class Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip, self.tags = [], 0, []
    def handle_starttag(self, tag, attrs):
        if tag in ("meta", "br", "link"):
            return
        self.tags.append(tag)
        if tag in ("style", "title", "head"): self.skip += 1
        if tag != "code": self.out.append(" ")
    def handle_endtag(self, tag):
        if not self.tags or self.tags.pop() != tag:
            raise SystemExit("unbalanced </%s>" % tag)
        if tag in ("style", "title", "head"): self.skip -= 1
        if tag != "code": self.out.append(" ")
    def handle_data(self, d):
        if not self.skip: self.out.append(d)
p = Text()
p.feed(open(sys.argv[2], encoding="utf-8").read())
p.close()
if p.tags:
    raise SystemExit("unclosed: %s" % p.tags)
words_html = "".join(p.out).split()
lines = []
for line in md.splitlines():
    line = re.sub(r"^(#+ |- |\d+\. )", "", line.strip())
    lines.append(line)
text = " ".join(lines).replace("`", "")
text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
words_md = text.split()
if words_md != words_html:
    for i, (a, b) in enumerate(zip(words_md, words_html)):
        if a != b:
            raise SystemExit("word %d differs: md %r, html %r" % (i, a, b))
    raise SystemExit("lengths differ: %d %d" % (len(words_md), len(words_html)))
EOF
if command -v xmllint >/dev/null; then
	ok "xmllint reads the page without a complaint"
	xmllint --html --noout "$B/instructions.html" > "$T/xml.out" 2>&1 || fail "$(cat "$T/xml.out")"
fi

# The maker's own home trusts it in one step from the bundle.
run 0 "$P" --home "$T/maker" create --name "Maker Example" --email maker@example.org --key p256 \
	--new-passphrase-file "$T/pass"
run 0 "$P" --home "$T/maker" import --made-by-me "$B/certificate.pem"
expect_in "$OUT" "trusted, since you made it" "import --made-by-me takes certificate.pem"
# The command handover prints pastes into a shell as it is, whatever the
# folder's name.
ODD="$T/Joe's \$hand \`over\`"
run 0 hand "$T/pass" "$ODD"
expect_in "$OUT" "with --home YOUR-HOME if yours is not the default one" "the maker is told about --home"
cmd=$(printf '%s\n' "$OUT" | sed -n 's/^  padseal import --made-by-me //p')
ok "handover prints the import command"; [ -n "$cmd" ] || fail "no import command in: $OUT"
run 0 "$P" --home "$T/maker2" create --name "Maker Example" --email maker@example.org --key p256 \
	--new-passphrase-file "$T/pass"
run 0 sh -c "\"\$0\" --home \"\$1\" import --made-by-me $cmd" "$P" "$T/maker2"
expect_in "$OUT" "trusted, since you made it" "the printed command, pasted into sh"

# A second hand-over into the same folder: refused, the bundle untouched.
bundle_before=$(tree_hash "$B")
run 1 hand "$T/pass" "$B"
expect_in "$ERR" "already exists" "a second hand-over into the same folder"
expect_one_line_error "a second hand-over into the same folder"
same_tree "$B" "$bundle_before" "a refused second hand-over"

# --- a self-signed credential: allowed, the sheet says what differs ------------
S=$T/selfsigned
run 0 "$P" --home "$S" create --self-signed --name "Sam Selfsigned" --email sam@example.org --key p256 \
	--new-passphrase-file "$T/pass"
before=$(tree_hash "$S")
run 0 "$P" --home "$S" --passphrase-file "$T/pass" --new-passphrase-file "$T/p12pass" handover --out "$T/sb"
expect_in "$OUT" "what differs for a self-signed credential" "the maker is told it differs"
same_tree "$S" "$before" "a self-signed hand-over"
ok "no CA file for a self-signed credential"
[ ! -e "$T/sb/ca-certificate.pem" ] && [ ! -e "$T/sb/ca-certificate.cer" ] || fail "$(ls "$T/sb")"
md=$(cat "$T/sb/instructions.md")
expect_in "$md" "## What is different about this credential" "the sheet's self-signed section"
expect_in "$md" "Your certificate is self-signed" "the sheet says it is self-signed"
expect_in "$md" "fingerprint of your certificate itself" "the fingerprint is the certificate's"
ok "no CA step for a self-signed credential"
case "$md" in *"Trust this CA"*) fail "the sheet tells them to trust a CA" ;; esac
N2=$T/nss2
mkdir "$N2"
certutil -N -d "sql:$N2" --empty-password
ok "pk12util imports the self-signed .p12"
pk12util -i "$T/sb/credential.p12" -d "sql:$N2" -w "$T/p12pass" > "$T/pk12.out" 2>&1 ||
	fail "pk12util: $(cat "$T/pk12.out")"
finish

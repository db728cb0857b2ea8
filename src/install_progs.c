/* install_progs — the files and the numbered steps for each mail program. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fileio.h"
#include "fpr.h"
#include "install_int.h"
#include "xalloc.h"

/* Which passphrase an import asks for, in the words of every program. */
#define FILE_PASS                                                                        \
	"the passphrase you chose for this file when padseal made it (not the one that " \
	"unlocks your key inside padseal)"

static int
self_signed(X509 *cert)
{
	return (X509_get_extension_flags(cert) & EXFLAG_SS) != 0;
}

/* The .p12 (a copy: the set owns its files); its name into `name`. */
static void
add_p12(const struct install_in *in, struct install_set *s, const char *ext, char *name, size_t len)
{
	iset_cert_name(s, in->addr, in->hex, ext, name, len);
	iset_file(s, name, xmemdup(in->p12, in->p12_len), in->p12_len, 1);
}

/* Each correspondent's certificate and the CA that issued it (the CA
 * form), and the CA(s) of your own chain; the file names, ", "- and
 * " "-joined ("" when none).  `roots` are the files a program must be told
 * to trust: the CAs and the self-signed correspondents. */
struct cert_names {
	char peers[4096], peers_sp[4096];
	char cas[4096], cas_sp[4096]; /* yours first, then the correspondents' */
	char roots[8192], roots_sp[8192];
	char selfsigned[2048]; /* "Sam <sam@example.org>, ..." */
	char first_ca[160];
	size_t n_cas, n_roots, n_selfsigned;
};

static void
append(char *list, size_t len, const char *name, const char *sep)
{
	size_t n = strlen(list);

	snprintf(list + n, len - n, "%s%s", n ? sep : "", name);
}

static void
add_root(struct cert_names *out, const char *name, int ca)
{
	if (ca) {
		append(out->cas, sizeof out->cas, name, ", ");
		append(out->cas_sp, sizeof out->cas_sp, name, " ");
		out->n_cas++;
	}
	append(out->roots, sizeof out->roots, name, ", ");
	append(out->roots_sp, sizeof out->roots_sp, name, " ");
	out->n_roots++;
}

static void
add_certs(const struct install_in *in, struct install_set *s, int der, const char *ext,
	  struct cert_names *out)
{
	char name[160], caext[40];

	memset(out, 0, sizeof *out);
	for (int i = 0; in->chain != NULL && i < sk_X509_num(in->chain); i++) {
		X509 *ca = sk_X509_value(in->chain, i);

		if (i == 0)
			snprintf(name, sizeof name, "your-ca%s", ext);
		else
			snprintf(name, sizeof name, "your-ca-%d%s", i + 1, ext);
		iset_cert(s, ca, der, name);
		add_root(out, name, 1);
		if (i == 0)
			snprintf(out->first_ca, sizeof out->first_ca, "%s", name);
	}
	snprintf(caext, sizeof caext, "-ca%s", ext);
	for (size_t i = 0; i < in->n_peers; i++) {
		const struct install_peer *p = &in->peers[i];

		iset_cert_name(s, p->addr, p->hex, ext, name, sizeof name);
		iset_cert(s, p->cert, der, name);
		append(out->peers, sizeof out->peers, name, ", ");
		append(out->peers_sp, sizeof out->peers_sp, name, " ");
		if (p->ca != NULL) {
			iset_cert_name(s, p->addr, p->hex, caext, name, sizeof name);
			iset_cert(s, p->ca, der, name);
			add_root(out, name, 1);
		} else if (self_signed(p->cert)) {
			char one[400];

			add_root(out, name, 0);
			snprintf(one, sizeof one, "%s%s<%s>", p->name, *p->name ? " " : "",
				 p->addr);
			append(out->selfsigned, sizeof out->selfsigned, one, ", ");
			out->n_selfsigned++;
		}
	}
}

/* "Sam <sam@example.org>, ..." for the steps. */
static void
peer_list(const struct install_in *in, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < in->n_peers; i++) {
		char one[400];

		snprintf(one, sizeof one, "%s%s<%s>", in->peers[i].name,
			 *in->peers[i].name ? " " : "", in->peers[i].addr);
		append(buf, len, one, ", ");
	}
}

int
install_thunderbird(const struct install_in *in, struct install_set *s, struct err *e)
{
	struct cert_names cn;
	char p12[160];

	(void)e;
	add_p12(in, s, ".p12", p12, sizeof p12);
	add_certs(in, s, 0, ".crt", &cn);
	if (self_signed(in->cert))
		iset_note(s,
			  "your certificate is self-signed: Thunderbird shows signatures from self-signed certificates as untrusted (yours on other people's Thunderbird, your correspondents' on yours) once it has restarted, whatever you click, because it keeps only the CA part of the trust; encryption works. A credential in padseal's CA form (padseal create, without --self-signed) shows as valid");
	if (cn.n_selfsigned)
		iset_note(s,
			  "the certificates of %s are self-signed: Thunderbird shows their signatures as valid only until it restarts, then as untrusted, whatever you click. Ask them for padseal's CA form: then you trust their CA under Authorities and their signatures stay valid",
			  cn.selfsigned);
	if (in->profile) {
		/* Imported already: what is left is the account's settings. */
		iset_step(s,
			  "Start Thunderbird. padseal put your certificate%s%s into the profile %s already: Settings, Privacy & Security, Manage Certificates shows yours under Your Certificates%s%s.",
			  cn.n_cas ? ", the certificate authorities" : "",
			  in->n_peers ? " and your correspondents' certificates" : "", in->dir,
			  cn.n_cas ? ", the authorities under Authorities" : "",
			  in->n_peers ? ", your correspondents under People" : "");
		goto account;
	}
	iset_step(s,
		  "Open Thunderbird. Open the menu (the three lines at the top right) and choose Settings, then Privacy & Security. Scroll down to Certificates and click Manage Certificates.");
	iset_step(s,
		  "On the tab Your Certificates, click Import, choose the file %s in the folder %s and click Open. Thunderbird asks for the passphrase of the file: type %s.",
		  p12, in->dir, FILE_PASS);
	if (cn.n_cas)
		iset_step(s,
			  "On the tab Authorities, click Import and choose each of %s (same folder), one at a time. Each time, tick \"Trust this CA to identify email users\" and click OK. These are the certificate authorities that issued your certificate and your correspondents' (each person is their own CA): trusting them is what makes Thunderbird show the signatures as valid.",
			  cn.cas);
	if (in->n_peers)
		iset_step(s,
			  "On the tab People, click Import and choose each of %s (same folder), one at a time. Click OK to close Manage Certificates.",
			  cn.peers);
account:
	iset_step(s,
		  "Open the menu (the three lines at the top right), choose Account Settings, and under your account %s click End-To-End Encryption. Under S/MIME, next to \"Personal certificate for digital signing\" click Select and choose the certificate for %s; do the same for \"Personal certificate for encryption\".",
		  in->addr, in->addr);
	iset_step(s,
		  "Still there, under Default settings for sending messages, tick \"Add my digital signature by default\" (and \"Require encryption by default\" if everyone you write to has your certificate). Close the tab.");
	iset_step(s,
		  "Write a message to a correspondent: the Security button (or the S/MIME line at the bottom) shows that it will be signed and, when you chose it, encrypted. The first signed message you send gives them your certificate.");
	return 0;
}

int
install_iphone(const struct install_in *in, struct install_set *s, struct err *e)
{
	char name[160], id[200], peers[2048];
	char *plist;
	size_t len;

	if (install_mobileconfig(in, &plist, &len, e) != 0)
		return -1;
	iset_cert_name(s, in->addr, in->hex, ".mobileconfig", name, sizeof name);
	iset_file(s, name, (unsigned char *)plist, len, 1);
	install_profile_id(in->hex, id, sizeof id);
	peer_list(in, peers, sizeof peers);
	iset_step(s,
		  "Get the file %s from the folder %s onto the iPhone or iPad: from a Mac, AirDrop it (right-click, Share, AirDrop) and tap Accept on the phone; or put it in iCloud Drive and tap it in the Files app. The passphrase is not in the file, so the file may travel by mail too.",
		  name, in->dir);
	iset_step(s,
		  "Open Settings. At the top, tap \"Profile Downloaded\" (if it is not there: General, then VPN & Device Management, then the padseal profile). Tap Install at the top right, enter the phone's passcode, and tap Install again.");
	iset_step(s,
		  "When the phone asks for the password of the certificate, type %s. Tap Next, then Done.",
		  FILE_PASS);
	iset_step(s,
		  "In Settings, open Mail (on iOS 18: Apps, then Mail), then Accounts, then the account of %s, then Account (the address at the top), then Advanced at the bottom.",
		  in->addr);
	iset_step(s,
		  "Under S/MIME, switch S/MIME on. Tap Sign, switch it on and choose your certificate; tap Encrypt by Default, switch it on and choose your certificate. Go back and tap Done.");
	if (in->n_peers)
		iset_step(s,
			  "The profile also holds the certificates of %s, so the phone trusts them. To encrypt to one of them, open a signed message from them in Mail, tap their name, then View Certificate, then Install.",
			  peers);
	iset_step(s,
		  "Later, when padseal makes this profile again (after you trust someone new, or renew your certificate), install the new file the same way: it replaces this one, certificates you no longer trust included, because its identifier %s stays the same. To remove it by hand: Settings, General, VPN & Device Management, the padseal profile, Remove Profile.",
		  id);
	return 0;
}

/* Your own certificate as .cer (Apple Mail, Outlook): a root to trust
 * too when it is self-signed. */
static void
add_own_cer(const struct install_in *in, struct install_set *s, struct cert_names *cn)
{
	char own[160];

	iset_cert_name(s, in->addr, in->hex, ".cer", own, sizeof own);
	iset_cert(s, in->cert, 1, own);
	add_certs(in, s, 1, ".cer", cn);
	if (self_signed(in->cert))
		add_root(cn, own, 0);
}

/* The Keychain steps, shared by Apple Mail and Outlook for Mac. */
static void
keychain_steps(const struct install_in *in, struct install_set *s, const char *p12,
	       const struct cert_names *cn)
{
	char *cmds = xstrdup(""), *names = xstrdup(cn->roots_sp), *save = NULL;
	char *q = path_sh_quoted(in->dir, p12);

	iset_step(s,
		  "Double-click %s in the folder %s. Keychain Access opens and asks where to add it: choose the keychain \"login\" and click Add. It asks for the passphrase of the file: type %s. (In Terminal instead: security import %s -k ~/Library/Keychains/login.keychain-db -f pkcs12)",
		  p12, in->dir, FILE_PASS, q);
	free(q);
	if (in->n_peers || cn->n_cas)
		iset_step(s,
			  "Double-click each of %s%s%s (same folder) and add it to the keychain \"login\" too.",
			  cn->peers, *cn->peers && *cn->cas ? ", " : "", cn->cas);
	for (char *n = strtok_r(names, " ", &save); n != NULL; n = strtok_r(NULL, " ", &save)) {
		char *qn = path_sh_quoted(in->dir, n);
		char *t =
			xasprintf("%s%ssecurity add-trusted-cert -r trustRoot -p smime -k ~/Library/Keychains/login.keychain-db %s",
				  cmds, *cmds ? " ; " : "", qn);

		free(qn);
		free(cmds);
		cmds = t;
	}
	if (cn->n_roots)
		iset_step(s,
			  "Tell the Mac to trust %s: in Keychain Access, find each one (listed under the name of the person it belongs to) and double-click it, open Trust, and set \"Secure Mail (S/MIME)\" to Always Trust; close the window and type your Mac password. (In Terminal instead: %s)",
			  cn->roots, cmds);
	free(cmds);
	free(names);
}

int
install_apple_mail(const struct install_in *in, struct install_set *s, struct err *e)
{
	struct cert_names cn;
	char p12[160];

	(void)e;
	add_p12(in, s, ".p12", p12, sizeof p12);
	add_own_cer(in, s, &cn);
	keychain_steps(in, s, p12, &cn);
	iset_step(s,
		  "Quit Mail and open it again. Write a new message from %s: two buttons appear at the right of the subject line, a seal (sign) and a padlock (encrypt); the padlock can be closed only for someone whose certificate is in your keychain.",
		  in->addr);
	iset_step(s,
		  "Mail signs and encrypts again whenever you did last time. The first signed message you send gives your correspondent your certificate.");
	return 0;
}

int
install_outlook(const struct install_in *in, struct install_set *s, struct err *e)
{
	struct cert_names cn;
	char p12[160];

	(void)e;
	add_p12(in, s, ".p12", p12, sizeof p12);
	add_own_cer(in, s, &cn);
	iset_step(s,
		  "On Windows: double-click %s in the folder %s. The Certificate Import Wizard opens: choose Current User, click Next twice, type %s, click Next, keep \"Automatically select the certificate store\", click Next and Finish.",
		  p12, in->dir, FILE_PASS);
	if (cn.n_roots)
		iset_step(s,
			  "On Windows: right-click each of %s (same folder), one at a time, and choose Install Certificate: Current User, Next, \"Place all certificates in the following store\", Browse, Trusted Root Certification Authorities, OK, Next, Finish, and Yes to the warning. This is what makes Outlook trust you and your correspondents.",
			  cn.roots);
	iset_step(s,
		  "On Windows, in Outlook: File, Options, Trust Center, Trust Center Settings, Email Security. Click Settings, give the settings a name, choose your certificate for %s under Signing Certificate and Encryption Certificate, and click OK. Tick \"Add digital signature to outgoing messages\" (and \"Encrypt contents and attachments for outgoing messages\" if you want that always), then OK.",
		  in->addr);
	iset_step(s,
		  "On Windows: to encrypt to a correspondent, Outlook needs their certificate on their contact: open a signed message from them, right-click their name and choose Add to Outlook Contacts (or in the contact, Certificates, Import, and their .cer file from this folder).");
	keychain_steps(in, s, p12, &cn);
	iset_step(s,
		  "On a Mac, in Outlook: Outlook menu, Settings, Accounts, your account %s, Advanced, Security. Choose your certificate under Digital signing and under Encryption, tick \"Sign outgoing messages\" (and \"Encrypt outgoing messages\" if you want that always), then OK.",
		  in->addr);
	return 0;
}

int
install_neomutt(const struct install_in *in, struct install_set *s, struct err *e)
{
	struct cert_names cn;
	char p12[160], *q;

	(void)e;
	add_p12(in, s, ".p12", p12, sizeof p12);
	add_certs(in, s, 0, ".pem", &cn);
	if (!cn.first_ca[0])
		iset_note(s,
			  "your certificate is self-signed: neomutt's smime_keys add_p12 refuses a .p12 without a CA (\"No root and no intermediate certificates\"); a credential in padseal's CA form imports as written below");
	if (in->ec)
		iset_note(s,
			  "your key is EC: smime_keys marks EC certificates usable for signing only, so correspondents using neomutt cannot encrypt to you until their .index line is edited");
	iset_step(s,
		  "Make sure your muttrc loads the S/MIME settings of the neomutt package: it should contain the line: source /etc/neomuttrc.d/smime.rc");
	iset_step(s,
		  "Run: /usr/libexec/neomutt/smime_keys init   (it makes ~/.smime with its keys and certificates folders; skip this when you have it already).");
	if (cn.n_roots)
		iset_step(s,
			  "In the folder %s, for each of %s run: /usr/libexec/neomutt/smime_keys add_root FILE   (the certificate authorities of you and your correspondents, and the self-signed certificates: what neomutt is to trust. Add them before your .p12, or smime_keys marks your certificate invalid).",
			  in->dir, cn.roots);
	q = path_sh_quoted(in->dir, p12);
	iset_step(s,
		  "Run: /usr/libexec/neomutt/smime_keys add_p12 %s   It asks for the passphrase of the file: type %s. Then it asks for a new passphrase for the key kept in ~/.smime, and for a label.",
		  q, FILE_PASS);
	free(q);
	if (in->n_peers)
		iset_step(s,
			  "For each of %s in the folder %s run: /usr/libexec/neomutt/smime_keys add_cert FILE   (a label is asked for each).",
			  cn.peers, in->dir);
	iset_step(s,
		  "Run /usr/libexec/neomutt/smime_keys list and note the key ID (a name like 1a2b3c4d.0) shown for %s. Add to your muttrc: set smime_default_key=THAT-ID, set smime_sign_as=THAT-ID, set smime_is_default=yes, set crypt_autosign=yes, set smime_self_encrypt=yes, and set crypt_autoencrypt=yes if you want every message encrypted.",
		  in->addr);
	return 0;
}

/* One trustlist line: the SHA-1 fingerprint, S (S/MIME), and "relax"
 * for a self-signed certificate that is not a CA. */
static char *
trust_line(char *list, X509 *cert)
{
	char sha1[FPR_COLON_LEN];
	unsigned char d[64];
	size_t n = fpr_digest(cert, FPR_SHA1, d);
	char *t;

	fpr_colon(d, n, sha1);
	t = xasprintf("%s%s S%s\n", list, sha1, X509_check_ca(cert) > 0 ? "" : " relax");
	free(list);
	return t;
}

/* The GnuPG home the gpgsm steps use: one of its own, so that what
 * padseal's certificates need (no revocation lists, name constraints not
 * checked) changes nothing for the certificates in ~/.gnupg. */
#define GPGSM_HOME "~/.gnupg-padseal"

/* `names` (" "-joined file names) as quoted paths in `dir`, " "-joined. */
static char *
quoted_paths(const char *dir, const char *names)
{
	char *list = xstrdup(""), *copy = xstrdup(names), *save = NULL;

	for (char *n = strtok_r(copy, " ", &save); n != NULL; n = strtok_r(NULL, " ", &save)) {
		char *q = path_sh_quoted(dir, n),
		     *t = xasprintf("%s%s%s", list, *list ? " " : "", q);

		free(q);
		free(list);
		list = t;
	}
	free(copy);
	return list;
}

int
install_gpgsm(const struct install_in *in, struct install_set *s, struct err *e)
{
	struct cert_names cn;
	char p12[160], own[160], names[8192];
	char *tl = xstrdup(""), *q;

	(void)e;
	add_p12(in, s, ".p12", p12, sizeof p12);
	iset_cert_name(s, in->addr, in->hex, ".pem", own, sizeof own);
	iset_cert(s, in->cert, 0, own);
	add_certs(in, s, 0, ".pem", &cn);
	/* Roots gpgsm must be told to trust: a self-signed certificate (yours,
	 * a correspondent's) or the CA at the top of a chain. */
	if (self_signed(in->cert))
		tl = trust_line(tl, in->cert);
	for (int i = 0; in->chain != NULL && i < sk_X509_num(in->chain); i++)
		if (self_signed(sk_X509_value(in->chain, i)))
			tl = trust_line(tl, sk_X509_value(in->chain, i));
	for (size_t i = 0; i < in->n_peers; i++)
		if (in->peers[i].ca != NULL)
			tl = trust_line(tl, in->peers[i].ca);
		else if (self_signed(in->peers[i].cert))
			tl = trust_line(tl, in->peers[i].cert);
	iset_file(s, "trustlist.txt", (unsigned char *)tl, strlen(tl), 0);
	/* gpgsm 2.2 refuses every certificate under a CA with a critical
	 * extension it does not know, and padseal's CAs carry name
	 * constraints (2.5.29.30): measured, trusting the certificate itself
	 * instead of its CA does not help (gpgsm walks to the root). The
	 * only way is ignore-cert-extension, which holds for every CA of a
	 * GnuPG home: hence a home of its own, and the steps say so. */
	if (cn.n_cas)
		iset_note(s,
			  "gpgsm 2.2 does not understand the name constraints in padseal's certificate authorities (the rule that each may vouch only for its owner's addresses) and refuses every certificate under them unless told to ignore them, with the option ignore-cert-extension 2.5.29.30. That option holds for every certificate authority of a GnuPG home: with it, gpgsm no longer checks whose addresses a CA vouches for, so any CA trusted there could vouch for any address. So these steps keep padseal's certificates in a GnuPG home of their own, %s, which trusts only you and the correspondents you trust in padseal, and leave ~/.gnupg as it is. When gpgsm says Good signature, check that the address it shows is the sender's",
			  GPGSM_HOME);
	iset_step(s,
		  "Make a GnuPG home for padseal's certificates (so that nothing changes for the certificates in ~/.gnupg): self-made certificates carry no revocation list%s. Run: mkdir -p -m 700 " GPGSM_HOME
		  " && echo disable-crl-checks > " GPGSM_HOME "/gpgsm.conf%s",
		  cn.n_cas ? ", and the name constraints are ignored there (see the note above)" :
			     "",
		  cn.n_cas ? " && echo ignore-cert-extension 2.5.29.30 >> " GPGSM_HOME
			     "/gpgsm.conf" :
			     "");
	q = path_sh_quoted(in->dir, p12);
	iset_step(s,
		  "Import your credential. gpgsm asks for the passphrase of the file: type %s. Then GnuPG asks for a new passphrase to protect the key in its own store. Run: gpgsm --homedir " GPGSM_HOME
		  " --import %s",
		  FILE_PASS, q);
	free(q);
	snprintf(names, sizeof names, "%s%s%s", cn.peers_sp, *cn.peers_sp && *cn.cas_sp ? " " : "",
		 cn.cas_sp);
	if (*names) {
		q = quoted_paths(in->dir, names);
		iset_step(s,
			  "Import the certificates of your correspondents and the certificate authorities. Run: gpgsm --homedir " GPGSM_HOME
			  " --import %s",
			  q);
		free(q);
	}
	q = path_sh_quoted(in->dir, "trustlist.txt");
	iset_step(s,
		  "Tell gpgsm whom to trust (you, and the correspondents you trust in padseal), and restart GnuPG's agent so that it reads the list. Run: cat %s >> " GPGSM_HOME
		  "/trustlist.txt && gpgconf --homedir " GPGSM_HOME " --kill gpg-agent",
		  q);
	free(q);
	iset_step(s,
		  "Use this home whenever gpgsm reads or writes mail for %s: gpgsm --homedir " GPGSM_HOME
		  " --verify, --decrypt or --sign; a mail program that calls gpgsm uses it when started with GNUPGHOME=" GPGSM_HOME
		  " in front of its name. Check that your key is there: it shows %s. Run: gpgsm --homedir " GPGSM_HOME
		  " --list-secret-keys",
		  in->addr, in->addr);
	return 0;
}

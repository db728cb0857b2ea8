#!/usr/bin/env python3
"""Headless Thunderbird for padseal's tests: what does the real Thunderbird
say about a message?

    tb.py check [--p12 FILE:PASSFILE]... [--cert FILE:TRUST]...
                [--tb-cert FILE:TRUST]... [--profile DIR]
                [--timeout SECONDS] [--json] EML...
    tb.py nss PROFILE [--verify NICK]...
    tb.py send --profile DIR --smtp HOST:PORT --user USER --pass-file FILE
               --from "NAME <ADDR>" --to ADDR [--ca FILE] [--sent MBOX]
               [--timeout SECONDS] KIND...

`check` makes a throw-away profile in a temporary folder (or copies DIR,
which is left untouched), imports the credentials (.p12, with NSS's
pk12util) and certificates (with certutil and the trust flags given, e.g.
",C," for a CA, ",P," for a peer), starts Thunderbird headless with
Marionette, opens each .eml in turn in a message window (in the order
given; name a file twice to see it twice) and prints one line per message.
--tb-cert imports a certificate through Thunderbird itself once it runs
(nsIX509CertDB.addCertFromBase64, as its certificate manager does).
The report:

    MSG N signature=S code=NAME decrypted=D signer=EMAIL|- file=PATH
    TEXT N WORDS...                   (the text shown, on one line, or -)
    EMAILTRUST N SHA256 C|P|CP|- WHO  (e-mail trust as Thunderbird reads it:
                                       C as an issuer, P as a peer)
    TRUST N NICKNAME FLAGS            (the profile's trust after message N;
                                       N=0: once Thunderbird has started)

S is valid, untrusted, invalid, mismatch, unknown or not-signed; NAME is
Thunderbird's nsICMSMessageErrors constant (SUCCESS, VERIFY_UNTRUSTED, ...)
or NONE; D is yes, no or not-encrypted. --json prints one JSON document
instead. The word RESTART in place of a file stops Thunderbird and starts
it again on the same profile (printed as "RESTART N", after message N);
"TRUST end" lines give the store once Thunderbird has stopped. The
timeout applies to starting and to each message (default 300 seconds).
Thunderbird is always shut down and the temporary folder removed,
also on failure or on SIGTERM. Exit status: 0 when every message was shown,
2 when Thunderbird could not be started or driven (the reason is one line
on stderr), 1 for bad arguments.

`nss` lists a profile's NSS store (certificates with trust flags, then
keys) in the same TRUST/KEY line form, without starting Thunderbird; with
--verify NICK it adds "VERIFY S|R ok|fail REASON NICK" from certutil -V
(S: as a mail signer, R: as a mail recipient).

`send` is Thunderbird as a sender: on a copy of DIR (a profile holding
the sender's key and certificate and the recipient's certificate, as
padseal install --profile leaves it) it sets up an account for ADDR whose
outgoing server is HOST:PORT (STARTTLS required, a password login; --ca is
imported as the authority for the server's certificate), and sends one
message of each KIND (plain, signed, encrypted, signed-encrypted) to the
recipient, composed by Thunderbird and signed or encrypted by its own
S/MIME code, as its compose window does (nsIMsgSend with the S/MIME
settings of the identity and the message). Each is copied to the
account's Sent folder; --sent copies that folder (an mbox file) to MBOX
at the end. One line per message: "SENT N KIND". The password is read
from FILE and reaches Thunderbird only through Marionette, never argv.

Only the Python 3 standard library is used. Thunderbird, certutil and
pk12util are found on PATH (PADSEAL_THUNDERBIRD overrides the first).
If PADSEAL_TB_LOCK names a file, the Thunderbird run holds an exclusive
flock on it (the machine's "heavy work" lock).
"""

import argparse
import base64
import email.parser
import email.policy
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


class HarnessError(Exception):
    """Thunderbird could not be started or driven; the message is one line."""


# ---------------------------------------------------------------------------
# Marionette: TCP, each packet "LENGTH:JSON"; commands are
# [0, id, name, params], answers [1, id, error, result].


class Marionette:
    def __init__(self, port, deadline):
        self.deadline = deadline
        self.buf = b""
        self.msgid = 0
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.settimeout(None)
        hello = self._recv()
        if not isinstance(hello, dict) or hello.get("marionetteProtocol") != 3:
            raise HarnessError("Marionette greeted with %r" % (hello,))

    def _fill(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise HarnessError("timed out waiting for Marionette")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise HarnessError("timed out waiting for Marionette") from None
        if not chunk:
            raise HarnessError("Marionette closed the connection")
        self.buf += chunk

    def _recv(self):
        while b":" not in self.buf:
            self._fill()
        head, _, rest = self.buf.partition(b":")
        n = int(head)
        self.buf = rest
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return json.loads(data.decode("utf-8"))

    def command(self, name, params=None):
        self.msgid += 1
        data = json.dumps([0, self.msgid, name, params or {}]).encode("ascii")
        self.sock.sendall(b"%d:%s" % (len(data), data))
        while True:
            msg = self._recv()
            if isinstance(msg, list) and len(msg) == 4 and msg[0] == 1 and msg[1] == self.msgid:
                if msg[2]:
                    err = msg[2]
                    raise HarnessError(
                        "%s failed: %s: %s"
                        % (name, err.get("error"), str(err.get("message", "")).splitlines()[0:1])
                    )
                return msg[3]

    def script(self, body, args=()):
        res = self.command("WebDriver:ExecuteScript", {"script": body, "args": list(args)})
        return res.get("value") if isinstance(res, dict) else res

    def script_async(self, body, args=()):
        """Runs BODY, which calls arguments[arguments.length - 1] (its
        answer) when done, and returns that answer."""
        res = self.command("WebDriver:ExecuteAsyncScript", {"script": body, "args": list(args)})
        return res.get("value") if isinstance(res, dict) else res

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# The chrome-context scripts.

JS_OPEN = r"""
const [path] = arguments;
const file = Cc["@mozilla.org/file/local;1"].createInstance(Ci.nsIFile);
file.initWithPath(path);
const url = Services.io.newFileURI(file).mutate()
  .setQuery("type=application/x-message-display").finalize();
const w = window.openDialog("chrome://messenger/content/messageWindow.xhtml",
  "_blank", "all,chrome,dialog=no,status,toolbar", url);
window.padsealTbWindow = w;
return true;
"""

# Answers {state: "loading"} until the message window has loaded the message
# and every signature check it started has reported (the condition
# Thunderbird's own "smimeprocessed" event waits for), then "loaded" and
# the status. That condition alone is racy (the first message of a run can
# report "loaded" before its signature check has even started), so the
# caller also waits for the status the message's own structure promises.
JS_POLL = r"""
const w = window.padsealTbWindow;
if (!w || w.closed) return { state: "gone" };
if (w.document.readyState != "complete") return { state: "loading" };
const b = w.document.getElementById("messageBrowser");
const am = b && b.contentWindow;
if (!am || am.document.readyState != "complete" || !am.gSmimeMsgLoadedFired)
  return { state: "loading" };
if (am.gReceivedSignatureCount < am.gExpectedSignatureCount)
  return { state: "verifying" };
const names = {};
for (const k of Object.keys(Ci.nsICMSMessageErrors)) {
  const v = Ci.nsICMSMessageErrors[k];
  if (typeof v == "number" && !(v in names)) names[v] = k;
}
const cert = am.gSignerCert;
let text = null;
try {
  const doc = am.getMessagePaneBrowser().contentDocument;
  text = doc && doc.body ? doc.body.textContent : null;
} catch (e) {}
return {
  state: "loaded",
  sigFor: am.gSignatureStatusForURI,
  encFor: am.gEncryptionStatusForURI,
  sig: am.gSignatureStatus,
  sigName: am.gSignatureStatus == -1 ? "NONE" : (names[am.gSignatureStatus] || String(am.gSignatureStatus)),
  enc: am.gEncryptionStatus,
  encName: am.gEncryptionStatus == -1 ? "NONE" : (names[am.gEncryptionStatus] || String(am.gEncryptionStatus)),
  signerEmail: cert ? cert.emailAddress : null,
  signerSubject: cert ? cert.subjectName : null,
  signerSha256: cert ? cert.sha256Fingerprint : null,
  text: text,
};
"""

JS_CLOSE = r"""
const w = window.padsealTbWindow;
if (w && !w.closed) w.close();
window.padsealTbWindow = null;
return true;
"""

JS_VERSION = r"""return Services.appinfo.version;"""

# Thunderbird as a sender: an outgoing server, an account and an identity
# whose S/MIME certificates are the sender's own (found by address in the
# profile's store, as the account settings' "Select" does), then one
# message of each kind through nsIMsgSend, the compose window's way.
# Answers {ids: [message-id per kind], sent: the Sent folder's file} or
# {error: Thunderbird's reason}.
JS_SEND = r"""
const [o, done] = arguments;
(async () => {
const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
const db = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
const smtp = MailServices.outgoingServer.createServer("smtp").QueryInterface(Ci.nsISmtpServer);
smtp.hostname = o.host;
smtp.port = o.port;
smtp.socketType = Ci.nsMsgSocketType.alwaysSTARTTLS;
smtp.authMethod = Ci.nsMsgAuthMethod.passwordCleartext;
smtp.username = o.user;
smtp.password = o.password;
const inc = MailServices.accounts.createIncomingServer(o.user, "padseal.invalid", "none");
const acc = MailServices.accounts.createAccount();
acc.incomingServer = inc;
const id = MailServices.accounts.createIdentity();
id.email = o.from;
id.fullName = o.name;
id.smtpServerKey = smtp.key;
id.doFcc = true;
id.fccFolderURI = inc.serverURI + "/Sent";
const mine = db.getCerts().filter(c => c.emailAddress == o.from && !c.isBuiltInRoot);
if (!mine.length) throw new Error("no certificate for " + o.from + " in the profile");
for (const use of ["signing", "encryption"]) {
  id.setUnicharAttribute(use + "_cert_name", mine[0].displayName);
  id.setCharAttribute(use + "_cert_dbkey", mine[0].dbKey);
}
acc.addIdentity(id);
if (!inc.rootMsgFolder.containsChildNamed("Sent")) inc.rootMsgFolder.createSubfolder("Sent", null);
const ids = [];
for (const kind of o.kinds) {
  const f = Cc["@mozilla.org/messengercompose/composefields;1"].createInstance(Ci.nsIMsgCompFields);
  f.from = MailServices.headerParser.makeMimeAddress(o.name, o.from);
  f.to = o.to;
  f.subject = "Thunderbird test: " + kind;
  const sec = Cc["@mozilla.org/messengercompose/composesecure;1"].createInstance(Ci.nsIMsgComposeSecure);
  sec.signMessage = kind == "signed" || kind == "signed-encrypted";
  sec.requireEncryptMessage = kind == "encrypted" || kind == "signed-encrypted";
  f.composeSecure = sec;
  // As the compose window does before it sends: the recipient's
  // certificate looked up (valid for encryption) and remembered.
  if (sec.requireEncryptMessage) {
    const cert = await new Promise(found => sec.asyncFindCertByEmailAddr(o.to, {
      QueryInterface: ChromeUtils.generateQI(["nsIDoneFindCertForEmailCallback"]),
      findCertDone(email, c) { found(c); },
    }));
    if (!cert) throw new Error("Thunderbird has no valid certificate for " + o.to);
    sec.cacheValidCertForEmail(o.to, cert.dbKey);
  }
  ids.push(await new Promise((resolve, reject) => {
    let msgid = null;
    const listener = {
      QueryInterface: ChromeUtils.generateQI(["nsIMsgSendListener", "nsIMsgCopyServiceListener"]),
      onStartSending() {}, onProgress() {}, onStatus() {}, onGetDraftFolderURI() {},
      onStartCopy() {}, setMessageKey() {}, getMessageId() { return msgid; },
      onStopSending(mid, status) {
        if (status) reject(new Error(kind + ": not sent (" + status + ")"));
        msgid = mid;
      },
      onSendNotPerformed(mid, status) { reject(new Error(kind + ": not sent (" + status + ")")); },
      onTransportSecurityError(mid, status, secInfo, location) {
        reject(new Error(kind + ": the server's certificate was refused at " + location));
      },
      onStopCopy(status) {
        if (status) reject(new Error(kind + ": sent, but not copied to Sent (" + status + ")"));
        else resolve(msgid);
      },
    };
    const body = "Hello,\r\n\r\nthis is the " + kind + " test message, from Thunderbird.\r\n\r\n" + o.name + "\r\n";
    Cc["@mozilla.org/messengercompose/send;1"].createInstance(Ci.nsIMsgSend).createAndSendMessage(
      null, id, acc.key, f, false, false, Ci.nsIMsgSend.nsMsgDeliverNow, null,
      "text/plain", body, null, null, listener, null, "", Ci.nsIMsgCompType.New);
  }));
}
return { ids, sent: inc.rootMsgFolder.getChildNamed("Sent").filePath.path };
})().then(done, e => done({ error: String(e && e.message || e) }));
"""

# Thunderbird's own import of a certificate with trust (what its certificate
# manager does): nsIX509CertDB.addCertFromBase64, base64 DER in arguments[0].
JS_ADD_CERT = r"""
const [b64, trust] = arguments;
const db = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
return db.addCertFromBase64(b64, trust).sha256Fingerprint;
"""

# The e-mail trust as Thunderbird's certificate store sees it (the profile's
# own certificates, not the built-in roots): certutil -L
# prints ",C," for a certificate stored with both the CA and the peer bit
# (",CP,"), so it cannot show the difference Thunderbird acts on.
JS_TRUST = r"""
const db = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
return db.getCerts().filter(c => !c.isBuiltInRoot && !/builtin/i.test(c.tokenName)).map(c => [
  c.sha256Fingerprint,
  (db.isCertTrusted(c, Ci.nsIX509Cert.CA_CERT, Ci.nsIX509CertDB.TRUSTED_EMAIL) ? "C" : "") +
  (db.isCertTrusted(c, Ci.nsIX509Cert.EMAIL_CERT, Ci.nsIX509CertDB.TRUSTED_EMAIL) ? "P" : ""),
  c.emailAddress || c.commonName || "",
]);
"""


def expected_status(eml):
    """Which S/MIME status Thunderbird must report for this message, from its
    top-level Content-Type: "signature", "encryption", "any" or None."""
    with open(eml, "rb") as f:
        msg = email.parser.BytesHeaderParser(policy=email.policy.compat32).parse(f)
    ctype = msg.get_content_type()
    if ctype == "multipart/signed":
        return "signature"
    if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
        kind = (msg.get_param("smime-type") or "").lower()
        if kind == "signed-data":
            return "signature"
        if kind in ("enveloped-data", "authenveloped-data"):
            return "encryption"
        return "any"
    return None


def classify(res):
    """The signature's class in Thunderbird's words (see msgReadSMIMEOverlay)."""
    name = res["sigName"]
    if res["sig"] == -1:
        return "not-signed"
    if name == "SUCCESS":
        return "valid"
    if name == "VERIFY_UNTRUSTED":
        return "untrusted"
    if name in ("VERIFY_HEADER_MISMATCH", "VERIFY_CERT_WITHOUT_ADDRESS"):
        return "mismatch"
    if name == "VERIFY_NOT_YET_ATTEMPTED":
        return "unknown"
    return "invalid"


def decrypted(res):
    if res["enc"] == -1:
        return "not-encrypted"
    return "yes" if res["encName"] == "SUCCESS" else "no"


# ---------------------------------------------------------------------------
# NSS store.


def run_tool(argv, what):
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    except FileNotFoundError:
        raise HarnessError(
            "%s is not installed (Debian: libnss3-tools; scripts/setup installs it)" % argv[0]
        ) from None
    if p.returncode != 0:
        first = (p.stderr.strip() or p.stdout.strip()).splitlines()[:1]
        raise HarnessError("%s failed: %s" % (what, first[0] if first else "exit %d" % p.returncode))
    return p.stdout


def nss_trust(profile):
    """[(nickname, flags)] from certutil -L."""
    out = run_tool(["certutil", "-L", "-d", "sql:" + profile], "certutil -L")
    rows = []
    for line in out.splitlines():
        line = line.rstrip()
        if not line or line.startswith("Certificate Nickname") or "SSL,S/MIME,JAR/XPI" in line:
            continue
        nick, _, flags = line.rpartition(" ")
        if nick.strip():
            rows.append((nick.strip(), flags))
    return rows


def nss_keys(profile):
    """[nickname] of the private keys, from certutil -K."""
    p = subprocess.run(
        ["certutil", "-K", "-d", "sql:" + profile],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    keys = []
    for line in p.stdout.splitlines():
        # "< 0> rsa      0123...abcd   NICKNAME"
        if line.startswith("<"):
            parts = line.split(None, 4) if "> " not in line[:5] else line.split(">", 1)[1].split(None, 2)
            keys.append(parts[-1].strip() if parts else line)
    return keys


def make_store(profile, p12s, certs, create=True):
    empty = os.path.join(os.path.dirname(profile), "empty-pass")
    with open(empty, "w", opener=lambda p, f: os.open(p, f, 0o600)):
        pass
    if create:
        run_tool(["certutil", "-N", "-d", "sql:" + profile, "--empty-password"], "certutil -N")
    for path, passfile in p12s:
        run_tool(
            ["pk12util", "-i", path, "-d", "sql:" + profile, "-w", passfile, "-k", empty],
            "pk12util -i " + os.path.basename(path),
        )
    for path, trust in certs:
        nick = os.path.splitext(os.path.basename(path))[0]
        argv = ["certutil", "-A", "-d", "sql:" + profile, "-n", nick, "-t", trust, "-i", path]
        with open(path, "rb") as f:
            if f.read(11) == b"-----BEGIN ":
                argv.append("-a")
        run_tool(argv, "certutil -A " + os.path.basename(path))


# ---------------------------------------------------------------------------
# Thunderbird.

USER_JS = """\
user_pref("marionette.port", 0);
user_pref("mail.shell.checkDefaultClient", false);
user_pref("mail.provider.suppress_dialog_on_startup", true);
user_pref("mail.spotlight.firstRunDone", true);
user_pref("mail.winsearch.firstRunDone", true);
user_pref("mailnews.start_page.enabled", false);
user_pref("mail.startup.enabledMailCheckOnce", true);
user_pref("mail.openMessageBehavior", 0);
user_pref("mail.rights.version", 1);
user_pref("mail.inappnotifications.enabled", false);
user_pref("app.donation.eoy.version.viewed", 999);
user_pref("app.update.auto", false);
user_pref("app.update.disabledForTesting", true);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("toolkit.startup.max_resumed_crashes", -1);
user_pref("network.connectivity-service.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("security.OCSP.enabled", 0);
user_pref("extensions.update.enabled", false);
user_pref("extensions.getAddons.cache.enabled", false);
"""


class Thunderbird:
    """One headless Thunderbird on PROFILE; stop() always ends it."""

    def __init__(self, profile, home, deadline):
        self.profile = profile
        self.deadline = deadline
        self.proc = None
        self.mn = None
        self.log = os.path.join(home, "thunderbird.log")
        binary = os.environ.get("PADSEAL_THUNDERBIRD") or shutil.which("thunderbird")
        if not binary:
            raise HarnessError("thunderbird is not installed (Debian: thunderbird; scripts/setup installs it)")
        env = dict(os.environ)
        env.update(
            HOME=home,
            TMPDIR=home,
            MOZ_HEADLESS="1",
            MOZ_CRASHREPORTER_DISABLE="1",
            MOZ_DISABLE_AUTO_SAFE_MODE="1",
            XDG_CONFIG_HOME=os.path.join(home, ".config"),
            XDG_CACHE_HOME=os.path.join(home, ".cache"),
        )
        env.pop("DISPLAY", None)
        env.pop("WAYLAND_DISPLAY", None)
        userjs = os.path.join(profile, "user.js")
        old = ""
        if os.path.exists(userjs):
            with open(userjs) as f:
                old = f.read()
        if USER_JS not in old:
            with open(userjs, "a") as f:
                f.write(USER_JS)
        try:
            os.unlink(os.path.join(profile, "MarionetteActivePort"))
        except FileNotFoundError:
            pass
        logf = open(self.log, "wb")
        self.proc = subprocess.Popen(
            [binary, "--headless", "--marionette", "--remote-allow-system-access",
             "--no-remote", "--profile", profile],
            stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
            env=env, start_new_session=True,
        )
        logf.close()

    def _alive(self):
        if self.proc.poll() is not None:
            raise HarnessError("Thunderbird exited with status %s while starting (log: %s)"
                               % (self.proc.returncode, self._log_tail()))

    def _log_tail(self):
        try:
            with open(self.log, "rb") as f:
                lines = f.read().decode("utf-8", "replace").strip().splitlines()
            return lines[-1] if lines else "empty"
        except OSError:
            return "none"

    def last_error(self):
        """The last JavaScript error in Thunderbird's log, or "no reason given"."""
        try:
            with open(self.log, "rb") as f:
                errs = [l for l in f.read().decode("utf-8", "replace").splitlines() if "JavaScript error" in l]
            return errs[-1] if errs else "no reason given"
        except OSError:
            return "no reason given"

    def _wait(self, what, step):
        """Poll step() until it returns something other than None."""
        pause = 0.05
        while True:
            got = step()
            if got is not None:
                return got
            if time.monotonic() > self.deadline:
                raise HarnessError("timed out waiting for %s" % what)
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def start(self):
        portfile = os.path.join(self.profile, "MarionetteActivePort")

        def port():
            self._alive()
            try:
                with open(portfile) as f:
                    text = f.read().strip()
                return int(text) if text else None
            except (OSError, ValueError):
                return None

        p = self._wait("Thunderbird to listen for Marionette", port)

        def session():
            self._alive()
            try:
                mn = Marionette(p, self.deadline)
                mn.command("WebDriver:NewSession", {"capabilities": {}})
                mn.command("Marionette:SetContext", {"value": "chrome"})
                mn.command("WebDriver:SetTimeouts", {"script": 120000})
                return mn
            except (OSError, HarnessError) as e:
                last[0] = str(e)
                return None

        last = [""]
        self.mn = self._wait("a Marionette session", session)
        return self.mn.script(JS_VERSION)

    def show(self, eml):
        self.mn.deadline = self.deadline
        self.mn.script(JS_CLOSE)
        self.mn.script(JS_OPEN, [os.path.abspath(eml)])

        want = expected_status(eml)

        def poll():
            r = self.mn.script(JS_POLL)
            if r.get("state") == "gone":
                raise HarnessError("the message window for %s closed by itself" % eml)
            if r.get("state") != "loaded":
                return None
            if want == "signature" and not r["sigFor"]:
                return None
            if want == "encryption" and not r["encFor"]:
                return None
            if want == "any" and not (r["sigFor"] or r["encFor"]):
                return None
            return r

        r = self._wait("Thunderbird to show " + eml, poll)
        self.mn.script(JS_CLOSE)
        return r

    def stop(self):
        if self.mn:
            try:
                self.mn.deadline = time.monotonic() + 30
                self.mn.command("Marionette:Quit", {"flags": ["eForceQuit"]})
            except (OSError, HarnessError, ValueError):
                pass
            self.mn.close()
            self.mn = None
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
        if self.proc and self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 15)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # Helpers the binary started in its own group (same session id).
        if self.proc:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def split_arg(value, what):
    path, sep, rest = value.rpartition(":")
    if not sep or not path:
        raise SystemExit("tb.py: %s must be FILE:%s, got %r" % (what, what.split(":")[-1], value))
    return path, rest


def der_base64(path):
    """A certificate file (PEM or DER) as base64 DER on one line."""
    with open(path, "rb") as f:
        data = f.read()
    if b"-----BEGIN CERTIFICATE-----" in data:
        body = data.split(b"-----BEGIN CERTIFICATE-----", 1)[1].split(b"-----END", 1)[0]
        return b"".join(body.split()).decode("ascii")
    return base64.b64encode(data).decode("ascii")


def copy_profile(src, dst):
    if not (os.path.isfile(os.path.join(src, "cert9.db")) and os.path.isfile(os.path.join(src, "key4.db"))):
        raise HarnessError("%s is not a Thunderbird profile (no cert9.db and key4.db)" % src)
    shutil.copytree(
        src, dst, symlinks=True,
        ignore=shutil.ignore_patterns("lock", ".parentlock", "parent.lock", "MarionetteActivePort"),
    )


class Run:
    """A throw-away private folder (ROOT/profile is the profile used), the
    machine's heavy-work lock (PADSEAL_TB_LOCK) once taken, and the
    Thunderbird started on the profile: close() lets them all go."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="padseal-tb.")
        os.chmod(self.root, 0o700)
        self.profile = os.path.join(self.root, "profile")
        self.lockfd = None
        self.tb = None

    def lock(self):
        lock = os.environ.get("PADSEAL_TB_LOCK")
        if lock:
            self.lockfd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
            fcntl.flock(self.lockfd, fcntl.LOCK_EX)

    def start(self, timeout):
        """Thunderbird on the profile (a running one is stopped first);
        its version."""
        self.stop()
        self.tb = Thunderbird(self.profile, self.root, time.monotonic() + timeout)
        return self.tb.start()

    def stop(self):
        if self.tb:
            self.tb.stop()
        self.tb = None

    def close(self):
        self.stop()
        if self.lockfd is not None:
            os.close(self.lockfd)
        shutil.rmtree(self.root, ignore_errors=True)


def harness(work):
    """work(run) in a new Run, which always ends.  Thunderbird that could not
    be started or driven (or a file that could not be used) is one line on
    stderr and the answer None."""
    run = Run()
    try:
        return work(run)
    except HarnessError as e:
        print("tb.py: %s" % e, file=sys.stderr)
    except OSError as e:
        print("tb.py: %s: %s" % (e.filename or "", e.strerror), file=sys.stderr)
    finally:
        run.close()
    return None


def check(args):
    report = {"thunderbird": None, "trust_at_start": None, "email_trust_at_start": None,
              "messages": [], "trust": None, "seconds": {}}
    t0 = time.monotonic()

    def work(run):
        profile = run.profile
        if args.profile:
            copy_profile(args.profile, profile)
        else:
            os.mkdir(profile, 0o700)
            make_store(profile, args.p12, args.cert)
        run.lock()
        t1 = time.monotonic()
        report["seconds"]["lock_wait"] = round(t1 - t0, 2)
        report["thunderbird"] = run.start(args.timeout)
        t2 = time.monotonic()
        report["seconds"]["start"] = round(t2 - t1, 2)
        for path, trust in args.tb_cert:
            run.tb.mn.script(JS_ADD_CERT, [der_base64(path), trust])
        report["trust_at_start"] = nss_trust(profile)
        report["email_trust_at_start"] = run.tb.mn.script(JS_TRUST)
        n = 0
        for eml in args.eml:
            if eml == "RESTART":
                ts = time.monotonic()
                run.start(args.timeout)
                report["seconds"]["restart"] = round(time.monotonic() - ts, 2)
                report["messages"].append({"restart_after": n})
                continue
            n += 1
            ts = time.monotonic()
            run.tb.deadline = max(run.tb.deadline, ts + args.timeout)
            r = run.tb.show(eml)
            msg = {
                "n": n,
                "file": eml,
                "signature": classify(r),
                "code": r["sigName"],
                "decrypted": decrypted(r),
                "encryption_code": r["encName"],
                "signer": r["signerEmail"],
                "signer_subject": r["signerSubject"],
                "signer_sha256": r["signerSha256"],
                "text": r["text"],
                "trust": nss_trust(profile),
                "email_trust": run.tb.mn.script(JS_TRUST),
                "seconds": round(time.monotonic() - ts, 2),
            }
            report["messages"].append(msg)
        t3 = time.monotonic()
        run.stop()
        report["seconds"]["stop"] = round(time.monotonic() - t3, 2)
        report["trust"] = nss_trust(profile)
        return True

    if harness(work) is None:
        return 2
    report["seconds"]["total"] = round(time.monotonic() - t0, 2)
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        print()
        return 0
    print("THUNDERBIRD %s" % report["thunderbird"])
    for nick, flags in report["trust_at_start"]:
        print("TRUST 0 %s %s" % (nick, flags))
    for fpr, bits, who in report["email_trust_at_start"]:
        print("EMAILTRUST 0 %s %s %s" % (fpr, bits or "-", who))
    for m in report["messages"]:
        if "restart_after" in m:
            print("RESTART %d" % m["restart_after"])
            continue
        print("MSG %d signature=%s code=%s decrypted=%s signer=%s file=%s"
              % (m["n"], m["signature"], m["code"], m["decrypted"], m["signer"] or "-", m["file"]))
        for nick, flags in m["trust"]:
            print("TRUST %d %s %s" % (m["n"], nick, flags))
        for fpr, bits, who in m["email_trust"]:
            print("EMAILTRUST %d %s %s %s" % (m["n"], fpr, bits or "-", who))
        print("TEXT %d %s" % (m["n"], one_line(m["text"])))
    for nick, flags in report["trust"]:
        print("TRUST end %s %s" % (nick, flags))
    print("TIME %s" % " ".join("%s=%s" % kv for kv in report["seconds"].items()))
    return 0


def one_line(text):
    """The message text as one line of printable ASCII (others become '?')."""
    if text is None:
        return "-"
    words = "".join(ch if " " <= ch <= "~" else ("?" if not ch.isspace() else " ") for ch in text).split()
    return " ".join(words)[:2000] or "-"


def nss_verify(profile, nick, usage):
    """certutil -V for one usage (S: signer, R: recipient): "ok" or its reason."""
    p = subprocess.run(
        ["certutil", "-V", "-d", "sql:" + profile, "-n", nick, "-u", usage],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if p.returncode == 0:
        return "ok"
    why = (p.stderr.strip() or p.stdout.strip()).splitlines()
    return "fail " + (why[-1].replace("certutil: ", "") if why else "exit %d" % p.returncode)


def nss(args):
    try:
        for nick, flags in nss_trust(args.profile):
            print("TRUST 0 %s %s" % (nick, flags))
        for nick in nss_keys(args.profile):
            print("KEY %s" % nick)
        for nick in args.verify:
            for usage in ("S", "R"):
                print("VERIFY %s %s %s" % (usage, nss_verify(args.profile, nick, usage), nick))
    except HarnessError as e:
        print("tb.py: %s" % e, file=sys.stderr)
        return 2
    return 0


def send(args):
    def work(run):
        with open(args.pass_file) as f:
            password = f.readline().rstrip("\n")
        host, _, port = args.smtp.rpartition(":")
        name, _, addr = args.sender.rpartition("<")
        copy_profile(args.profile, run.profile)
        if args.ca:
            make_store(run.profile, [], [(args.ca, "C,,")], create=False)
        run.lock()
        run.start(args.timeout)
        run.tb.mn.deadline = time.monotonic() + args.timeout * max(1, len(args.kind))
        r = run.tb.mn.script_async(JS_SEND, [{
            "host": host, "port": int(port), "user": args.user, "password": password,
            "name": name.strip(), "from": addr.rstrip(">").strip(), "to": args.to, "kinds": args.kind,
        }])
        if not isinstance(r, dict) or "ids" not in r:
            # No answer: an error dialog ended the script; its reason is in the log.
            why = r.get("error") if isinstance(r, dict) else run.tb.last_error()
            raise HarnessError("Thunderbird did not send: %s" % why)
        if args.sent:
            shutil.copyfile(r["sent"], args.sent)
        run.stop()
        return r

    r = harness(work)
    if r is None:
        return 2
    for n, kind in enumerate(args.kind, 1):
        print("SENT %d %s %s" % (n, kind, r["ids"][n - 1]))
    return 0


def main(argv):
    ap = argparse.ArgumentParser(prog="tb.py", description="Headless Thunderbird for padseal's tests.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="show messages in a throw-away profile")
    c.add_argument("--p12", action="append", default=[], metavar="FILE:PASSFILE",
                   type=lambda v: split_arg(v, "--p12 FILE:PASSFILE"))
    c.add_argument("--cert", action="append", default=[], metavar="FILE:TRUST",
                   type=lambda v: split_arg(v, "--cert FILE:TRUST"))
    c.add_argument("--tb-cert", action="append", default=[], metavar="FILE:TRUST",
                   type=lambda v: split_arg(v, "--tb-cert FILE:TRUST"),
                   help="import through Thunderbird itself once it runs (its certificate manager's way)")
    c.add_argument("--profile", help="copy this profile instead of making one (it is not changed)")
    c.add_argument("--timeout", type=float, default=300, help="seconds allowed for starting and for each message (default 300)")
    c.add_argument("--json", action="store_true")
    c.add_argument("eml", nargs="+")
    n = sub.add_parser("nss", help="list a profile's certificates, trust and keys")
    n.add_argument("profile")
    n.add_argument("--verify", action="append", default=[], metavar="NICK",
                   help="also certutil -V -u S and -u R this certificate")
    m = sub.add_parser("send", help="send messages with Thunderbird through an SMTP server")
    m.add_argument("--profile", required=True, help="a profile with the sender's credential (copied, not changed)")
    m.add_argument("--smtp", required=True, metavar="HOST:PORT")
    m.add_argument("--user", required=True)
    m.add_argument("--pass-file", required=True)
    m.add_argument("--from", dest="sender", required=True, metavar="NAME <ADDR>")
    m.add_argument("--to", required=True)
    m.add_argument("--ca", help="the authority of the server's TLS certificate")
    m.add_argument("--sent", help="copy the Sent folder (mbox) here at the end")
    m.add_argument("--timeout", type=float, default=300, help="seconds allowed for starting and for each message")
    m.add_argument("kind", nargs="+", choices=["plain", "signed", "encrypted", "signed-encrypted"])
    args = ap.parse_args(argv)
    if args.cmd == "check" and args.profile and (args.p12 or args.cert):
        ap.error("--profile cannot be combined with --p12/--cert")

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    return {"check": check, "nss": nss, "send": send}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""A mail server that drops the connection mid-conversation, for the tests.

dropper.py smtps|imaps CERT KEY PORTFILE LOGFILE

Listens on 127.0.0.1 (a free port, written to PORTFILE once listening),
speaks implicit TLS with CERT/KEY, and for every client:
  smtps: greets, accepts EHLO, MAIL, RCPT and DATA, reads part of the
         message, then closes the connection without a reply;
  imaps: greets, answers CAPABILITY and LOGIN, then closes the
         connection at the next command (the mailbox's opening).
Each event is appended to LOGFILE.  It runs until killed.
"""
import socket
import ssl
import sys


def log(path, text):
    with open(path, "a", encoding="utf-8") as f:
        f.write(text + "\n")


def lines(conn):
    buf = b""
    while True:
        data = conn.recv(4096)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line.rstrip(b"\r"), buf


def smtp(conn, logfile):
    conn.sendall(b"220 dropper ESMTP\r\n")
    for line, rest in lines(conn):
        word = line.split(b" ", 1)[0].upper()
        if word in (b"EHLO", b"HELO"):
            conn.sendall(b"250-dropper\r\n250 SIZE 10000000\r\n")
        elif word in (b"MAIL", b"RCPT"):
            conn.sendall(b"250 ok\r\n")
        elif word == b"DATA":
            conn.sendall(b"354 go ahead\r\n")
            got = len(rest)
            while got < 200:
                data = conn.recv(4096)
                if not data:
                    break
                got += len(data)
            log(logfile, "smtp: dropped after %d bytes of the message" % got)
            return
        elif word == b"QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"250 ok\r\n")


def imap(conn, logfile):
    conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] dropper ready\r\n")
    for line, _ in lines(conn):
        parts = line.split(b" ", 2)
        tag = parts[0]
        cmd = parts[1].upper() if len(parts) > 1 else b""
        if cmd == b"CAPABILITY":
            conn.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
        elif cmd in (b"LOGIN", b"AUTHENTICATE"):
            if cmd == b"AUTHENTICATE" and len(parts) == 3 and b" " not in parts[2]:
                conn.sendall(b"+ \r\n")
                next(lines(conn), None)
            conn.sendall(tag + b" OK logged in\r\n")
        else:
            log(logfile, "imap: dropped at %s" % cmd.decode("ascii", "replace"))
            return


def main():
    kind, cert, key, portfile, logfile = sys.argv[1:6]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    with open(portfile + ".tmp", "w", encoding="ascii") as f:
        f.write("%d\n" % srv.getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)
    while True:
        raw, _ = srv.accept()
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            continue
        try:
            (smtp if kind == "smtps" else imap)(conn, logfile)
        except (ssl.SSLError, OSError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


if __name__ == "__main__":
    main()

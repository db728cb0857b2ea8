#!/bin/sh
# The fuzz targets of fuzz/ as plain programs (fuzz/replay.c): every seed
# (the corpus's messages, certificates and .p12 files, fuzz/seeds/), every
# regression input under tests/fuzz/, and inputs larger than the fuzzers'
# 256 KiB, each read whole by its target.  A crash, an abort (the
# checklist's round trip) or, under --enable-sanitizers, any ASan, UBSan or
# leak report fails.
. "$PADSEAL_TESTLIB"

src=$(cd "$(dirname "$PADSEAL_TESTLIB")/.." && pwd)
bin=$(dirname "$PADSEAL")/fuzz

# Larger than libFuzzer's -max_len: a 3 MiB signed message (openssl), a
# header of 1 MiB, and 400 copies of a certificate in one PEM file.
big="$T/big"
mkdir "$big"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/k.pem" -out "$T/c.pem" \
	-days 30 -subj "/CN=Big" -addext "subjectAltName=email:big@example.org" 2>/dev/null
head -c 2359296 /dev/urandom | base64 > "$T/body.txt"
openssl cms -sign -in "$T/body.txt" -signer "$T/c.pem" -inkey "$T/k.pem" -md sha256 \
	-from big@example.org -to you@example.org -subject big -out "$big/signed-3mib.eml"
{ printf 'From: big@example.org\r\nSubject: '; head -c 1048576 /dev/zero | tr '\0' x; printf '\r\n\r\nbody\r\n'; } \
	> "$big/header-1mib.eml"
for i in $(seq 400); do cat "$T/c.pem"; done > "$big/400-certs.pem"

for t in msg import p12 checklist fpr outlook; do
	seeds="$T/seeds-$t"
	PADSEAL_CORPUS=$PADSEAL_CORPUS top_srcdir=$src sh "$src/scripts/fuzz" --seeds "$t" "$seeds"
	case $t in
	msg) cp "$big"/*.eml "$seeds"/ ;;
	import) cp "$big"/* "$seeds"/ ;;
	esac
	n=$(find "$seeds" -type f | wc -l)
	ok "$t: the seeds are there"
	[ "$n" -ge 3 ] || fail "$t: only $n seeds in $seeds"
	run 0 "$bin/replay_$t" "$seeds"/*
	expect_in "$OUT" "$n inputs" "$t: $n inputs replayed"
done
# The regression inputs are among them.
ok "tests/fuzz/ is replayed"
[ -f "$T/seeds-checklist/peer-without-fpr" ] || fail "tests/fuzz/checklist is not replayed"
finish

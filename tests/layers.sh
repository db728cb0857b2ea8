#!/bin/sh
# The layers of DESIGN.md, checked on the built objects with nm:
#   1. ui/ references no OpenSSL symbol: the wizard reaches crypto and file
#      formats only through the core.
#   2. The core (libpadseal.a, from src/) references no curses and no
#      libcmark symbol.
#   3. The core apart from the command line (src/cli*.c) neither writes to
#      standard output nor exits: it returns results and errors, and the
#      front ends decide what to show.
# A library's symbols are the ones it exports (nm -D on the copy padseal
# loads, found with ldd), so a name without a prefix (curses' `erase`) is
# caught as surely as EVP_*; OpenSSL's API prefixes are checked as well.
. "$PADSEAL_TESTLIB"

L="$T/layers"
mkdir -p "$L"
cd "$(dirname "$PADSEAL")" || exit 1

# undefined FILE...: "object symbol" for every symbol the objects use but
# do not define; an archive's members are named archive[member].
undefined() {
	nm -P -A -u "$@" | awk '{ sub(/:$/, "", $1); print $1, $2 }'
}

# exports NAME-PATTERN: the symbols of the libraries padseal loads whose
# file name matches, without version suffixes.
exports() {
	ldd "$PADSEAL" | awk -v pat="$1" '$1 ~ pat && $3 ~ /^\// { print $3 }' |
		while read -r lib; do
			nm -D --defined-only "$lib" | awk '{ sub(/@.*/, "", $3); print $3 }'
		done | LC_ALL=C sort -u
}

# has SET SYMBOL WHAT: the set holds SYMBOL (so it was read at all).
has() {
	ok
	grep -qx "$2" "$1" || fail "$3: $2 is not among its exported symbols; is padseal linked dynamically?"
}

exports '^libcrypto|^libssl' > "$L/openssl"
exports '^libncurses|^libtinfo' > "$L/curses"
exports '^libcmark' > "$L/cmark"
has "$L/openssl" EVP_DigestInit_ex "libcrypto"
has "$L/curses" initscr "ncurses"
has "$L/cmark" cmark_parse_document "libcmark"

# Names that say OpenSSL even where the set above would miss them.
openssl_api='^(EVP|X509|X509V3|OPENSSL|CRYPTO|OSSL|CMS|PKCS5|PKCS7|PKCS8|PKCS12|BIO|ERR|PEM|ASN1|BN|RSA|DSA|DH|EC|ECDSA|OBJ|RAND|SSL|TLS|GENERAL_NAME|BUF_MEM|HMAC)_|^(d2i|i2d)_'
# Writing to standard output, or ending the process.
to_stdout_or_exit='^(stdout|printf|vprintf|puts|putchar|putchar_unlocked|__printf_chk|__vprintf_chk|exit|_exit|_Exit|quick_exit)$'

set -- ui/*.o
ok
if [ ! -f "$1" ] || [ ! -f libpadseal.a ]; then
	fail "no ui/*.o or libpadseal.a in $(pwd): build padseal first"
	finish
	exit
fi
undefined "$@" > "$L/ui"
undefined libpadseal.a > "$L/core"
ok
[ -s "$L/core" ] || fail "nothing read from libpadseal.a"

# hits LIST SET [REGEX]: the lines of LIST whose symbol is in SET or
# matches REGEX.
hits() {
	awk -v setfile="$2" -v re="${3:-^\$^}" '
		BEGIN { while ((getline s < setfile) > 0) set[s] = 1 }
		($2 in set) || $2 ~ re' "$1"
}

# source OBJECT: the file it was compiled from, as automake names objects.
source() {
	printf '%s\n' "$1" | sed -e 's/^libpadseal\.a\[libpadseal_a-\(.*\)\.o\]$/src\/\1.c/' \
		-e 's/^ui\/[a-z_]*-\(.*\)\.o$/ui\/\1.c/'
}

# rule LIST SET REGEX WHY: every hit is a failure, named by source file,
# object and symbol.
rule() {
	ok
	hits "$1" "$2" "$3" > "$L/hits"
	while read -r obj sym; do
		fail "$(source "$obj") ($obj) references $sym: $4"
	done < "$L/hits"
}

: > "$L/none"
grep -v '\[libpadseal_a-cli[^]]*\.o\]' "$L/core" > "$L/core-nocli"

rule "$L/ui" "$L/openssl" "$openssl_api" \
	"ui/ must reach OpenSSL only through the core (src/)"
rule "$L/core" "$L/curses" "" "the core must not use curses"
rule "$L/core" "$L/cmark" "^cmark_" "the core must not use libcmark"
rule "$L/core-nocli" "$L/none" "$to_stdout_or_exit" \
	"only the command line (src/cli*.c) prints to standard output or exits"

# The check can fail: each rule finds what it looks for where it belongs.
# expect_some LIST SET REGEX WHAT
expect_some() {
	ok
	[ -n "$(hits "$1" "$2" "$3")" ] || fail "self-check: no $4; the rules above could not fail"
}
expect_some "$L/core" "$L/openssl" "$openssl_api" "OpenSSL symbol in the core"
expect_some "$L/ui" "$L/curses" "" "curses symbol in ui/"
expect_some "$L/ui" "$L/cmark" "^cmark_" "libcmark symbol in ui/"
grep '\[libpadseal_a-cli[^]]*\.o\]' "$L/core" > "$L/core-cli"
expect_some "$L/core-cli" "$L/none" "$to_stdout_or_exit" "use of standard output in src/cli*.c"

finish

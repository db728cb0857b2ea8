# Shared helpers for padseal's shell tests (sourced; POSIX sh + bash-isms ok).
# make check sets PADSEAL (the program) and PADSEAL_CORPUS.
set -u
: "${PADSEAL:?PADSEAL is not set: run through make check}"
TESTS_RUN=0
TESTS_FAILED=0
T=$(mktemp -d "${TMPDIR:-/tmp}/padseal-sh.XXXXXX")
trap 'rm -rf "$T"' EXIT
chmod 700 "$T"

# Passphrase files used throughout.
printf 'correct horse battery staple\n' > "$T/pass"
printf 'another good passphrase 42\n' > "$T/pass2"
printf 'wrong passphrase entirely\n' > "$T/wrong"
chmod 600 "$T"/pass "$T"/pass2 "$T"/wrong

# Every check is reported in TAP, which make check reads with automake's
# tap-driver.sh (test-suite.log then names each failed check): "ok - WHAT"
# or "not ok - WHAT", on fd 3 (the test's stdout, even inside $(...)), and
# counted in $T/tap, so that checks made in a subshell count too.  A
# failure's details go to stderr (the test's .log).
exec 3>&1
: > "$T/tap"
TAP_OPEN=0 TAP_WHAT=
tap() {
	printf '%s\n' "$1" >&3
	printf '%s\n' "$1" >> "$T/tap"
}
# tap_close: the check opened by ok, unless it failed, passed.
tap_close() {
	[ "$TAP_OPEN" = 1 ] && tap "ok -${TAP_WHAT:+ $TAP_WHAT}"
	TAP_OPEN=0
}
# ok [WHAT]: a check begins; it passes unless fail follows before the next.
ok() {
	tap_close
	TESTS_RUN=$((TESTS_RUN + 1))
	TAP_OPEN=1 TAP_WHAT=$(printf '%s' "${1:-}" | head -n 1 | tr -d '#' | cut -c1-160)
}
# fail MESSAGE: the open check failed (or, with none open, one that did).
fail() {
	[ "$TAP_OPEN" = 1 ] || TESTS_RUN=$((TESTS_RUN + 1))
	TAP_OPEN=0
	TESTS_FAILED=$((TESTS_FAILED + 1))
	tap "not ok - $(printf '%s' "$*" | head -n 1 | tr -d '#' | cut -c1-160)"
	printf 'FAIL: %s\n' "$*" >&2
}

# run EXPECTED_STATUS CMD...: runs CMD with stdin from /dev/null, keeps
# stdout in $OUT and stderr in $ERR, and checks the exit status.
run() {
	want=$1
	shift
	OUT=$("$@" </dev/null 2>"$T/stderr")
	got=$?
	ERR=$(cat "$T/stderr")
	ok "exit $want: $*"
	if [ "$got" != "$want" ]; then
		fail "exit $got, wanted $want: $*
  stdout: $OUT
  stderr: $ERR"
		return 1
	fi
	return 0
}

# expect_in HAYSTACK NEEDLE WHAT
expect_in() {
	ok "$3"
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: \"$2\" not in:
$1" ;;
	esac
}

# expect_not_in HAYSTACK NEEDLE WHAT
expect_not_in() {
	ok "$3"
	case $1 in
	*"$2"*) fail "$3: \"$2\" is there:
$1" ;;
	esac
}

# expect_one_line_error WHAT: $ERR is exactly one line starting "padseal: ".
expect_one_line_error() {
	ok "$1: one error line"
	case "$ERR" in
	"padseal: "*) ;;
	*) fail "$1: stderr does not start with \"padseal: \": $ERR"
	   return ;;
	esac
	if [ "$(printf '%s\n' "$ERR" | grep -vc '^padseal: warning: ')" -gt 1 ]; then
		fail "$1: more than one error line: $ERR"
	fi
}

# A stable hash of a directory tree (names, modes, contents).
tree_hash() {
	(cd "$1" 2>/dev/null && find . -printf '%p %m %s\n' | LC_ALL=C sort &&
	 find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) | sha256sum
}

# header FILE NAME: the unfolded value of a top-level header field.
header() {
	awk -v name="$2" 'BEGIN { RS = "\r\n" }
		/^$/ { exit }
		/^[ \t]/ { if (on) v = v $0; next }
		{ on = 0 }
		index($0, name ":") == 1 { on = 1; v = substr($0, length(name) + 3) }
		END { print v }' "$1"
}

# part FILE BOUNDARY N: body part N of the multipart with BOUNDARY,
# exactly as it stands (CRLF kept, the line end before the delimiter not).
part() {
	awk -v b="--$2" -v want="$3" 'BEGIN { RS = "\r\n"; n = 0; first = 1 }
		$0 == b || $0 == b "--" { n++; first = 1; next }
		n == want { if (!first) printf "\r\n"; printf "%s", $0; first = 0 }' "$1"
}

# gnupg_home DIR: a GnuPG home whose agent is already answering, so that a
# gpgsm that needs a key does not give up waiting for the agent it would
# start itself (its wait is a few seconds: too short on a loaded machine).
gnupg_home() {
	mkdir -p -m 700 "$1"
	echo "allow-loopback-pinentry" > "$1/gpg-agent.conf"
	GNUPGHOME="$1" gpgconf --launch gpg-agent >/dev/null 2>&1
	local i=0
	until GNUPGHOME="$1" gpg-connect-agent --no-autostart /bye >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 1200 ] || { fail "gpg-agent did not start in $1"; return 1; }
		sleep 0.1
	done
}

# hostile_cert OUT: a correspondent's certificate (mal@evil.example) whose
# name carries OSC 52 (a clipboard write), BEL, OSC 8 (a link), CSI as C1
# (U+009B), BS, CR and U+202E, and a second address holding an escape
# sequence.
hostile_cert() {
	esc=$(printf '\033')
	name=$(printf 'Mal\033]52;c;SGVsbG8=\007 \033]8;;http:evil\033\\\\link \302\23331m \010\015 \342\200\256gnp.exe')
	cat > "$T/mal.cnf" <<EOC
[req]
distinguished_name = dn
x509_extensions = ext
[dn]
[ext]
subjectAltName = @alt
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
extendedKeyUsage = emailProtection
[alt]
email.1 = mal@evil.example
email.2 = x${esc}[2Jy@evil.example
EOC
	openssl req -x509 -utf8 -config "$T/mal.cnf" -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout "$T/mal.key" -out "$1" -days 365 -subj "/CN=$name" 2>/dev/null ||
		fail "openssl could not make the hostile certificate"
}

# gpg_verify GNUPGHOME FILE WHAT: gpgsm checks a multipart/signed message
# (the signature part and the signed part, split out here).
gpg_verify() {
	b=$(header "$2" Content-Type | sed -n 's/.*boundary="\([^"]*\)".*/\1/p')
	part "$2" "$b" 1 > "$T/signed.part"
	part "$2" "$b" 2 | sed '1,/^\r\{0,1\}$/d' | tr -d '\r' > "$T/sig.b64"
	if GNUPGHOME="$1" gpgsm --batch --disable-crl-checks --disable-dirmngr --assume-base64 \
		--verify "$T/sig.b64" "$T/signed.part" >"$T/gpgsm.out" 2>&1 &&
	   grep -q "Good signature" "$T/gpgsm.out"; then
		ok
	else
		fail "$3: gpgsm does not verify: $(cat "$T/gpgsm.out")"
	fi
}

# gpgsm_p12 GNUPGHOME FILE PASSFILE: gpgsm imports a PKCS#12 file (its
# output in $T/gpgsm.out).  gpgsm 2.2 and its agent now and then report
# "decryption failed" for a file they import on the next try (seen only on
# a loaded machine): up to three tries, each starting from a live agent.
gpgsm_p12() {
	for try in 1 2 3; do
		if GNUPGHOME="$1" gpgsm --batch --disable-dirmngr --pinentry-mode loopback \
			--passphrase-fd 0 --import "$2" < "$3" > "$T/gpgsm.out" 2>&1; then
			return 0
		fi
		[ $try = 3 ] || { GNUPGHOME="$1" gpgconf --kill gpg-agent >/dev/null 2>&1; gnupg_home "$1"; }
	done
	return 1
}

# gpgsm_fit HOME PASSFILE CREATE-ARGS...: GnuPG 2.2's PKCS#12 reader cannot
# parse about one RSA private key in fifty (it stops with 'data error at
# "shrouded_key_bag.decrypted-text"', whatever made the file; measured with
# keys and files made by openssl alone).  A test of what padseal gives gpgsm
# makes the credential in HOME again (padseal create CREATE-ARGS, the key
# passphrase from PASSFILE), at most four more times, until gpgsm takes its
# key.  Any other failure is left to the test to say.
gpgsm_fit() {
	local home=$1 pass=$2 try
	shift 2
	for try in 1 2 3 4 5; do
		openssl pkey -in "$(ls "$home"/identities/*/key.pem)" -passin file:"$pass" -out "$T/probe.key"
		"$P" --home "$home" cert --out "$T/probe.pem" 2>/dev/null
		printf 'probe-pass\n' > "$T/probe.pass"
		openssl pkcs12 -export -legacy -in "$T/probe.pem" -inkey "$T/probe.key" \
			-passout file:"$T/probe.pass" -out "$T/probe.p12"
		rm -rf "$T/g-probe"
		gnupg_home "$T/g-probe"
		gpgsm_p12 "$T/g-probe" "$T/probe.p12" "$T/probe.pass"; local rc=$?
		GNUPGHOME="$T/g-probe" gpgconf --kill all >/dev/null 2>&1
		rm -f "$T/probe.key"
		[ $rc = 0 ] && return 0
		grep -q 'shrouded_key_bag.decrypted-text' "$T/gpgsm.out" || return 0
		echo "# gpgsm 2.2 cannot parse this RSA key (try $try): a new credential in $home" >&2
		rm -rf "$home"
		"$P" --home "$home" create "$@" --new-passphrase-file "$pass" >/dev/null 2>&1
	done
}

# trusting_pair A S [KEY]: two homes that trust each other, as after the
# Exchange, Verify and Trust steps: Alice (alice@example.org, passphrase
# $T/pass) in A and Sam (sam@example.org, $T/pass2) in S, each with a KEY
# credential (p256 unless said), their introductions ($T/a.eml, $T/s.eml)
# imported by the other, each trusted as verified by phone.
trusting_pair() {
	tp_key=${3:-p256}
	run 0 "$PADSEAL" --home "$1" create --name "Alice Example" --email alice@example.org \
		--key "$tp_key" --new-passphrase-file "$T/pass"
	run 0 "$PADSEAL" --home "$2" create --name "Sam Tester" --email sam@example.org \
		--key "$tp_key" --new-passphrase-file "$T/pass2"
	run 0 "$PADSEAL" --home "$1" intro --to sam@example.org --out "$T/a.eml" --passphrase-file "$T/pass"
	run 0 "$PADSEAL" --home "$2" intro --to alice@example.org --out "$T/s.eml" --passphrase-file "$T/pass2"
	run 0 "$PADSEAL" --home "$1" import "$T/s.eml"
	run 0 "$PADSEAL" --home "$2" import "$T/a.eml"
	run 0 "$PADSEAL" --home "$1" trust sam@example.org --verified phone
	run 0 "$PADSEAL" --home "$2" trust alice@example.org --verified phone
}

# Print the closing line and exit with the verdict.
finish() {
	tap_close
	all=$(wc -l < "$T/tap") bad=$(grep -c '^not ok' "$T/tap")
	printf '1..%d\n# %d passed, %d failed\n' "$all" $((all - bad)) "$bad" >&3
	printf '%d passed, %d failed\n' $((all - bad)) "$bad" >&2
	[ "$bad" -eq 0 ]
}

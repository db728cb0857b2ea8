# Headless Thunderbird for shell tests (sourced after tests/lib.sh).
#
#   . "$(dirname "$PADSEAL_TESTLIB")/tb/lib.sh"
#   tb_require                      skip the test (TAP "1..0 # SKIP") without Thunderbird/NSS
#   tb_check OUT [--p12 FILE:PASSFILE]... [--cert FILE:TRUST]... [--profile DIR] EML...
#                                   run Thunderbird once; its report goes to file OUT
#   tb_sig OUT N                    signature class of message N: valid, untrusted,
#                                   invalid, mismatch, unknown or not-signed
#   tb_code OUT N                   Thunderbird's status constant (SUCCESS, VERIFY_...)
#   tb_dec OUT N                    decrypted: yes, no or not-encrypted
#   tb_trust OUT N NICK             trust flags of NICK after message N (0: at start),
#                                   as certutil -L prints them
#   tb_emailtrust OUT N SHA256      e-mail trust of a certificate (openssl's colon
#                                   fingerprint) as Thunderbird reads it: C, P, CP or -
#   tb_text OUT N                   the text Thunderbird showed, on one line
#   tb_nss PROFILE [NICK...]        a profile's store: "TRUST 0 NICK FLAGS", "KEY NICK",
#                                   and for each NICK "VERIFY S|R ok|fail [REASON] NICK"
#                                   (certutil -V as signer and as recipient)
#
# tb_check's status: 0 when every message was shown, 2 when Thunderbird could
# not be started or driven (one line on stderr). It always stops Thunderbird
# and removes its temporary profile. Set PADSEAL_TB_LOCK to a lock file to
# serialise Thunderbird runs on a shared machine.
TB_PY="$(dirname "$PADSEAL_TESTLIB")/tb/tb.py"

tb_require() {
	for tool in thunderbird certutil pk12util python3; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			# TAP's way of saying the whole test is skipped.
			echo "1..0 # SKIP $tool is not installed (scripts/setup installs it)"
			exit 0
		fi
	done
}

tb_check() {
	tb_out=$1
	shift
	nice python3 "$TB_PY" check "$@" >"$tb_out" </dev/null
}

tb_field() {
	sed -n "s/^MSG $2 .*$3=\([^ ]*\).*/\1/p" "$1"
}
tb_sig() { tb_field "$1" "$2" signature; }
tb_code() { tb_field "$1" "$2" code; }
tb_dec() { tb_field "$1" "$2" decrypted; }
# tb_valid REPORT WHAT N...: Thunderbird showed the signature of each
# message N valid.  tb_decrypted REPORT WHAT N...: it decrypted each one.
tb_valid() {
	tv_r=$1 tv_what=$2
	shift 2
	for n; do
		ok
		[ "$(tb_sig "$tv_r" "$n")" = valid ] ||
			fail "$tv_what, message $n: signature $(tb_sig "$tv_r" "$n") ($(tb_code "$tv_r" "$n")), wanted valid"
	done
}
tb_decrypted() {
	tv_r=$1 tv_what=$2
	shift 2
	for n; do
		ok
		[ "$(tb_dec "$tv_r" "$n")" = yes ] ||
			fail "$tv_what, message $n: decrypted $(tb_dec "$tv_r" "$n"), wanted yes"
	done
}
tb_trust() {
	awk -v n="$2" -v nick="$3" '$1 == "TRUST" && $2 == n {
		f = $NF; $1 = ""; $2 = ""; $NF = ""; sub(/^ +/, ""); sub(/ +$/, "");
		if ($0 == nick) print f }' "$1"
}
tb_emailtrust() {
	awk -v n="$2" -v f="$3" '$1 == "EMAILTRUST" && $2 == n && $3 == f { print $4 }' "$1"
}
tb_text() {
	sed -n "s/^TEXT $2 //p" "$1"
}
tb_nss() {
	tb_prof=$1
	shift
	for tb_n in "$@"; do
		set -- "$@" --verify "$tb_n"
		shift
	done
	python3 "$TB_PY" nss "$tb_prof" "$@"
}

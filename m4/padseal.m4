# padseal.m4 - configure macros of padseal's own.

# PADSEAL_CHECK_CFLAG(FLAG, [ACTION-IF-ACCEPTED], [ACTION-IF-REJECTED])
# ---------------------------------------------------------------------
# Run ACTION-IF-ACCEPTED when the C compiler takes FLAG without complaint,
# else ACTION-IF-REJECTED.  An empty program is compiled with -Werror and
# FLAG after the user's CFLAGS: a compiler that merely warns about an option
# it does not know counts as rejecting it.  FLAG may be a shell expansion
# (a loop variable); the answer is cached under a name made from it.
AC_DEFUN([PADSEAL_CHECK_CFLAG],
[AC_REQUIRE([AC_PROG_CC])dnl
AS_VAR_PUSHDEF([padseal_flag_ok], [padseal_cv_cflag_$1])dnl
AC_CACHE_CHECK([whether $CC accepts $1], [padseal_flag_ok],
[padseal_cflags_before=$CFLAGS
CFLAGS="$CFLAGS -Werror $1"
AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
	[AS_VAR_SET([padseal_flag_ok], [yes])],
	[AS_VAR_SET([padseal_flag_ok], [no])])
CFLAGS=$padseal_cflags_before])
AS_VAR_IF([padseal_flag_ok], [yes], [$2], [$3])dnl
AS_VAR_POPDEF([padseal_flag_ok])dnl
])

/* install_int — what the install files share: building a set. */
#ifndef PADSEAL_INSTALL_INT_H
#define PADSEAL_INSTALL_INT_H

#include "install.h"

/* Add a file (the set takes `data`, freed with free(), or wiped first
 * when `secret`), a step or a note (printf-style). */
void iset_file(struct install_set *s, const char *name, unsigned char *data, size_t len,
	       int secret);
void iset_step(struct install_set *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void iset_note(struct install_set *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const struct install_file *iset_find(const struct install_set *s, const char *name);
/* A file name for a certificate of `addr` not yet in the set. */
void iset_cert_name(const struct install_set *s, const char *addr, const char *hex, const char *ext,
		    char *buf, size_t len);
/* A certificate as a file (DER or PEM). */
void iset_cert(struct install_set *s, struct x509_st *cert, int der, const char *name);

/* One program each (install_progs.c). */
int install_thunderbird(const struct install_in *in, struct install_set *s, struct err *e);
int install_iphone(const struct install_in *in, struct install_set *s, struct err *e);
int install_apple_mail(const struct install_in *in, struct install_set *s, struct err *e);
int install_outlook(const struct install_in *in, struct install_set *s, struct err *e);
int install_neomutt(const struct install_in *in, struct install_set *s, struct err *e);
int install_gpgsm(const struct install_in *in, struct install_set *s, struct err *e);

#endif

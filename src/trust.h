/* trust — placeholder, being written. */
#ifndef PADSEAL_TRUST_H
#define PADSEAL_TRUST_H
#endif

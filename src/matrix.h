/* matrix — placeholder, being written. */
#ifndef PADSEAL_MATRIX_H
#define PADSEAL_MATRIX_H
#endif

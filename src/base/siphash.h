/*
 * siphash — SipHash-2-4, a keyed 64-bit MAC for short messages.  Layer: base.
 * Used where a token handed to a client must come back unchanged (stream iterators).
 * https://www.aumasson.jp/siphash/siphash.pdf
 */
#ifndef DDB_BASE_SIPHASH_H
#define DDB_BASE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const unsigned char key[16], const unsigned char *m, size_t n);

#endif

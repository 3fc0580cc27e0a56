/*
 * siphash — SipHash-2-4, a keyed 64-bit (or 128-bit) MAC for short messages.  Layer: base.
 * Used where a token handed to a client must come back unchanged (stream iterators), and for
 * the ClientRequestToken cache's digest of a request (128 bits).
 * https://www.aumasson.jp/siphash/siphash.pdf
 */
#ifndef DDB_BASE_SIPHASH_H
#define DDB_BASE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const unsigned char key[16], const unsigned char *m, size_t n);
/* SipHash-2-4 with the 128-bit output (the reference implementation's variant: v1 ^= 0xee at
 * the start, v2 ^= 0xee then v1 ^= 0xdd in the finalization).  out[0] is the tag's first 8
 * bytes read little-endian, out[1] its last 8: one pass over m for 128 bits, where two
 * siphash24 under two keys cost two. */
void siphash24_128(const unsigned char key[16], const unsigned char *m, size_t n,
                   uint64_t out[2]);

/* The 128-bit tag of a message given in pieces: init, then words over its first bytes (a
 * multiple of 8 in all, any number of calls), then final with the rest (fewer than 8 bytes)
 * and the message's whole length.  The same tag as siphash24_128 over the whole message. */
typedef struct sip128_state {
    uint64_t v[4];
} sip128_state;
void siphash24_128_init(sip128_state *s, const unsigned char key[16]);
/* n: a multiple of 8 */
void siphash24_128_words(sip128_state *s, const unsigned char *m, size_t n);
/* tail: the last total % 8 bytes of the message */
void siphash24_128_final(sip128_state *s, const unsigned char *tail, uint64_t total,
                         uint64_t out[2]);

#endif

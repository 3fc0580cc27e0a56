/*
 * crc — CRC-32 (IEEE 802.3, the x-amz-crc32 of DynamoDB's replies).  Layer: value.
 *
 * crc_ieee(c, p, n) returns what zlib's crc32_z(c, p, n) returns, for every input: the same
 * polynomial (0x04C11DB7, reflected), the same pre- and post-inversion, so it continues a CRC
 * that zlib started and the other way round.  On x86-64 CPUs with PCLMULQDQ, inputs of 64
 * bytes or more are folded with carry-less multiplication (Intel, "Fast CRC Computation for
 * Generic Polynomials Using PCLMULQDQ Instruction", 2009): about 16 times fewer instructions
 * than zlib's tables on a reply of a few KB; the last 16 to 79 bytes go through zlib.  Every
 * other CPU uses zlib alone.  tests/unit/value/test_crc.c holds both paths to zlib's answers.
 * https://www.intel.com/content/dam/www/public/us/en/documents/white-papers/fast-crc-computation-generic-polynomials-pclmulqdq-paper.pdf
 */
#ifndef DDB_VALUE_CRC_H
#define DDB_VALUE_CRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of p[0..n) continued from crc (0 to start), as zlib's crc32_z.  n == 0 returns
 * crc unchanged, also for p NULL (where zlib would answer 0). */
uint32_t crc_ieee(uint32_t crc, const void *p, size_t n);

/* Whether crc_ieee uses the carry-less multiplication path on this CPU (tests, benchmarks). */
bool crc_ieee_folds(void);

/* The same with zlib only, whatever the CPU (tests). */
uint32_t crc_ieee_portable(uint32_t crc, const void *p, size_t n);

#endif

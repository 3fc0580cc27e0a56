/*
 * crc — CRC-32 (IEEE 802.3, the x-amz-crc32 of DynamoDB's replies).  Layer: value.
 *
 * crc_ieee(c, p, n) is libdeflate's libdeflate_crc32 (Debian's libdeflate-dev), which answers
 * what zlib's crc32_z answers for every input but folds with carry-less multiplication on CPUs
 * that have it: ~0.45 us per 7 KB reply here where zlib's tables take ~4 us (the Query and
 * GetRecords replies are written and checksummed on the request path).
 * tests/unit/value/test_crc.c holds it to zlib's answers.
 */
#ifndef DDB_VALUE_CRC_H
#define DDB_VALUE_CRC_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of p[0..n) continued from crc (0 to start), as zlib's crc32_z.  n == 0 returns
 * crc unchanged, also for p NULL. */
uint32_t crc_ieee(uint32_t crc, const void *p, size_t n);

#endif

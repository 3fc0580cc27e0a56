/*
 * crc — CRC-32 with carry-less multiplication where the CPU has it.  Layer: value.  See crc.h.
 *
 * The folding keeps this invariant: the bytes still to be reduced (four 16-byte lanes, then
 * one) followed by the rest of the input have the same CRC register (no inversions, starting
 * from 0) as the whole input with the caller's register XORed into its first 4 bytes.
 * Folding a lane forward by D bits multiplies its two 64-bit halves by x^(D+32) and x^(D-32)
 * modulo the polynomial (bit-reflected, as the CRC is); the constants below are those
 * residues for D = 512 (four lanes) and D = 128 (one lane), from the Intel paper cited in
 * crc.h.  What is left (16 bytes and a tail of 0-63) goes through zlib, whose pre-inversion
 * of 0xFFFFFFFF gives the register 0.
 */
#include "value/crc.h"

#include <zlib.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC_HAVE_CLMUL 1
#include <immintrin.h>
#endif

uint32_t crc_ieee_portable(uint32_t crc, const void *p, size_t n)
{
    if (!n) /* zlib answers 0 for a NULL buffer; an empty input keeps the CRC */
        return crc;
    return (uint32_t)crc32_z(crc, (const Bytef *)p, n);
}

#ifdef CRC_HAVE_CLMUL

#define CRC_TARGET __attribute__((target("pclmul,sse2")))

CRC_TARGET static inline __m128i crc_fold16(__m128i x, __m128i k, __m128i next)
{
    __m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
    __m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
    return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

/* n >= 64. */
CRC_TARGET static uint32_t crc_clmul(uint32_t crc, const unsigned char *p, size_t n)
{
    const __m128i k_by4 = _mm_set_epi64x(0x1c6e41596LL, 0x154442bd4LL);
    const __m128i k_by1 = _mm_set_epi64x(0x0ccaa009eLL, 0x1751997d0LL);
    __m128i x0 = _mm_loadu_si128((const __m128i *)p);
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
    x0 = _mm_xor_si128(x0, _mm_cvtsi32_si128((int)~crc));
    p += 64;
    n -= 64;
    while (n >= 64) {
        x0 = crc_fold16(x0, k_by4, _mm_loadu_si128((const __m128i *)p));
        x1 = crc_fold16(x1, k_by4, _mm_loadu_si128((const __m128i *)(p + 16)));
        x2 = crc_fold16(x2, k_by4, _mm_loadu_si128((const __m128i *)(p + 32)));
        x3 = crc_fold16(x3, k_by4, _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        n -= 64;
    }
    x0 = crc_fold16(x0, k_by1, x1);
    x0 = crc_fold16(x0, k_by1, x2);
    x0 = crc_fold16(x0, k_by1, x3);
    while (n >= 16) {
        x0 = crc_fold16(x0, k_by1, _mm_loadu_si128((const __m128i *)p));
        p += 16;
        n -= 16;
    }
    unsigned char rest[16];
    _mm_storeu_si128((__m128i *)rest, x0);
    uint32_t c = (uint32_t)crc32_z(0xFFFFFFFFu, rest, sizeof rest);
    return n ? (uint32_t)crc32_z(c, p, n) : c;
}

static int crc_clmul_ok = -1; /* unknown; a race only computes the same answer twice */

bool crc_ieee_folds(void)
{
    int ok = __atomic_load_n(&crc_clmul_ok, __ATOMIC_RELAXED);
    if (ok < 0) {
        __builtin_cpu_init();
        ok = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
        __atomic_store_n(&crc_clmul_ok, ok, __ATOMIC_RELAXED);
    }
    return ok;
}

uint32_t crc_ieee(uint32_t crc, const void *p, size_t n)
{
    if (n >= 64 && crc_ieee_folds())
        return crc_clmul(crc, p, n);
    return crc_ieee_portable(crc, p, n);
}

#else

bool crc_ieee_folds(void)
{
    return false;
}

uint32_t crc_ieee(uint32_t crc, const void *p, size_t n)
{
    return crc_ieee_portable(crc, p, n);
}

#endif

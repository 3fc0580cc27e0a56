/*
 * crc — CRC-32 by libdeflate.  Layer: value.  See crc.h.
 */
#include "value/crc.h"

#include <libdeflate.h>

uint32_t crc_ieee(uint32_t crc, const void *p, size_t n)
{
    if (!n) /* an empty input keeps the CRC, whatever p is */
        return crc;
    return libdeflate_crc32(crc, p, n);
}

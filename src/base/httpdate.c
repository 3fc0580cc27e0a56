/*
 * httpdate — an HTTP-date read as seconds since the epoch.  Layer: base.  See httpdate.h.
 */
#include "base/httpdate.h"

#include <string.h>
#include <time.h>

long long httpdate_parse(const char *s, size_t n, bool imf_only)
{
    static const char *const forms[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                                        "%a %b %e %H:%M:%S %Y"};
    char t[HTTPDATE_MAX + 1];
    if (n == 0 || n > HTTPDATE_MAX)
        return -1;
    memcpy(t, s, n);
    t[n] = '\0';
    size_t nf = imf_only ? 1 : sizeof forms / sizeof forms[0];
    for (size_t i = 0; i < nf; i++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *end = strptime(t, forms[i], &tm);
        if (!end || *end)
            continue;
        time_t at = timegm(&tm);
        return at == (time_t)-1 ? -1 : (long long)at;
    }
    return -1;
}

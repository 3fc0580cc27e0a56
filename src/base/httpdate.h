/*
 * httpdate — an HTTP-date (RFC 9110 5.6.7) read as seconds since the epoch.  Layer: base.
 * One reader for the two places that take one: the SigV4 check's Date header
 * (server/sigv4.c, IMF-fixdate only) and the client's Retry-After (client/ddbc.c, every form
 * a recipient must accept).  Always GMT; strptime's day and month names are the C locale's,
 * which HTTP's are (ddbchat never calls setlocale).
 * Tests: tests/unit/base/test_httpdate.c.
 */
#ifndef DDB_BASE_HTTPDATE_H
#define DDB_BASE_HTTPDATE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest HTTP-date text taken (an IMF-fixdate is 29 bytes, RFC 850's longest 33). */
#define HTTPDATE_MAX 39

/* The n bytes at s (need not end in NUL) as an HTTP-date: "Sun, 06 Nov 1994 08:49:37 GMT"
 * (IMF-fixdate), and unless imf_only also the obsolete "Sunday, 06-Nov-94 08:49:37 GMT"
 * (RFC 850) and "Sun Nov  6 08:49:37 1994" (asctime).  Seconds since the epoch, or -1 when
 * the text is none of those (trailing bytes, longer than HTTPDATE_MAX, empty). */
long long httpdate_parse(const char *s, size_t n, bool imf_only);

#endif

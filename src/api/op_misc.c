/*
 * op_misc — account-level operations without a table: DescribeLimits, DescribeEndpoints.
 * Layer: api.
 *
 * DescribeLimits answers DynamoDB Local's numbers (80000 per account, 40000 per table).
 * DescribeEndpoints answers one endpoint cached for 1440 minutes as the service does; the
 * address is the one the client reached (the request's Host header, as the service names its
 * own regional endpoint), never AWS's, so an SDK with endpoint discovery keeps talking to us:
 * a hard-wired "localhost:8000" sent a server on any other port's clients elsewhere
 * (test_tables test_describe_endpoints).  Without a usable Host: API_ENDPOINT_ADDRESS.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeLimits.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeEndpoints.html
 */
#include "api/api_int.h"

#include <string.h>

#define API_ENDPOINT_ADDRESS "localhost:8000"

int op_describe_limits(api_req *r, json_t **out)
{
    (void)r;
    *out = json_pack("{s:i,s:i,s:i,s:i}", "AccountMaxReadCapacityUnits", 80000,
                     "AccountMaxWriteCapacityUnits", 80000, "TableMaxReadCapacityUnits", 40000,
                     "TableMaxWriteCapacityUnits", 40000);
    return *out ? 0 : api_nomem(r);
}

/* Whether h can name an endpoint: a host name, an IPv4 or a bracketed IPv6 address, and a
 * port, at most API_HOST_MAX bytes (anything else a client sent is not repeated). */
#define API_HOST_MAX 261 /* 255 of name, ':' and 5 of port */
static bool host_ok(const char *h)
{
    size_t n = h ? strlen(h) : 0;
    if (n == 0 || n > API_HOST_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
            return false;
    }
    return true;
}

int op_describe_endpoints(api_req *r, json_t **out)
{
    const char *host = r->caller ? r->caller->host : NULL;
    *out = json_pack("{s:[{s:s,s:i}]}", "Endpoints", "Address",
                     host_ok(host) ? host : API_ENDPOINT_ADDRESS, "CachePeriodInMinutes", 1440);
    return *out ? 0 : api_nomem(r);
}

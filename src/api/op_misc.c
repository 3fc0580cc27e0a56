/*
 * op_misc — account-level operations without a table: DescribeLimits, DescribeEndpoints.
 * Layer: api.
 *
 * DescribeLimits answers DynamoDB Local's numbers (80000 per account, 40000 per table).
 * DescribeEndpoints answers one endpoint cached for 1440 minutes as the service does; the
 * address is this server's default DynamoDB endpoint (API_ENDPOINT_ADDRESS), never AWS's,
 * so an SDK with endpoint discovery keeps talking to us.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeLimits.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeEndpoints.html
 */
#include "api/api_int.h"

#define API_ENDPOINT_ADDRESS "localhost:8000"

int op_describe_limits(api_req *r, json_t **out)
{
    (void)r;
    *out = json_pack("{s:i,s:i,s:i,s:i}", "AccountMaxReadCapacityUnits", 80000,
                     "AccountMaxWriteCapacityUnits", 80000, "TableMaxReadCapacityUnits", 40000,
                     "TableMaxWriteCapacityUnits", 40000);
    return *out ? 0 : err_set(r->err, ERR_NOMEM, "out of memory");
}

int op_describe_endpoints(api_req *r, json_t **out)
{
    *out = json_pack("{s:[{s:s,s:i}]}", "Endpoints", "Address", API_ENDPOINT_ADDRESS,
                     "CachePeriodInMinutes", 1440);
    return *out ? 0 : err_set(r->err, ERR_NOMEM, "out of memory");
}

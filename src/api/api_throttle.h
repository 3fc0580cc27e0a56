/*
 * api_throttle — the interface of the opt-in throttling (`ddbchat serve --throttle`,
 * api_throttle.c, which documents the buckets).  Layer: api (private).
 *
 * Included by the dispatcher (api_thr_init / _fini) and by the operations that read or write
 * items (admission, charges, refunds).  api_thr_admit is inline: with the switch off
 * (api->thr NULL) a handler pays one branch.
 */
#ifndef DDB_API_API_THROTTLE_H
#define DDB_API_API_THROTTLE_H

#include "api/api_int.h"

struct api_cap;
/* Minimum charges at admission, in half units: what the smallest request of the kind
 * consumes (a read of up to 4 KB, a write of up to 1 KB; transactional ones double). */
#define API_THR_READ_EVENTUAL 1
#define API_THR_READ_STRONG 2
#define API_THR_WRITE 2
#define API_THR_TXN 2 /* multiplier */
/* 0 or ERR_NOMEM.  on = false: api->thr stays NULL and every call below is one branch. */
int api_thr_init(api_t *api, bool on);
void api_thr_fini(api_t *api);
/* Admits one read (write = false) of table t through index ix (NULL: the table; an LSI
 * reads the table's capacity) or one write of t, taking min_h half units from the bucket
 * it spends; a write needs credit in every GSI of t as well (AWS throttles a table's writes
 * when one of its GSIs is out of write capacity).  Returns 0, or, with nothing taken,
 * ERR_PROVISIONED_THROUGHPUT (provisioned) / ERR_ON_DEMAND_THROTTLED (on-demand, past its maximum
 * or AWS's default 40,000 units per table) with AWS's message in r->err and
 * ThrottlingReasons in r->err_extra (set only if r->err holds nothing yet). */
int api_thr_admit_slow(api_req *r, const store_table *t, const store_index *ix, bool write,
                       uint64_t min_h);
static inline int api_thr_admit(api_req *r, const store_table *t, const store_index *ix,
                                bool write, uint64_t min_h)
{
    return r->api->thr ? api_thr_admit_slow(r, t, ix, write, min_h) : 0;
}
/* Charges what an admitted request consumed beyond the min_h taken at admission (a
 * negative difference is given back).  Reads: h half units of ix's bucket (or the table's).
 * Writes: cap's table units to the table, its GSI units to each GSI (LSI units are the
 * table's).  No-ops when off. */
void api_thr_charge_read(api_req *r, const store_table *t, const store_index *ix, uint64_t h,
                         uint64_t min_h);
void api_thr_charge_write(api_req *r, const store_table *t, const struct api_cap *cap,
                          uint64_t min_h);
/* Gives back min_h taken by an admission whose request did not run. */
void api_thr_refund(api_req *r, const store_table *t, const store_index *ix, bool write,
                    uint64_t min_h);

#endif

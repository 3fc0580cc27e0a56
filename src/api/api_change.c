/*
 * api_change — the engine's commit notification, for the messaging layer's event streams,
 * and its partition versions, for the messaging layer's caches (which may not use store/
 * directly).  Layer: api.  See api.h.
 */
#include "api/api.h"

uint64_t api_change_wait(api_t *api, uint64_t seen, int timeout_ms)
{
    return store_change_wait(api_store(api), seen, timeout_ms);
}

uint64_t api_partition_version(api_t *api, const char *table, const av_t *hash)
{
    store_t *s = api_store(api);
    const store_table *t = table ? store_table_pin(s, table) : NULL;
    if (!t)
        return 0;
    uint64_t v = store_partition_version(s, t, hash);
    store_table_unpin(s, t);
    return v;
}

/*
 * api_change — the engine's commit notification, for the messaging layer's event streams
 * (which may not use store/ directly).  Layer: api.  See api.h.
 */
#include "api/api.h"

uint64_t api_change_wait(api_t *api, uint64_t seen, int timeout_ms)
{
    return store_change_wait(api_store(api), seen, timeout_ms);
}

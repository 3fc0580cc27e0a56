/*
 * api_req — one request in flight: its arena's share of the api's budget, the table
 * descriptors it pins, its reply and error extras, and its end.  Layer: api.  See api_req.h;
 * the handlers' part is declared in api_int.h.
 *
 * Below every operation file and below the dispatcher (api.c), which calls it; it calls no
 * operation.  A request lives on the dispatcher's stack (api_run) or, when it may answer
 * later, in the caller's arena (api_later_st): api_req_finish is its one end either way.
 */
#include "api/api_req.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/api_text.h"
#include "base/mem.h"
#include "value/jread.h"

int api_keep_pin(api_req *r, const store_table *t)
{
    if (!t)
        return 0;
    api_pin *p = arena_alloc(r->arena, sizeof *p);
    if (!p) {
        store_table_unpin(r->api->store, t);
        return api_nomem(r);
    }
    p->t = t;
    p->next = r->pins;
    r->pins = p;
    return 0;
}

/* The arena's grow hook (base/arena.h) of every request (api_arena_share): past its own
 * part, steps of the api's shared budget, up to r->arena_cap.  A request that holds the whole
 * budget's charges (nobody else holds any) may pass it up to its cap: a transaction of 80
 * Updates of the widest items (~850 MB) alone on the server was otherwise answered "busy,
 * retry" for good (review15 F10). */
static int api_arena_grow(arena_t *a, size_t need, void *ctx)
{
    api_req *r = ctx;
    if (need > r->arena_cap && r->applied) {
        /* an applied write's reply (ConsumedCapacity, ItemCollectionMetrics) whatever the cap
         * says: a 500 would have the client apply it again (71 wide Updates: review17 F8) */
        r->arena_cap = need;
    } else if (need > r->arena_cap) {
        /* past API_ARENA_TXN_MAX: busy while others hold part of the shared budget (given
         * back when they end); alone, the request can never run here: the transaction's size
         * refusal (api_req_finish), not a busy reply on every retry (review17 F4) */
        if (r->arena_capped && atomic_load(&r->api->arena_shared) != r->arena_charged)
            r->arena_refused = true;
        else if (r->arena_capped)
            r->arena_too_big = true;
        return -1;
    }
    size_t step = need - a->max;
    step = (step + API_ARENA_SHARED_STEP - 1) / API_ARENA_SHARED_STEP * API_ARENA_SHARED_STEP;
    if (step > r->arena_cap - a->max)
        step = r->arena_cap - a->max;
    size_t cur = atomic_load(&r->api->arena_shared), budget = r->api->arena_shared_budget;
    do {
        if ((step > budget || cur > budget - step) &&
            cur != r->arena_charged && !r->applied) { /* spent, others hold part of it */
            r->arena_refused = true;
            return -1;
        }
    } while (!atomic_compare_exchange_weak(&r->api->arena_shared, &cur, cur + step));
    r->arena_charged += step;
    a->max += step;
    return 0;
}

void api_writes_applied(api_req *r, const store_write *w, size_t n)
{
    for (size_t i = 0; i < n && !r->applied; i++)
        r->applied = w[i].rc == 0;
}

/* The request's arena may hold `own` bytes (at least what it holds already: our reader's tree
 * of the body on the later path) and grow up to `cap` by steps of the shared budget. */
void api_arena_share(api_req *r, size_t own, size_t cap)
{
    arena_t *a = r->arena;
    if (own < a->total)
        own = a->total;
    r->arena_cap = cap > own ? cap : own;
    a->max = own;
    if (r->arena_cap > own) {
        a->grow = api_arena_grow;
        a->grow_ctx = r;
    }
}

void api_arena_for_writes(api_req *r, size_t nwrite)
{
    size_t cap = r->api->arena_txn_max;
    if (nwrite < r->api->arena_txn_max / API_ARENA_PER_TXN_WRITE)
        cap = nwrite * API_ARENA_PER_TXN_WRITE;
    else /* a growth past it is the busy reply, not out of memory (as api_arena_for_stored) */
        r->arena_capped = true;
    if (cap <= r->arena_cap)
        return;
    if (r->arena->grow) /* api_run's: the shared budget already */
        r->arena_cap = cap;
    else /* a big body's arena, its part paid by the server's parse budget */
        api_arena_share(r, r->arena->max, cap);
}

/* The arena's cap raised to cap (never lowered). */
static void api_arena_cap_to(api_req *r, size_t cap)
{
    if (cap <= r->arena_cap)
        return;
    if (r->arena->grow == api_arena_grow && r->arena->grow_ctx == r)
        r->arena_cap = cap;
    else /* a big body's arena, its part paid by the server's parse budget */
        api_arena_share(r, r->arena->max, cap);
}

void api_arena_for_stored(api_req *r, size_t len)
{
    if (len <= API_ARENA_STORED_FROM)
        return;
    size_t cap = r->arena_cap;
    if (cap >= r->api->arena_txn_max || len > r->api->arena_txn_max - cap) {
        cap = r->api->arena_txn_max;
        r->arena_capped = true;
    } else {
        cap += len;
    }
    api_arena_cap_to(r, cap);
}

int api_arena_for_member(api_req *r, size_t len)
{
    if (len <= API_ARENA_STORED_FROM)
        return 0;
    /* refused by what the arena holds, not by its cap: the members before took less than
     * API_ARENA_PER_TXN_WRITE each, mostly (25 members of items of 17 MB stored reached the
     * cap at 32 MB a write with 500 MB held: test_review15 f11d) */
    if (len > r->api->arena_txn_max || r->arena->total > r->api->arena_txn_max - len)
        return -1;
    api_arena_cap_to(r, r->arena_cap > r->api->arena_txn_max - len ? r->api->arena_txn_max
                                                               : r->arena_cap + len);
    return 0;
}

/* The end of a request's use of the shared budget (api_req_finish). */
static void api_arena_unshare(api_req *r)
{
    if (r->arena && r->arena->grow == api_arena_grow && r->arena->grow_ctx == r) {
        r->arena->grow = NULL;
        r->arena->grow_ctx = NULL;
    }
    if (r->arena_charged)
        atomic_fetch_sub(&r->api->arena_shared, r->arena_charged);
    r->arena_charged = 0;
}

int api_pin_table(api_req *r, const char *store_name, const store_table **out)
{
    *out = store_table_pin(r->api->store, store_name);
    int rc = api_keep_pin(r, *out);
    if (rc)
        *out = NULL;
    return rc;
}

void api_unpin_all(api_req *r)
{
    for (api_pin *p = r->pins; p; p = p->next)
        store_table_unpin(r->api->store, p->t);
    r->pins = NULL;
}

int api_req_body(api_req *r)
{
    if (r->body)
        return 0;
    if (!r->jbody || !(r->body = jread_to_jansson(r->jbody)))
        return api_nomem(r);
    r->body_owned = true;
    return 0;
}

api_out *api_reply(api_req *r)
{
    api_err_drop(r);
    if (r->sink)
        ao_open_sink(r->out, r->sink);
    else
        ao_open(r->out, r->w);
    return r->out;
}

void api_err_drop(api_req *r)
{
    json_decref(r->err_extra);
    r->err_extra = NULL;
    if (r->err_text) {
        jout_reset(r->w);
        r->err_text = false;
    }
}

void api_err_forget(api_req *r)
{
    err_clear(r->err);
    json_decref(r->err_extra);
    r->err_extra = NULL;
}

void api_err_open(api_req *r, api_out *o)
{
    api_err_drop(r);
    if (r->out && r->out->depth > 0)
        ao_abandon(r->out);
    if (r->w) {
        jout_reset(r->w);
        r->err_text = true;
    }
    ao_open(o, r->w);
}

int api_err_close(api_req *r, api_out *o)
{
    json_t *tree = NULL;
    if (ao_finish(o, &tree)) {
        api_err_drop(r);
        err_clear(r->err);
        return api_nomem(r);
    }
    if (!r->w)
        r->err_extra = tree;
    return 0;
}

/* The end of a request, after its handler returned rc (and maybe a tree): the reply (w, sink
 * or *out_resp) or the error (*out_resp: its extra fields); unpins.  Returns the result. */
int api_req_finish(api_req *r, int rc, json_t *tree, bool failed, unsigned long oom0,
                   json_t **out_resp)
{
    api_out *out = r->out;
    err_t *e = r->err;
    jout *w = r->w;
    const api_sink *sink = r->sink;
    api_unpin_all(r);
    if (rc == 0 && r->err_text) /* extras of an error the handler did not return */
        api_err_drop(r);
    if (rc == 0 && sink && out->depth == 0) { /* a values row that did not stream: a bug */
        json_decref(tree);
        tree = NULL;
        rc = err_set(e, ERR_INTERNAL, "%s wrote no reply as values", r->op);
    } else if (rc == 0 && out->depth > 0) { /* the handler wrote through api_reply */
        json_decref(tree);
        tree = NULL;
        if ((rc = ao_finish(out, &tree)))
            err_set(e, rc, "out of memory");
    } else if (rc == 0 && w) { /* a tree from a handler that does not stream */
        if (!tree || jout_json(w, tree)) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            json_decref(tree);
            tree = NULL;
        }
    }
    api_arena_unshare(r);
    if (rc && r->arena_too_big && !r->arena_refused && !r->applied &&
        (rc == ERR_NOMEM || err_status(rc) >= 500)) {
        /* alone past API_ARENA_TXN_MAX (or its test aid), nothing written: AWS's refusal of a
         * transaction's items' size (4 MB of items; a 400 KB item decodes to up to 10.6 MB here) */
        api_err_drop(r);
        err_clear(e);
        rc = err_set(e, ERR_VALIDATION, TXT_T_TOO_BIG);
    }
    if (rc && r->arena_refused && !r->applied && (rc == ERR_NOMEM || err_status(rc) >= 500)) {
        /* the shared arena budget was spent and nothing was written: busy, retry */
        api_err_drop(r);
        err_clear(e);
        rc = err_set(e, ERR_THROTTLING, "Rate of requests exceeds the allowed throughput.");
    }
    if ((failed || mem_failures() != oom0) && (rc == 0 || err_status(rc) < 500)) {
        /* an allocation failed somewhere (base/mem.h; failed: on the thread that began a
         * request answered later): the reply, or the error, may be missing parts (jansson
         * drops a member it could not build) */
        json_decref(tree);
        tree = NULL;
        api_err_drop(r);
        err_clear(e);
        rc = err_set(e, ERR_NOMEM, "out of memory");
    }
    if (rc) {
        if (out->depth > 0)
            ao_abandon(out);
        if (w && !r->err_text) /* else it holds the error's extra members (api_err_open) */
            jout_reset(w);
        json_decref(tree);
        *out_resp = r->err_extra;
        if (e && e->code == 0)
            err_set(e, rc, "%s", "");
    } else {
        json_decref(r->err_extra);
        r->err_extra = NULL;
        if (w || sink)
            json_decref(tree);
        else
            *out_resp = tree;
    }
    if (r->body_owned)
        json_decref(r->body);
    return rc;
}

void api_later_suspend(api_req *r)
{
    api_later_st *st = (api_later_st *)((char *)r - offsetof(api_later_st, r));
    st->failed = mem_failures() != st->oom0;
    r->later->suspend(r->later->ctx);
}

void api_later_finish(api_req *r, int rc, unsigned long oom0)
{
    api_later_st *st = (api_later_st *)((char *)r - offsetof(api_later_st, r));
    api_later later = st->later; /* st lives in the caller's arena, which done may free */
    rc = api_req_finish(r, rc, NULL, st->failed, oom0, st->out_resp);
    later.done(later.ctx, rc);
}

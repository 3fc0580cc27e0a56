/*
 * api_out — a handler's reply for two consumers.  Layer: api.  See api_out.h.
 */
#include "api/api_out.h"

#include <string.h>

#include "base/err.h"
#include "value/ddbjson.h"

void ao_open(api_out *o, jout *w)
{
    memset(o, 0, sizeof *o);
    o->w = w;
    o->depth = 1;
    o->first[0] = true;
    if (w) {
        if (jout_raw(w, "{", 1))
            o->failed = true;
    } else {
        o->stack[0] = json_object();
        if (!o->stack[0])
            o->failed = true;
    }
}

void ao_open_sink(api_out *o, const api_sink *sink)
{
    memset(o, 0, sizeof *o);
    o->sink = sink;
    o->depth = 1;
}

/* Value mode: hands item to the sink under key, or the innermost container's name. */
static void ao_sink_item(api_out *o, const char *key, const av_t *item)
{
    if (o->sink->item(o->sink->ctx, key ? key : o->keys[o->depth - 1], item))
        o->failed = true;
}

/* Text mode: the separator and "key": of a new member of the innermost container. */
static bool ao_member_text(api_out *o, const char *key)
{
    int d = o->depth - 1;
    bool comma = !o->first[d];
    o->first[d] = false;
    if (o->is_arr[d] ? comma && jout_raw(o->w, ",", 1)
                     : jout_member_key(o->w, comma, key, strlen(key)) != 0)
        return false;
    o->at[d] = o->w->len;
    return true;
}

/* Tree mode: adds v (stolen) to the innermost container.  The one place a member joins the
 * tree, so value mode (no tree: o->stack[] all NULL) drops v here: a writer without its own
 * o->sink branch then loses that member, value mode's documented behaviour, rather than
 * failing the whole reply (review5 1.0: ao_real / ao_av once did, ERR_NOMEM). */
static void ao_add_tree(api_out *o, const char *key, json_t *v)
{
    if (!v) {
        o->failed = true;
        return;
    }
    if (o->sink) {
        json_decref(v);
        return;
    }
    json_t *c = o->stack[o->depth - 1];
    int rc = o->is_arr[o->depth - 1] ? json_array_append_new(c, v) : json_object_set_new(c, key, v);
    if (rc)
        o->failed = true;
}

static void ao_push(api_out *o, const char *key, bool arr)
{
    if (o->failed)
        return;
    if (o->depth >= API_OUT_DEPTH) {
        o->failed = true;
        return;
    }
    if (o->sink) {
        o->keys[o->depth] = key ? key : o->keys[o->depth - 1];
    } else if (o->w) {
        if (!ao_member_text(o, key) || jout_raw(o->w, arr ? "[" : "{", 1)) {
            o->failed = true;
            return;
        }
        o->stack[o->depth] = NULL;
    } else {
        json_t *c = arr ? json_array() : json_object();
        if (!c) {
            o->failed = true;
            return;
        }
        json_incref(c); /* one reference for the parent, one for the stack */
        ao_add_tree(o, key, c);
        o->stack[o->depth] = c;
    }
    o->is_arr[o->depth] = arr;
    o->first[o->depth] = true;
    o->depth++;
}

void ao_obj(api_out *o, const char *key)
{
    ao_push(o, key, false);
}

void ao_arr(api_out *o, const char *key)
{
    ao_push(o, key, true);
}

void ao_close(api_out *o)
{
    if (o->failed || o->depth <= 1)
        return;
    o->depth--;
    if (o->sink)
        return;
    if (o->w) {
        if (jout_raw(o->w, o->is_arr[o->depth] ? "]" : "}", 1))
            o->failed = true;
    } else {
        json_decref(o->stack[o->depth]);
        o->stack[o->depth] = NULL;
    }
}

void ao_item(api_out *o, const char *key, const av_t *item)
{
    if (o->failed)
        return;
    if (o->sink) {
        ao_sink_item(o, key, item);
    } else if (o->w) {
        if (!ao_member_text(o, key) || jout_item(o->w, item))
            o->failed = true;
    } else {
        ao_add_tree(o, key, ddbjson_from_item(item));
    }
}

void ao_item_stored(api_out *o, const char *key, const void *data, size_t len, arena_t *a)
{
    if (o->failed)
        return;
    if (o->w) {
        if (!ao_member_text(o, key) || jout_item_stored(o->w, data, len))
            o->failed = true;
        return;
    }
    av_t item;
    if (av_decode(data, len, a, &item) || item.type != AV_M) {
        o->failed = true;
        return;
    }
    if (o->sink)
        ao_sink_item(o, key, &item);
    else
        ao_add_tree(o, key, ddbjson_from_item(&item));
}

int ao_item_stored_scan(api_out *o, const char *key, const void *data, size_t len, arena_t *a,
                        const char *const *names, const size_t *lens, size_t n, av_t *vals,
                        size_t *size)
{
    if (o->failed || (!o->w && !o->sink)) {
        o->failed = true;
        return ERR_NOMEM;
    }
    if (o->sink) { /* a copy decoded: the sink may keep pointers until the call returns */
        av_t item;
        void *copy = arena_memdup(a, data, len ? len : 1);
        int rc = !copy ? ERR_NOMEM
                       : av_decode(copy, len, a, &item) || item.type != AV_M ? ERR_INTERNAL : 0;
        if (rc) {
            o->failed = true;
            return rc;
        }
        *size = av_item_size(&item);
        for (size_t j = 0; j < n; j++) {
            const av_t *v = av_map_get(&item, names[j], lens[j]);
            if (v && (v->type == AV_S || v->type == AV_N || v->type == AV_B))
                vals[j] = *v;
            else
                memset(&vals[j], 0, sizeof vals[j]); /* AV_NONE */
        }
        o->pending = item;
        o->pending_key = key;
        return 0;
    }
    int d = o->depth - 1;
    o->back = jout_mark_here(o->w);
    o->back_first = o->first[d];
    bool corrupt = false;
    if (!ao_member_text(o, key) ||
        jout_item_stored_scan(o->w, data, len, names, lens, n, vals, size, &corrupt)) {
        o->failed = true;
        return corrupt ? ERR_INTERNAL : ERR_NOMEM;
    }
    return 0;
}

void ao_kept(api_out *o)
{
    if (o->failed || !o->sink || o->pending.type != AV_M)
        return;
    av_t item = o->pending;
    o->pending.type = AV_NONE;
    ao_sink_item(o, o->pending_key, &item);
}

void ao_unwrite(api_out *o)
{
    if (o->failed)
        return;
    if (o->sink) {
        o->pending.type = AV_NONE;
        return;
    }
    if (!o->w)
        return;
    jout_rewind(o->w, &o->back);
    o->first[o->depth - 1] = o->back_first;
}

void ao_strn(api_out *o, const char *key, const char *s, size_t n)
{
    if (o->failed || o->sink)
        return;
    if (o->w) {
        if (!ao_member_text(o, key) || jout_str(o->w, s, n))
            o->failed = true;
    } else {
        ao_add_tree(o, key, json_stringn(s, n));
    }
}

void ao_str(api_out *o, const char *key, const char *s)
{
    ao_strn(o, key, s, strlen(s));
}

void ao_int(api_out *o, const char *key, long long v)
{
    if (o->failed || o->sink)
        return;
    if (o->w) {
        if (!ao_member_text(o, key) || jout_int(o->w, v))
            o->failed = true;
    } else {
        ao_add_tree(o, key, json_integer((json_int_t)v));
    }
}

void ao_real(api_out *o, const char *key, double v)
{
    if (o->failed || o->sink)
        return;
    if (o->w) {
        if (!ao_member_text(o, key) || jout_real(o->w, v))
            o->failed = true;
    } else {
        ao_add_tree(o, key, json_real(v));
    }
}

void ao_av(api_out *o, const char *key, const av_t *v)
{
    if (o->failed || o->sink)
        return;
    if (o->w) {
        if (!ao_member_text(o, key) || jout_av(o->w, v))
            o->failed = true;
    } else {
        ao_add_tree(o, key, ddbjson_from_av(v));
    }
}

void ao_json(api_out *o, const char *key, json_t *v)
{
    if (o->failed || !v || o->sink) {
        json_decref(v);
        if (!v)
            o->failed = true;
        return;
    }
    if (o->w) {
        if (!ao_member_text(o, key) || jout_json(o->w, v))
            o->failed = true;
        json_decref(v);
    } else {
        ao_add_tree(o, key, v);
    }
}

size_t ao_last_len(const api_out *o)
{
    if (o->failed || o->sink || o->depth < 1)
        return 0;
    int d = o->depth - 1;
    if (o->w)
        return o->first[d] ? 0 : o->w->len - o->at[d];
    size_t n = json_array_size(o->stack[d]);
    return n ? json_dumpb(json_array_get(o->stack[d], n - 1), NULL, 0, JSON_COMPACT) : 0;
}

int ao_finish(api_out *o, json_t **out_tree)
{
    *out_tree = NULL;
    while (!o->failed && o->depth > 1)
        ao_close(o);
    if (!o->failed && !o->sink && o->w && jout_raw(o->w, "}", 1))
        o->failed = true;
    if (o->failed) {
        ao_abandon(o);
        return ERR_NOMEM;
    }
    if (!o->w && !o->sink) {
        *out_tree = o->stack[0];
        o->stack[0] = NULL;
    }
    o->depth = 0;
    return 0;
}

void ao_abandon(api_out *o)
{
    if (!o->w && !o->sink) {
        for (int i = 0; i < o->depth && i < API_OUT_DEPTH; i++) {
            json_decref(o->stack[i]);
            o->stack[i] = NULL;
        }
    }
    o->depth = 0;
    o->failed = true;
}

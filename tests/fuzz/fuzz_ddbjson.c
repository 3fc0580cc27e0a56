/*
 * fuzz_ddbjson — DynamoDB JSON -> attribute values (value/ddbjson.c), and back.
 *
 * Input: a JSON document (parsed with JSON_ALLOW_NUL, as the server does), taken both as one
 * attribute value and as an item.  Whatever converts must survive, exactly (av_equal):
 * storage encoding and decoding (av_encode / av_decode), conversion back to JSON and in
 * again, a deep copy; a scalar S/N/B also its key encoding (keycodec), which must decode to
 * the same value and order like av_compare_scalar against the seed value "m".  The same
 * document read by our reader (value/jread.h) converts through ddbjson_to_*_jr to the same
 * answer: return code, message and value (issue 13.1: the request path uses those).
 */
#include <jansson.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "fuzz_common.h"
#include "value/av.h"
#include "value/ddbjson.h"
#include "value/jread.h"
#include "value/keycodec.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

static void round_trips(const av_t *v, bool item, arena_t *a)
{
    buf_t b;
    buf_init(&b, 0);
    av_t back;
    if (av_encode(v, &b) == 0) {
        if (av_decode(b.data, b.len, a, &back) != 0 || !av_equal(v, &back))
            fz_fail("av_encode/av_decode round trip");
    }
    buf_fini(&b);
    json_t *j = item ? ddbjson_from_item(v) : ddbjson_from_av(v);
    if (!j)
        fz_fail("ddbjson_from_%s failed", item ? "item" : "av");
    err_t e = {0};
    int rc = item ? ddbjson_to_item(j, a, &back, &e) : ddbjson_to_av(j, a, &back, &e);
    if (rc != 0 || !av_equal(v, &back))
        fz_fail("ddbjson round trip: %s", e.msg);
    json_decref(j);
    av_t copy;
    if (av_copy(a, v, &copy) != 0 || !av_equal(v, &copy))
        fz_fail("av_copy");
    (void)(item ? av_item_size(v) : av_value_size(v));
}

static void key_round_trip(const av_t *v, arena_t *a)
{
    if (v->type != AV_S && v->type != AV_N && v->type != AV_B)
        return;
    static const char *const other_text[] = {"m", "7", "bQ=="};
    av_t other;
    err_t e = {0};
    if (v->type == AV_S)
        other = av_make_s(other_text[0], 1);
    else if (v->type == AV_N) {
        if (av_make_n(a, other_text[1], 1, &other, &e))
            fz_fail("av_make_n");
    } else
        other = av_make_b("m", 1);
    buf_t kb, ko;
    buf_init(&kb, 0);
    buf_init(&ko, 0);
    if (key_encode(v, &kb) == 0 && key_encode(&other, &ko) == 0) {
        av_t back;
        size_t used = 0;
        if (key_decode(v->type, kb.data, kb.len, a, &back, &used) != 0 || used != kb.len ||
            av_compare_scalar(v, &back) != 0)
            fz_fail("key_encode/key_decode round trip");
        size_t m = kb.len < ko.len ? kb.len : ko.len;
        int c = memcmp(kb.data, ko.data, m);
        if (c == 0)
            c = kb.len < ko.len ? -1 : kb.len > ko.len;
        int want = av_compare_scalar(v, &other);
        if ((c < 0) != (want < 0) || (c == 0) != (want == 0))
            fz_fail("key order differs from value order");
    }
    buf_fini(&kb);
    buf_fini(&ko);
}

/* The jread entries give the jansson entries' answer for the same text. */
static void same_through_jread(const uint8_t *data, size_t size, const json_t *j)
{
    arena_t ja, a1, a2;
    arena_init(&ja);
    arena_init(&a1);
    arena_init(&a2);
    jread_val *root;
    jread_error je;
    if (jread_parse((const char *)data, size, &ja, &root, &je) != 0) {
        if (!je.nomem) /* jansson took it: so must we (but for a raw NUL after a number) */
            for (size_t i = 0; i < size; i++)
                if (data[i] == 0)
                    goto out;
        if (!je.nomem)
            fz_fail("jread refused what json_loadb took: %s", je.text);
        goto out;
    }
    for (int item = 0; item < 2; item++) {
        err_t e1 = {0}, e2 = {0};
        av_t v1, v2;
        int r1 = item ? ddbjson_to_item(j, &a1, &v1, &e1) : ddbjson_to_av(j, &a1, &v1, &e1);
        int r2 =
            item ? ddbjson_to_item_jr(root, &a2, &v2, &e2) : ddbjson_to_av_jr(root, &a2, &v2, &e2);
        if (r1 != r2 || strcmp(e1.msg, e2.msg) != 0)
            fz_fail("jread entry differs: %d [%s] vs %d [%s]", r1, e1.msg, r2, e2.msg);
        if (r1 == 0 && !av_equal(&v1, &v2))
            fz_fail("jread entry gives another value");
    }
out:
    arena_fini(&ja);
    arena_fini(&a1);
    arena_fini(&a2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!j)
        return 0;
    same_through_jread(data, size, j);
    arena_t a;
    arena_init(&a);
    err_t e = {0};
    av_t v;
    if (ddbjson_to_av(j, &a, &v, &e) == 0) {
        round_trips(&v, false, &a);
        key_round_trip(&v, &a);
    }
    err_clear(&e);
    if (ddbjson_to_item(j, &a, &v, &e) == 0)
        round_trips(&v, true, &a);
    arena_fini(&a);
    json_decref(j);
    return 0;
}

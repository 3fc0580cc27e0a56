/*
 * service_read — the listings: a conversation's messages (pattern A) and a user's
 * conversations (pattern B), a page at a time, with the cursors (X-Next-Cursor) that carry a
 * Query's position and the membership checks a reader passes first.  Layer: messaging (part
 * of the service, service.h: pages, cursors, invariants).
 * DynamoDB documents used: Query
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html), GetItem
 * (.../API_GetItem.html).
 */
#include "messaging/messaging_int.h"
#include "api/api.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/siphash.h"
#include "value/av.h"
#include "value/ddbjson.h"
#include "value/jout.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- pages and cursors -------------------------------------------------------------- */

void msg_message_fini(msg_message *m)
{
    if (m) {
        free(m->message);
        m->message = NULL;
    }
}

void msg_message_page_free(msg_message_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->items[i].message);
    free(p->items);
    free(p->next_cursor);
    memset(p, 0, sizeof *p);
}

void msg_conversation_page_free(msg_conversation_page *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->items[i].message);
    free(p->items);
    free(p->next_cursor);
    memset(p, 0, sizeof *p);
}

/* LastEvaluatedKey -> cursor (NULL when absent). */
static int cursor_encode(const json_t *lek, char **out, err_t *e)
{
    *out = NULL;
    if (!json_is_object(lek))
        return 0;
    char *txt = json_dumps(lek, JSON_COMPACT | JSON_SORT_KEYS);
    if (!txt)
        return err_set(e, ERR_NOMEM, "out of memory");
    *out = msgi_b64url_encode((const unsigned char *)txt, strlen(txt));
    free(txt);
    return *out ? 0 : err_set(e, ERR_NOMEM, "out of memory");
}

/* Byte order of two names (as strcmp orders names without a NUL). */
static int name_cmp(const av_kv *a, const av_kv *b)
{
    int c = memcmp(a->name, b->name, a->name_len < b->name_len ? a->name_len : b->name_len);
    return c ? c : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

/* cursor_encode of a key as a value (an M).  A key of scalar members (every key: S, N or B
 * attributes) is written straight from the values, its members in name order as
 * JSON_SORT_KEYS orders them (byte order, jout writes what json_dumps writes); anything else
 * through the JSON tree. */
static int cursor_encode_av(const av_t *key, char **out, err_t *e)
{
    *out = NULL;
    size_t n = key->type == AV_M ? key->u.map.n : 0;
    bool scalar = n >= 1 && n <= 4;
    for (size_t i = 0; scalar && i < n; i++) {
        const av_kv *kv = &key->u.map.kv[i];
        scalar = (kv->val.type == AV_S || kv->val.type == AV_N || kv->val.type == AV_B) &&
                 !memchr(kv->name, 0, kv->name_len);
    }
    if (scalar) {
        const av_kv *ord[4];
        for (size_t i = 0; i < n; i++) { /* insertion sort by name, as strcmp orders */
            const av_kv *kv = &key->u.map.kv[i];
            size_t j = i;
            for (; j > 0 && name_cmp(ord[j - 1], kv) > 0; j--)
                ord[j] = ord[j - 1];
            ord[j] = kv;
        }
        jout w;
        jout_init(&w, 0);
        jout_raw(&w, "{", 1);
        for (size_t i = 0; i < n; i++) {
            if (i)
                jout_raw(&w, ",", 1);
            jout_key(&w, ord[i]->name, ord[i]->name_len);
            jout_av(&w, &ord[i]->val);
        }
        jout_raw(&w, "}", 1);
        size_t len = 0;
        char *txt = jout_failed(&w) ? NULL : jout_take(&w, &len);
        jout_fini(&w);
        if (txt) {
            *out = msgi_b64url_encode((const unsigned char *)txt, len);
            free(txt);
            return *out ? 0 : err_set(e, ERR_NOMEM, "out of memory");
        }
        /* a member jout refuses (invalid UTF-8, as json_dumps does): the tree's answer */
    }
    json_t *j = ddbjson_from_item(key);
    if (!j)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc = cursor_encode(j, out, e);
    json_decref(j);
    return rc;
}

/* cursor -> ExclusiveStartKey {pk, sk} whose pk must equal `pk` and whose sk must be a
 * timestamp of the fixed format (the sort key of every message and conversation row): a
 * tampered sk such as "" or "9999" read as an empty or a first page on the embedded engine,
 * and as the endpoint's own ValidationException on a remote one. */
static int cursor_decode(const char *cursor, const char *pk, json_t **out, err_t *e)
{
    *out = NULL;
    unsigned char *raw = NULL;
    size_t n;
    if (strlen(cursor) > 4096 || msgi_b64url_decode(cursor, &raw, &n))
        return msg_fail(e, MSG_E_BAD_CURSOR);
    json_t *k = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    const char *kpk = msgi_item_s(k, "pk"), *ksk = msgi_item_s(k, "sk");
    long long usec;
    err_t ts_e = {0};
    if (!json_is_object(k) || json_object_size(k) != 2 || !kpk || !ksk || strcmp(kpk, pk) ||
        msg_ts_parse(ksk, &usec, &ts_e)) {
        json_decref(k);
        return msg_fail(e, MSG_E_BAD_CURSOR);
    }
    *out = msgi_key2(kpk, ksk);
    json_decref(k);
    return *out ? 0 : err_set(e, ERR_NOMEM, "out of memory");
}

/* A page of a query_page answer, read as values (api_sink).  query_page asks for one item more
 * than the page, so a full last page has no cursor ("no cursor = last page"); the cursor is
 * then the key (pk, sk) of the page's last item, which is what the Query's LastEvaluatedKey
 * of the page would be.  With fewer items (the Query's 1 MB stopped it), the Query's own
 * LastEvaluatedKey.  row() copies item i (< limit) into the caller's page. */
typedef struct page_rd {
    size_t limit;
    size_t n;      /* Items seen (up to limit + 1) */
    int (*row)(void *rows, size_t i, const av_t *item);
    void *rows;
    arena_t a;     /* the keys below outlive the call */
    av_t last_key; /* {pk, sk} of item limit - 1; type AV_NONE until then */
    av_t lek;      /* the answer's LastEvaluatedKey; AV_NONE when it has none */
} page_rd;

static int page_item(void *ctx, const char *key, const av_t *item)
{
    page_rd *p = ctx;
    if (strcmp(key, "LastEvaluatedKey") == 0)
        return av_copy(&p->a, item, &p->lek);
    if (strcmp(key, "Items") != 0)
        return 0;
    size_t i = p->n++;
    if (i >= p->limit)
        return 0;
    if (i == p->limit - 1) {
        const av_t *pk = av_map_gets(item, "pk"), *sk = av_map_gets(item, "sk");
        av_kv *kv = arena_alloc(&p->a, 2 * sizeof *kv);
        if (pk && sk && kv) {
            kv[0] = (av_kv){.name = "pk", .name_len = 2};
            kv[1] = (av_kv){.name = "sk", .name_len = 2};
            if (av_copy(&p->a, pk, &kv[0].val) || av_copy(&p->a, sk, &kv[1].val))
                return -1;
            p->last_key = av_make_m(kv, 2);
        }
    }
    return p->row(p->rows, i, item);
}

/* The page's item count and cursor (NULL when it is the last page), after query_page (newest
 * first). */
static int page_end(page_rd *p, size_t *n, char **cursor, err_t *e)
{
    *cursor = NULL;
    if (p->n <= p->limit) {
        *n = p->n;
        return p->lek.type == AV_M ? cursor_encode_av(&p->lek, cursor, e) : 0;
    }
    *n = p->limit;
    if (p->last_key.type != AV_M) /* a row without its key: cannot page on */
        return err_set(e, ERR_NOMEM, "out of memory");
    return cursor_encode_av(&p->last_key, cursor, e);
}

/* The end of a page read forward (query_page with after): its item count, and when more
 * items follow (limit + 1 seen, or the Query's 1 MB stopped it) *next = the newest item's
 * time `newest` (the after of the next page; heap), else NULL. */
static int after_end(page_rd *p, size_t *n, const char *newest, char **next, err_t *e)
{
    *next = NULL;
    *n = p->n <= p->limit ? p->n : p->limit;
    if ((p->n > p->limit || p->lek.type == AV_M) && newest && *n) {
        *next = strdup(newest);
        if (!*next)
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    return 0;
}

/* Query pk = :pk, newest first: limit + 1 items, each to p (page_item).  With `after` (a
 * timestamp) instead: sk > after, OLDEST first (the page after a position, paging forward). */
static int query_page(msg_service *s, const char *pk, const char *cursor, const char *after,
                      page_rd *p, err_t *e)
{
    json_t *esk = NULL;
    int rc;
    if (cursor && *cursor && (rc = cursor_decode(cursor, pk, &esk, e)))
        return rc;
    jout req; /* the request as text (msgi_call_text): no tree */
    jout_init(&req, 0);
    jout_raw(&req, "{", 1);
    msgi_jw_str(&req, false, "TableName", s->table);
    msgi_jw_str(&req, true, "KeyConditionExpression", after ? "pk = :pk AND sk > :t" : "pk = :pk");
    jout_member_key(&req, true, "ExpressionAttributeValues", 25);
    jout_raw(&req, "{", 1);
    msgi_jw_attr(&req, false, ":pk", pk);
    if (after)
        msgi_jw_attr(&req, true, ":t", after);
    jout_raw(&req, "}", 1);
    jout_member_key(&req, true, "ScanIndexForward", 16);
    jout_raw(&req, after ? "true" : "false", after ? 4 : 5);
    jout_member_key(&req, true, "Limit", 5);
    jout_int(&req, (long long)p->limit + 1);
    if (esk) {
        jout_member_key(&req, true, "ExclusiveStartKey", 17);
        jout_json(&req, esk);
        json_decref(esk);
    }
    jout_raw(&req, "}", 1);
    err_t in;
    json_t *extra = NULL;
    api_sink sink = {.item = page_item, .ctx = p};
    rc = msgi_call_text(s, "Query", &req, &sink, &extra, &in);
    jout_fini(&req);
    json_decref(extra);
    if (rc) {
        if (rc == ERR_VALIDATION && cursor)
            return msg_fail_rc(e, MSG_E_BAD_CURSOR, rc, "%s", in.msg);
        return msgi_storage(e, rc, &in);
    }
    return 0;
}

static int check_limit(int limit, int def, int *out, err_t *e)
{
    if (limit == 0)
        limit = def;
    /* the table's text, the REST API's: one wording for one code (test_messaging.py::
     * test_cli_limit_out_of_range_is_refused) */
    _Static_assert(MSG_PAGE_MAX == 100, "msg_err.def's bad_limit text names 100");
    if (limit < 1 || limit > MSG_PAGE_MAX)
        return msg_fail(e, MSG_E_BAD_LIMIT);
    *out = limit;
    return 0;
}

/* The newest message's sort key (its created_at) of `group` into out, "" when the group has
 * no message (no such conversation, or one emptied by deletes), and its sender's uuid
 * (user_uuid) into from, "" when it has none that fits.  A consistent Query, newest first,
 * Limit 1. */
static int newest_message_at(msg_service *s, const char *group, char out[MSG_TS_LEN + 1],
                             char from[MSG_UUID_LEN + 1], err_t *e)
{
    out[0] = 0;
    from[0] = 0;
    char pk[64];
    snprintf(pk, sizeof pk, "MSG#%s", group);
    json_t *req = json_pack("{s:s, s:s, s:{s:{s:s}}, s:b, s:i, s:b, s:s}", "TableName", s->table,
                            "KeyConditionExpression", "pk = :pk", "ExpressionAttributeValues",
                            ":pk", "S", pk, "ScanIndexForward", 0, "Limit", 1, "ConsistentRead",
                            1, "ProjectionExpression", "sk, user_uuid");
    json_t *resp;
    int rc = msgi_request(s, "Query", req, &resp, e);
    if (rc)
        return rc;
    const json_t *m = json_array_get(json_object_get(resp, "Items"), 0);
    msgi_copy_s(m, "sk", out, MSG_TS_LEN + 1);
    if (!msgi_copy_s(m, "user_uuid", from, MSG_UUID_LEN + 1) || !msgi_is_uuid(from))
        from[0] = 0;
    json_decref(resp);
    return 0;
}

int msgi_query_pages(msg_service *s, json_t *req, int (*page)(void *ctx, const json_t *resp),
                     void *ctx, err_t *e)
{
    int rc = 0;
    for (long pages = 1;; pages++) {
        json_t *resp;
        if ((rc = msgi_request(s, "Query", json_incref(req), &resp, e)))
            break;
        const json_t *esk = json_object_get(resp, "LastEvaluatedKey");
        bool more = !page(ctx, resp) && esk;
        /* an endpoint that answers the key it was sent, or a key on every page, would keep
         * this loop (and the request thread) forever: a storage failure instead */
        if (more && (pages >= MSG_QUERY_PAGES_MAX ||
                     json_equal(esk, json_object_get(req, "ExclusiveStartKey")))) {
            rc = msg_fail_rc(e, MSG_E_STORAGE, ERR_INTERNAL,
                             "%s: a Query of %s went on past %ld pages without an end",
                             msg_err_text(MSG_E_STORAGE), s->table, pages);
            more = false;
        } else if (more && json_object_set(req, "ExclusiveStartKey", (json_t *)esk)) {
            /* the next page cannot be asked for: an error, not the end (a count cut short
             * as success: fault/test_alloc_fail.c test_messaging_mark_read) */
            rc = err_set(e, ERR_NOMEM, "out of memory");
            more = false;
        }
        json_decref(resp);
        if (!more)
            break;
    }
    json_decref(req);
    return rc;
}

/* msgi_query_pages's page: the first item of a page is the answer (*(json_t **)ctx, a new
 * reference); stop there. */
static int first_item(void *ctx, const json_t *resp)
{
    json_t *first = json_array_get(json_object_get(resp, "Items"), 0);
    if (!first)
        return 0;
    *(json_t **)ctx = json_incref(first);
    return 1;
}

/* The user's conversation row of `group` among their rows at or after `at` (a consistent
 * Query `sk >= :at` filtered on the group, ascending, every page until the first found): *out
 * a new reference, or NULL. */
static int my_row_since(msg_service *s, const char *pk, const char *group, const char *at,
                        json_t **out, err_t *e)
{
    return msgi_query_pages(
        s,
        json_pack("{s:s, s:s, s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}, s:b}", "TableName", s->table,
                  "KeyConditionExpression", "pk = :pk AND sk >= :at", "FilterExpression",
                  "message_group_uuid = :g", "ExpressionAttributeValues", ":pk", "S", pk, ":g",
                  "S", group, ":at", "S", at, "ConsistentRead", 1),
        first_item, out, e);
}

/* The conversation row of (user, group) by its key, without the GSI, new reference or *out
 * NULL.  Both participants' conversation rows sit at the newest message's created_at (the
 * write protocol moves them in the message's own transaction), so: the newest message's time
 * t and sender (consistent Query, Limit 1), then GetItem GRP#<user>, t (consistent) and its
 * group.  On a miss, who is in the conversation is asked of the pair row of (sender, user)
 * by its key (a consistent GetItem: written with the conversation's first message, its
 * group_uuid never changes, one conversation per pair): none, or another conversation's, and
 * the user is no participant (the sender is one, so the other one is the pair's); the pair's
 * or the user the sender, and a message moved the rows between the reads: again from the
 * newest message.  Before session 31 a miss Queried the user's rows at or after t (every
 * conversation active since the conversation's last message: all of them for an old one;
 * 300 rows read for a 404, test_service.c test_membership_404_is_bounded), and before session
 * 30 the stable newest time with the GetItem's miss said "not a participant", which a send
 * and the delete of its message around the GetItem made wrong (the newest time goes back:
 * test_membership_keyed_read_when_the_newest_goes_back).  A newest message without a sender
 * uuid (written by hand) takes that Query, my_row_since, still.  Two reads for a participant,
 * three for anyone else; after MSG_KEYED_TRIES changes in a row (a conversation written to
 * faster than it is read), the filtered Query of all the user's rows decides.  gsi_missed:
 * the caller has just read the GSI and the user was not on it; a conversation without a
 * message then has nothing more to read (emptied_row would read the GSI again). */
static int group_rows(msg_service *s, const char *group, const char *proj,
                      int (*item)(void *ctx, const char *key, const av_t *item), void *ctx,
                      err_t *e);
static int emptied_row(msg_service *s, const char *pk, const char *group, json_t **out,
                       err_t *e);

/* Whether the pair row of users a and b names `group`: *out. */
static int pair_is(msg_service *s, const char *a, const char *b, const char *group, bool *out,
                   err_t *e)
{
    const char *lo = strcmp(a, b) < 0 ? a : b, *hi = lo == a ? b : a;
    char pk[128];
    snprintf(pk, sizeof pk, "PAIR#%s#%s", lo, hi);
    json_t *row;
    int rc = msgi_get_item(s, pk, "PAIR", &row, e);
    const char *g = row ? msgi_item_s(row, "group_uuid") : NULL;
    *out = !rc && g && strcmp(g, group) == 0;
    json_decref(row);
    return rc;
}

#define MSG_KEYED_TRIES 4
static int find_my_row_keyed(msg_service *s, const char *user, const char *group, bool gsi_missed,
                             json_t **out, err_t *e)
{
    *out = NULL;
    char pk[256], at[MSG_TS_LEN + 1], from[MSG_UUID_LEN + 1], prev[MSG_TS_LEN + 1] = "";
    snprintf(pk, sizeof pk, "GRP#%s", user);
    int rc;
    for (int i = 0; i < MSG_KEYED_TRIES; i++) {
        if ((rc = newest_message_at(s, group, at, from, e)))
            return rc;
        if (!at[0]) /* no message: no conversation, or one emptied by deletes */
            return gsi_missed ? 0 : emptied_row(s, pk, group, out, e);
        if (!from[0] && strcmp(at, prev) == 0) /* no row at or after a stable newest time */
            return 0;
        json_t *row;
        if ((rc = msgi_get_item(s, pk, at, &row, e)))
            return rc;
        const char *g = row ? msgi_item_s(row, "message_group_uuid") : NULL;
        if (g && strcmp(g, group) == 0) {
            *out = row;
            return 0;
        }
        json_decref(row);
        if (from[0] && strcmp(from, user) != 0) {
            bool in;
            if ((rc = pair_is(s, from, user, group, &in, e)) || !in)
                return rc;
        } else if (!from[0]) {
            if ((rc = my_row_since(s, pk, group, at, out, e)) || *out)
                return rc;
            memcpy(prev, at, sizeof prev);
        }
    }
    return msgi_query_pages(
        s,
        json_pack("{s:s, s:s, s:s, s:{s:{s:s}, s:{s:s}}, s:b}", "TableName", s->table,
                  "KeyConditionExpression", "pk = :pk", "FilterExpression",
                  "message_group_uuid = :g", "ExpressionAttributeValues", ":pk", "S", pk, ":g",
                  "S", group, "ConsistentRead", 1),
        first_item, out, e);
}

int msgi_find_my_row_keyed(msg_service *s, const char *user, const char *group, json_t **out,
                           err_t *e)
{
    return find_my_row_keyed(s, user, group, false, out, e);
}

/* The GSI's rows of a group (two per conversation), read as values (msgi_call_text: no JSON
 * trees): whether `pk` (GRP#<user>) is among them and, when `row` is asked for, that row as
 * DynamoDB JSON (the first such row; the only tree built); when `partner` is given, that
 * row's user_uuid copied there instead (msgi_av_copy_s: partner_ok says it fit). */
typedef struct member_rd {
    const char *pk;
    size_t pk_len;
    bool found;
    bool want_row;
    json_t *row;
    char *partner;
    size_t partner_n;
    bool partner_ok;
} member_rd;

static int member_item(void *ctx, const char *key, const av_t *item)
{
    member_rd *m = ctx;
    size_t n;
    const char *p = strcmp(key, "Items") == 0 ? msgi_av_item_s(item, "pk", &n) : NULL;
    if (!p || n != m->pk_len || memcmp(p, m->pk, n) != 0 || m->found)
        return 0;
    m->found = true;
    if (m->partner)
        m->partner_ok = msgi_av_copy_s(item, "user_uuid", m->partner, m->partner_n);
    if (m->want_row && !(m->row = ddbjson_from_item(item)))
        return -1;
    return 0;
}

/* The GSI Query of `group`'s rows (two per conversation), each to item (an api_sink's item
 * callback: member_item, users_item) with ctx; proj: the ProjectionExpression (NULL: whole
 * rows; users_item reads only "pk", as before 48e02898: r32b L4). */
static int group_rows(msg_service *s, const char *group, const char *proj,
                      int (*item)(void *ctx, const char *key, const av_t *item), void *ctx,
                      err_t *e)
{
    jout req;
    jout_init(&req, 0);
    jout_raw(&req, "{", 1);
    msgi_jw_str(&req, false, "TableName", s->table);
    msgi_jw_str(&req, true, "IndexName", MSG_GSI_NAME);
    msgi_jw_str(&req, true, "KeyConditionExpression", "message_group_uuid = :g");
    if (proj)
        msgi_jw_str(&req, true, "ProjectionExpression", proj);
    jout_member_key(&req, true, "ExpressionAttributeValues", 25);
    jout_raw(&req, "{", 1);
    msgi_jw_attr(&req, false, ":g", group);
    jout_raw(&req, "}}", 2);
    api_sink sink = {.item = item, .ctx = ctx};
    json_t *extra = NULL;
    err_t in;
    int rc = msgi_call_text(s, "Query", &req, &sink, &extra, &in);
    jout_fini(&req);
    json_decref(extra);
    return rc ? msgi_storage(e, rc, &in) : 0;
}

/* The row `pk` (GRP#<user>) of a conversation without a message (every one deleted: its rows
 * stay at the last one's time, msg_delete_message), new reference or *out NULL: the row the
 * GSI shows, read again by its key (a consistent GetItem: the GSI may show an older marker).
 * No time to read it at without the GSI: a conversation emptied within the GSI's lag of its
 * first message is found only once the GSI shows it (nothing keyed by the conversation is
 * left; the caller's rows filtered on the group would be a Query of all of them for every
 * 404: messaging README, Deleting a message).  Not called by a lookup that has just read the
 * GSI (find_my_row_keyed's gsi_missed): one GSI Query a 404, not two. */
static int emptied_row(msg_service *s, const char *pk, const char *group, json_t **out,
                       err_t *e)
{
    member_rd m = {.pk = pk, .pk_len = strlen(pk), .want_row = true};
    int rc = group_rows(s, group, NULL, member_item, &m, e);
    const char *sk = m.row ? msgi_item_s(m.row, "sk") : NULL;
    json_t *row = NULL;
    if (!rc && sk && (rc = msgi_get_item(s, pk, sk, &row, e)) == 0) {
        const char *g = row ? msgi_item_s(row, "message_group_uuid") : NULL;
        if (g && strcmp(g, group) == 0)
            *out = json_incref(row);
    }
    json_decref(row);
    json_decref(m.row);
    return rc;
}

/* msgi_group_users's rows: each GRP#<uuid> row's user, the first two distinct. */
typedef struct users_rd {
    char (*out)[MSG_UUID_LEN + 1];
    int n;
} users_rd;

static int users_item(void *ctx, const char *key, const av_t *item)
{
    users_rd *u = ctx;
    char pk[4 + MSG_UUID_LEN + 1];
    if (u->n < 2 && strcmp(key, "Items") == 0 && msgi_av_copy_s(item, "pk", pk, sizeof pk) &&
        strncmp(pk, "GRP#", 4) == 0 && msgi_is_uuid(pk + 4) &&
        (u->n == 0 || strcmp(u->out[0], pk + 4) != 0))
        memcpy(u->out[u->n++], pk + 4, MSG_UUID_LEN + 1);
    return 0;
}

int msgi_group_users(msg_service *s, const char *group, char out[2][MSG_UUID_LEN + 1], int *n,
                     err_t *e)
{
    users_rd u = {.out = out};
    int rc = group_rows(s, group, "pk", users_item, &u, e);
    *n = u.n;
    return rc;
}

/* The conversation row of (user, group), new reference, or *out NULL.  Pattern D's lookup:
 * the GSI (two rows per group), picking pk = GRP#<user>.  A GSI is eventually consistent on
 * AWS, so when the row is not there the keyed read above decides (only paid on a miss: a
 * missing conversation, a non-participant, or a conversation the GSI does not show yet; the
 * embedded engine's GSI is consistent, so there it never finds more). */
int msgi_find_my_row(msg_service *s, const char *user, const char *group, json_t **out, err_t *e)
{
    *out = NULL;
    char pk[256];
    snprintf(pk, sizeof pk, "GRP#%s", user);
    member_rd m = {.pk = pk, .pk_len = strlen(pk), .want_row = true};
    int rc = group_rows(s, group, NULL, member_item, &m, e);
    if (rc) {
        json_decref(m.row);
        return rc;
    }
    if ((*out = m.row))
        return 0;
    return find_my_row_keyed(s, user, group, true, out, e);
}

int msgi_find_partner(msg_service *s, const char *user, const char *group, char *out, size_t n,
                      bool *out_found, err_t *e)
{
    *out_found = false;
    if (n)
        out[0] = 0;
    char pk[256];
    snprintf(pk, sizeof pk, "GRP#%s", user);
    member_rd m = {.pk = pk, .pk_len = strlen(pk), .partner = out, .partner_n = n};
    int rc = group_rows(s, group, "pk, user_uuid", member_item, &m, e);
    if (rc)
        return rc;
    if (m.found) {
        *out_found = m.partner_ok;
        return 0;
    }
    json_t *mine; /* not among the GSI's rows: the keyed read decides (msgi_find_my_row) */
    if ((rc = find_my_row_keyed(s, user, group, true, &mine, e)))
        return rc;
    *out_found = mine && msgi_copy_s(mine, "user_uuid", out, n);
    json_decref(mine);
    return 0;
}

/* Whether `user` has a conversation row in `group` (msgi_find_my_row's answer, found or not),
 * without the row's tree: every GET of a conversation's messages asks it; when its row is not
 * among the GSI's, msgi_find_my_row_keyed decides. */
static int is_member(msg_service *s, const char *user, const char *group, bool *out, err_t *e)
{
    char pk[256];
    snprintf(pk, sizeof pk, "GRP#%s", user);
    member_rd m = {.pk = pk, .pk_len = strlen(pk)};
    int rc = group_rows(s, group, "pk", member_item, &m, e);
    if (rc)
        return rc;
    if (!m.found) {
        json_t *mine;
        if ((rc = find_my_row_keyed(s, user, group, true, &mine, e)))
            return rc;
        m.found = mine != NULL;
        json_decref(mine);
    }
    *out = m.found;
    return 0;
}

/* ---- pattern A ---------------------------------------------------------------------- */

/* A conversation id that cannot be a uuid: the caller's mistake, 400 invalid_uuid (as a
 * string that cannot be a handle is invalid_handle); a well-formed id nobody has, or one the
 * caller is not in, is 404 not_found
 * (test_messaging.py::test_malformed_conversation_id_is_400_unknown_is_404). */
int msgi_bad_group_id(err_t *e, const char *group)
{
    char echo[MSGI_ECHO_MAX];
    msgi_echo(group, echo);
    return msg_failf(e, MSG_E_INVALID_UUID,
                     "message_group_uuid %s is not a uuid (8-4-4-4-12 hex digits)", echo);
}

/* Where page_item copies a listing's rows: a page of messages of one group, or of
 * conversations.  page->n counts the rows copied (their messages are freed with the page). */
typedef struct msg_rows {
    const char *group;
    msg_message_page *msgs;
    msg_conversation_page *convs;
} msg_rows;

/* A listing row's string attributes, found in one pass over its members instead of a look-up
 * each (six per row: ~1.4k instructions a row): for each name what msgi_av_item_s answers, the
 * first member of that name when it is an S, up to a U+0000; NULL otherwise. */
enum { ROW_SK, ROW_UUID, ROW_HANDLE, ROW_NAME, ROW_MESSAGE, ROW_ID, ROW_N };
typedef struct row_strs {
    const char *p[ROW_N];
    size_t n[ROW_N];
    /* a conversation row's read marker (service.h msg_mark_read): read_to (an S) and unread
     * (an N), NULL when absent */
    const av_t *read_to, *unread;
} row_strs;

static void row_read(const av_t *it, const char *id_name, size_t id_len, row_strs *o)
{
#define ROW_NAME_(s) {s, sizeof s - 1}
    static const struct {
        const char *s;
        size_t n;
    } names[ROW_ID] = {ROW_NAME_("sk"), ROW_NAME_("user_uuid"), ROW_NAME_("user_handle"),
                       ROW_NAME_("user_display_name"), ROW_NAME_("message")};
#undef ROW_NAME_
    /* the names' lengths differ (2, 9, 11, 17, 7; the id's 12 or 18): a member's length
     * picks the one name it can be */
    signed char by_len[20];
    memset(by_len, -1, sizeof by_len);
    for (int j = 0; j < ROW_ID; j++)
        by_len[names[j].n] = (signed char)j;
    if (id_len < sizeof by_len && by_len[id_len] < 0)
        by_len[id_len] = ROW_ID;
    bool seen[ROW_N] = {false};
    memset(o, 0, sizeof *o);
    size_t n = it && it->type == AV_M ? it->u.map.n : 0;
    for (size_t i = 0; i < n; i++) {
        const av_kv *kv = &it->u.map.kv[i];
        if (kv->name_len == 7 && memcmp(kv->name, "read_to", 7) == 0) {
            if (!o->read_to && kv->val.type == AV_S)
                o->read_to = &kv->val;
            continue;
        }
        if (kv->name_len == 6 && memcmp(kv->name, "unread", 6) == 0) {
            if (!o->unread && kv->val.type == AV_N)
                o->unread = &kv->val;
            continue;
        }
        if (kv->name_len >= sizeof by_len || by_len[kv->name_len] < 0)
            continue;
        int k = by_len[kv->name_len];
        const char *want = k == ROW_ID ? id_name : names[k].s;
        if (memcmp(kv->name, want, kv->name_len) != 0 || seen[k])
            continue;
        seen[k] = true;
        if (kv->val.type == AV_S) {
            o->p[k] = kv->val.u.str.ptr;
            o->n[k] = strnlen(kv->val.u.str.ptr, kv->val.u.str.len);
        }
    }
}

/* msgi_av_copy_s of attribute k. */
static bool row_copy(const row_strs *o, int k, char *out, size_t n)
{
    if (!o->p[k] || o->n[k] >= n) {
        if (n)
            out[0] = 0;
        return false;
    }
    memcpy(out, o->p[k], o->n[k]);
    out[o->n[k]] = 0;
    return true;
}

/* The user a message or conversation row names (its user_* attributes) into *u, and its
 * message text, malloc'ed ("" when it has none; NULL when out of memory), from what row_read
 * found. */
static char *row_user_message(const row_strs *o, msg_user *u)
{
    row_copy(o, ROW_UUID, u->uuid, sizeof u->uuid);
    row_copy(o, ROW_HANDLE, u->handle, sizeof u->handle);
    row_copy(o, ROW_NAME, u->display_name, sizeof u->display_name);
    const char *t = o->p[ROW_MESSAGE];
    return strndup(t ? t : "", t ? o->n[ROW_MESSAGE] : 0);
}

/* A conversation row's read marker into c (msgi_mark_parse's rule). */
static void row_mark(const row_strs *o, msg_conversation *c)
{
    msgi_mark_parse(o->read_to ? o->read_to->u.str.ptr : NULL,
                    o->read_to ? o->read_to->u.str.len : 0,
                    o->unread ? o->unread->u.str.ptr : NULL, o->unread ? o->unread->u.str.len : 0,
                    c->read_to, &c->unread);
}

static int message_row(void *rows, size_t i, const av_t *it)
{
    msg_rows *r = rows;
    msg_message *m = &r->msgs->items[i];
    row_strs o;
    row_read(it, "message_uuid", 12, &o);
    row_copy(&o, ROW_ID, m->uuid, sizeof m->uuid);
    size_t gl = strnlen(r->group, sizeof m->message_group_uuid - 1);
    memcpy(m->message_group_uuid, r->group, gl);
    m->message_group_uuid[gl] = 0;
    row_copy(&o, ROW_SK, m->created_at, sizeof m->created_at);
    m->message = row_user_message(&o, &m->sender);
    r->msgs->n = i + 1;
    return m->message ? 0 : -1;
}

static int conversation_row(void *rows, size_t i, const av_t *it)
{
    msg_rows *r = rows;
    msg_conversation *c = &r->convs->items[i];
    row_strs o;
    row_read(it, "message_group_uuid", 18, &o);
    row_copy(&o, ROW_ID, c->message_group_uuid, sizeof c->message_group_uuid);
    row_copy(&o, ROW_SK, c->last_message_at, sizeof c->last_message_at);
    row_mark(&o, c);
    c->message = row_user_message(&o, &c->other);
    r->convs->n = i + 1;
    return c->message ? 0 : -1;
}

/* A listing's `after` (RFC 3339) in the fixed format the sort keys have: written into fixed
 * and *after pointed at it.  0, or MSG_E_BAD_TIMESTAMP. */
static int after_ts(const char **after, char fixed[MSG_TS_LEN + 1], err_t *e)
{
    long long us;
    if (msg_ts_parse_rfc3339(*after, &us, NULL))
        return msg_failf(e, MSG_E_BAD_TIMESTAMP,
                         "after must be a time like 2026-11-26T12:34:56.123456Z");
    msg_ts_format(us, fixed);
    *after = fixed;
    return 0;
}

static int list_messages(msg_service *s, const char *viewer_uuid, const char *group, int limit,
                         const char *cursor, const char *after, msg_message_page *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    int rc;
    char after_fixed[MSG_TS_LEN + 1]; /* after in the fixed format the sort keys have */
    if (after && (rc = after_ts(&after, after_fixed, e)))
        return rc;
    if (!group || !msgi_is_uuid(group))
        return msgi_bad_group_id(e, group);
    char lower[MSG_UUID_LEN + 1]; /* stored uuids are lower case; input may be either */
    msgi_uuid_lower(group, lower);
    group = lower;
    if ((rc = check_limit(limit, s->cfg.page_messages, &limit, e)))
        return rc;
    if (viewer_uuid) {
        bool member = false;
        if ((rc = is_member(s, viewer_uuid, group, &member, e)))
            return rc;
        if (!member)
            return msg_fail(e, MSG_E_NOT_FOUND);
    }
    char pk[64];
    snprintf(pk, sizeof pk, "MSG#%s", group);
    out->items = calloc((size_t)limit, sizeof *out->items);
    if (!out->items)
        return err_set(e, ERR_NOMEM, "out of memory");
    msg_rows rows = {.group = group, .msgs = out};
    page_rd p = {.limit = (size_t)limit, .row = message_row, .rows = &rows};
    arena_init(&p.a);
    if ((rc = query_page(s, pk, cursor, after, &p, e)) == 0)
        rc = after ? after_end(&p, &out->n, out->n ? out->items[out->n - 1].created_at : NULL,
                               &out->next_cursor, e)
                   : page_end(&p, &out->n, &out->next_cursor, e);
    for (size_t i = 0; after && !rc && i < out->n / 2; i++) { /* newest first, as always */
        msg_message t = out->items[i];
        out->items[i] = out->items[out->n - 1 - i];
        out->items[out->n - 1 - i] = t;
    }
    arena_fini(&p.a);
    if (rc)
        msg_message_page_free(out);
    return rc;
}

/* ---- pattern B ---------------------------------------------------------------------- */

int msg_list_messages(msg_service *s, const char *viewer_uuid, const char *group, int limit,
                      const char *cursor, msg_message_page *out, err_t *e)
{
    return list_messages(s, viewer_uuid, group, limit, cursor, NULL, out, e);
}

int msg_list_messages_after(msg_service *s, const char *viewer_uuid, const char *group,
                            int limit, const char *after, msg_message_page *out, err_t *e)
{
    return list_messages(s, viewer_uuid, group, limit, NULL, after, out, e);
}

/* The sum of the conversation rows' unread after a key, read as values (api_sink). */
typedef struct tally_rd {
    long long sum;
    arena_t a; /* the keys of the pages read */
    av_t lek;  /* the answer's LastEvaluatedKey; AV_NONE when it has none */
} tally_rd;

static void tally_add(long long *sum, long long n)
{
    *sum = n > LLONG_MAX - *sum ? LLONG_MAX : *sum + n;
}

static int tally_item(void *ctx, const char *key, const av_t *item)
{
    tally_rd *t = ctx;
    if (strcmp(key, "LastEvaluatedKey") == 0)
        return av_copy(&t->a, item, &t->lek);
    if (strcmp(key, "Items") != 0)
        return 0;
    char read_to[MSG_TS_LEN + 1];
    long long n;
    msgi_conv_mark_av(item, read_to, &n); /* the one rule: "-3", 2.5 or an S count 0 */
    tally_add(&t->sum, n);
    return 0;
}

/* Adds to *sum the unread of the user's conversation rows (partition pk) older than the one
 * at key `start`: a Query from there projecting `unread` alone, every page (each 1 MB of
 * rows read), so the rows' messages and names are not sent.  msgi_storage's errors. */
static int unread_after(msg_service *s, const char *pk, const av_t *start, long long *sum,
                        err_t *e)
{
    tally_rd t = {.sum = *sum};
    arena_init(&t.a);
    av_t from = *start; /* borrowed from the caller's page, then from t.a */
    int rc = 0;
    for (long pages = 1;; pages++) {
        jout req;
        jout_init(&req, 0);
        jout_raw(&req, "{", 1);
        msgi_jw_str(&req, false, "TableName", s->table);
        msgi_jw_str(&req, true, "KeyConditionExpression", "pk = :pk");
        msgi_jw_str(&req, true, "ProjectionExpression", "unread");
        jout_member_key(&req, true, "ExpressionAttributeValues", 25);
        jout_raw(&req, "{", 1);
        msgi_jw_attr(&req, false, ":pk", pk);
        jout_raw(&req, "}", 1);
        jout_member_key(&req, true, "ScanIndexForward", 16);
        jout_raw(&req, "false", 5);
        jout_member_key(&req, true, "ExclusiveStartKey", 17);
        jout_item(&req, &from);
        jout_raw(&req, "}", 1);
        t.lek = (av_t){0};
        err_t in;
        json_t *extra = NULL;
        api_sink sink = {.item = tally_item, .ctx = &t};
        rc = msgi_call_text(s, "Query", &req, &sink, &extra, &in);
        jout_fini(&req);
        json_decref(extra);
        if (rc) {
            rc = msgi_storage(e, rc, &in);
            break;
        }
        if (t.lek.type != AV_M)
            break;
        /* msgi_query_pages's guard: an endpoint that answers the key it was sent, or a key
         * on every page, would keep the listing's thread here for good */
        if (pages >= MSG_QUERY_PAGES_MAX || av_equal(&t.lek, &from)) {
            rc = msg_fail_rc(e, MSG_E_STORAGE, ERR_INTERNAL,
                             "%s: a Query of %s went on past %ld pages without an end",
                             msg_err_text(MSG_E_STORAGE), s->table, pages);
            break;
        }
        from = t.lek;
    }
    if (!rc)
        *sum = t.sum;
    arena_fini(&t.a);
    return rc;
}

/* The unread-total cache's set of user (MSGI_UNREAD_WAYS entries from the one returned;
 * the user cache's siphash key) and, in *way, the way a new entry of user takes when none
 * holds it (from the hash's high bits: two users of one set keep one way each, mostly). */
static struct msgi_unread_entry *unread_set(msg_service *s, const char *user, size_t len,
                                            size_t *way)
{
    uint64_t h = siphash24(s->users_key, (const unsigned char *)user, len);
    *way = (size_t)(h >> 48) % MSGI_UNREAD_WAYS;
    return &s->unread[(size_t)(h % (MSGI_UNREAD_SLOTS / MSGI_UNREAD_WAYS)) * MSGI_UNREAD_WAYS];
}

/* Totals are kept for a time (the backend has no versions, and a time is set). */
static bool unread_timed(const msg_service *s)
{
    const msg_backend_ops *ops = s->backend->ops;
    return !ops->partition_version && !ops->version && s->cfg.unread_total_cache_ms > 0;
}

/* Whether user's total counted at partition version `version` is cached (into *total);
 * version 0 (no versions): the tally of the rows after the first page's last row `edge`,
 * counted less than cfg.unread_total_cache_ms ago past that same row and not dropped since. */
static bool unread_cached(msg_service *s, const char *user, uint64_t version, const char *edge,
                          long long *total)
{
    size_t len = strlen(user), way;
    if (len > MSG_UUID_LEN || (!version && !unread_timed(s)))
        return false;
    struct msgi_unread_entry *set = unread_set(s, user, len, &way);
    int64_t now = version ? 0 : base_mono_ms();
    bool hit = false;
    pthread_mutex_lock(&s->unread_mu);
    for (size_t w = 0; w < MSGI_UNREAD_WAYS && !hit; w++)
        if (set[w].version == version && strcmp(set[w].user, user) == 0 &&
            (version || (now < set[w].until_ms && strcmp(set[w].edge, edge) == 0))) {
            *total = set[w].total;
            hit = true;
        }
    pthread_mutex_unlock(&s->unread_mu);
    return hit;
}

/* The way of user's entry in its set: its own, else a free one, else one that holds nothing
 * now (a time-bounded one past its time), else `way`.  Under unread_mu. */
static size_t unread_way(struct msgi_unread_entry *set, const char *user, size_t way,
                         int64_t now)
{
    size_t pick = MSGI_UNREAD_WAYS;
    for (size_t w = 0; w < MSGI_UNREAD_WAYS; w++) {
        if (strcmp(set[w].user, user) == 0)
            return w;
        if (pick == MSGI_UNREAD_WAYS &&
            (!set[w].user[0] || (!set[w].version && set[w].until_ms <= now)))
            pick = w;
    }
    return pick < MSGI_UNREAD_WAYS ? pick : way;
}

/* Keeps user's total counted at `version`; version 0: the rows' after `edge`, counted from
 * `began` (base_mono_ms before its reads), held cfg.unread_total_cache_ms from then, and not
 * kept at all when this process wrote the user's rows since (msgi_unread_forget at or after
 * `began`). */
static void unread_remember(msg_service *s, const char *user, uint64_t version, const char *edge,
                            long long total, int64_t began)
{
    size_t len = strlen(user), way;
    if (len > MSG_UUID_LEN || (!version && !unread_timed(s)))
        return;
    struct msgi_unread_entry *set = unread_set(s, user, len, &way);
    int64_t now = base_mono_ms();
    pthread_mutex_lock(&s->unread_mu);
    way = unread_way(set, user, way, now);
    bool mine = strcmp(set[way].user, user) == 0;
    if (version || !mine || set[way].dropped_ms < began) {
        if (!mine)
            set[way].dropped_ms = 0;
        memcpy(set[way].user, user, len + 1);
        set[way].version = version;
        set[way].total = total;
        set[way].until_ms = version ? 0 : began + s->cfg.unread_total_cache_ms;
        snprintf(set[way].edge, sizeof set[way].edge, "%s", edge);
    }
    pthread_mutex_unlock(&s->unread_mu);
}

void msgi_unread_forget(msg_service *s, const char *user)
{
    size_t len = strlen(user), way;
    if (!unread_timed(s) || len > MSG_UUID_LEN)
        return;
    struct msgi_unread_entry *set = unread_set(s, user, len, &way);
    int64_t now = base_mono_ms();
    pthread_mutex_lock(&s->unread_mu);
    way = unread_way(set, user, way, now);
    /* kept even without a total: a count that began before now and ends after must not be
     * kept (unread_remember) */
    memcpy(set[way].user, user, len + 1);
    set[way].version = 0;
    set[way].until_ms = 0;
    set[way].dropped_ms = now;
    pthread_mutex_unlock(&s->unread_mu);
}

static int list_conversations(msg_service *s, const char *user_uuid, int limit,
                              const char *cursor, const char *after, msg_conversation_page *out,
                              long long *total, err_t *e)
{
    memset(out, 0, sizeof *out);
    int rc;
    char after_fixed[MSG_TS_LEN + 1]; /* after in the fixed format the sort keys have */
    if (after && (rc = after_ts(&after, after_fixed, e)))
        return rc;
    if (!user_uuid || !*user_uuid || strlen(user_uuid) > 200)
        return msg_fail(e, MSG_E_UNKNOWN_USER);
    if ((rc = check_limit(limit, s->cfg.page_conversations, &limit, e)))
        return rc;
    char pk[256];
    snprintf(pk, sizeof pk, "GRP#%s", user_uuid);
    out->items = calloc((size_t)limit, sizeof *out->items);
    if (!out->items)
        return err_set(e, ERR_NOMEM, "out of memory");
    /* the version before the reads: a commit between makes the total older than the rows,
     * never newer (the next listing then counts again) */
    uint64_t version = total ? msgi_pk_version(s, pk) : 0; /* 0: none, do not cache */
    int64_t began = total ? base_mono_ms() : 0;
    msg_rows rows = {.convs = out};
    page_rd p = {.limit = (size_t)limit, .row = conversation_row, .rows = &rows};
    arena_init(&p.a);
    if ((rc = query_page(s, pk, cursor, after, &p, e)) == 0)
        rc = after ? after_end(&p, &out->n,
                               out->n ? out->items[out->n - 1].last_message_at : NULL,
                               &out->next_cursor, e)
                   : page_end(&p, &out->n, &out->next_cursor, e);
    /* the total: with versions, the whole of it cached while the partition has not moved;
     * without, the page's own (always read fresh: an answer agrees with its own rows) plus,
     * when more follow, the older rows' tally, kept a few seconds while the page still ends at
     * the same row (unless this process wrote the user's rows): a message to an older
     * conversation brings it to the top and moves that row, so it is counted again */
    if (total && !rc) {
        long long page = 0, rest = 0;
        for (size_t i = 0; i < out->n; i++)
            tally_add(&page, out->items[i].unread);
        const av_t *more = p.n > p.limit ? &p.last_key : p.lek.type == AV_M ? &p.lek : NULL;
        if (version) {
            if (!unread_cached(s, user_uuid, version, "", total)) {
                *total = page;
                if (more)
                    rc = unread_after(s, pk, more, total, e);
                if (!rc)
                    unread_remember(s, user_uuid, version, "", *total, began);
            }
        } else {
            if (more) {
                char edge[MSG_TS_LEN + 1];
                size_t len = 0;
                const char *sk = msgi_av_item_s(more, "sk", &len);
                bool keep = sk && len < sizeof edge;
                if (keep)
                    snprintf(edge, sizeof edge, "%.*s", (int)len, sk);
                if (!keep || !unread_cached(s, user_uuid, 0, edge, &rest)) {
                    rc = unread_after(s, pk, more, &rest, e);
                    if (!rc && keep)
                        unread_remember(s, user_uuid, 0, edge, rest, began);
                }
            }
            *total = page;
            tally_add(total, rest);
        }
    }
    for (size_t i = 0; after && !rc && i < out->n / 2; i++) { /* newest first, as always */
        msg_conversation t = out->items[i];
        out->items[i] = out->items[out->n - 1 - i];
        out->items[out->n - 1 - i] = t;
    }
    arena_fini(&p.a);
    if (rc)
        msg_conversation_page_free(out);
    return rc;
}

int msg_list_conversations(msg_service *s, const char *user_uuid, int limit, const char *cursor,
                           msg_conversation_page *out, err_t *e)
{
    return list_conversations(s, user_uuid, limit, cursor, NULL, out, NULL, e);
}

int msg_list_conversations_total(msg_service *s, const char *user_uuid, int limit,
                                 msg_conversation_page *out, long long *out_unread_total,
                                 err_t *e)
{
    *out_unread_total = 0;
    return list_conversations(s, user_uuid, limit, NULL, NULL, out, out_unread_total, e);
}

int msg_list_conversations_after(msg_service *s, const char *user_uuid, int limit,
                                 const char *after, msg_conversation_page *out, err_t *e)
{
    return list_conversations(s, user_uuid, limit, NULL, after, out, NULL, e);
}

/* ---- one conversation --------------------------------------------------------------- */

/* (messaging_int.h) the one rule of a read marker */
void msgi_mark_parse(const char *rp, size_t rn, const char *up, size_t un,
                     char read_to[MSG_TS_LEN + 1], long long *unread)
{
    read_to[0] = 0;
    *unread = 0;
    if (rp && rn == MSG_TS_LEN && !memchr(rp, 0, rn)) {
        long long us;
        memcpy(read_to, rp, MSG_TS_LEN);
        read_to[MSG_TS_LEN] = 0;
        if (msg_ts_parse(read_to, &us, NULL) != 0)
            read_to[0] = 0;
    }
    if (!up || un < 1 || un > MSG_UNREAD_DIGITS)
        return;
    long long v = 0;
    for (size_t k = 0; k < un; k++) {
        if (up[k] < '0' || up[k] > '9')
            return;
        v = v * 10 + (up[k] - '0');
    }
    *unread = v;
}

/* (messaging_int.h) the read marker of a conversation row as a tree */
void msgi_conv_mark(const json_t *row, char read_to[MSG_TS_LEN + 1], long long *unread)
{
    const json_t *r = json_object_get(json_object_get(row, "read_to"), "S");
    const json_t *n = json_object_get(json_object_get(row, "unread"), "N");
    msgi_mark_parse(json_is_string(r) ? json_string_value(r) : NULL, json_string_length(r),
                    json_is_string(n) ? json_string_value(n) : NULL, json_string_length(n),
                    read_to, unread);
}

/* (messaging_int.h) the read marker of a conversation row as values */
void msgi_conv_mark_av(const av_t *item, char read_to[MSG_TS_LEN + 1], long long *unread)
{
    const av_t *r = item && item->type == AV_M ? av_map_gets(item, "read_to") : NULL;
    const av_t *n = item && item->type == AV_M ? av_map_gets(item, "unread") : NULL;
    bool rs = r && r->type == AV_S, nn = n && n->type == AV_N;
    msgi_mark_parse(rs ? r->u.str.ptr : NULL, rs ? r->u.str.len : 0, nn ? n->u.str.ptr : NULL,
                    nn ? n->u.str.len : 0, read_to, unread);
}

/* The reader's row of `group` (msgi_find_my_row_keyed: consistent reads by its key), as
 * a listing item.  The page opens a conversation from its uuid alone (an address, a
 * bookmark): the messages may all be the reader's, naming no partner, and the list's first
 * page may not hold it (test_messaging.py::test_one_conversation_by_its_uuid). */
int msg_get_conversation(msg_service *s, const char *viewer_uuid, const char *group,
                         msg_conversation *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!group || !msgi_is_uuid(group))
        return msgi_bad_group_id(e, group);
    if (!viewer_uuid || !*viewer_uuid || strlen(viewer_uuid) > 200)
        return msg_fail(e, MSG_E_UNKNOWN_USER);
    char lower[MSG_UUID_LEN + 1]; /* stored uuids are lower case; input may be either */
    msgi_uuid_lower(group, lower);
    json_t *row;
    /* by its key, not through the GSI: the GSI (eventually consistent on AWS) may still
     * show the row's read marker as it was before a mark-read (review24 M2;
     * test_messaging_read.py::test_one_conversation_shows_the_marker_at_once) */
    int rc = msgi_find_my_row_keyed(s, viewer_uuid, lower, &row, e);
    if (rc)
        return rc;
    if (!row)
        return msg_fail(e, MSG_E_NOT_FOUND);
    memcpy(out->message_group_uuid, lower, sizeof lower);
    msgi_copy_s(row, "sk", out->last_message_at, sizeof out->last_message_at);
    msgi_copy_s(row, "user_uuid", out->other.uuid, sizeof out->other.uuid);
    msgi_copy_s(row, "user_handle", out->other.handle, sizeof out->other.handle);
    msgi_copy_s(row, "user_display_name", out->other.display_name,
                sizeof out->other.display_name);
    msgi_conv_mark(row, out->read_to, &out->unread);
    const char *t = msgi_item_s(row, "message");
    out->message = strdup(t ? t : "");
    json_decref(row);
    return out->message ? 0 : err_set(e, ERR_NOMEM, "out of memory");
}

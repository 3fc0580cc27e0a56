/*
 * doctor — `ddbchat doctor` checks and repairs.  Layer: ops.  See doctor.h.
 * Tests: tests/unit/store/test_doctor.c (engine checks), tests/e2e/test_doctor.py (the
 * command, messaging invariants, repair).
 */
#include "ops/doctor.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "messaging/backend.h"
#include "messaging/service.h"
#include "ops/ops_int.h"
#include "store/backup.h"
#include "store/doctor.h"
#include "store/store.h"

#define DOC_MAX_FIX 256 /* indexes and counters rebuilt in one run */

typedef struct doc_fix {
    char table[256];
    char index[256]; /* "" = the item counter */
} doc_fix;

typedef struct doc {
    const ops_doctor_opts *o;
    ops_doctor_result *out;
    doc_fix fix[DOC_MAX_FIX];
    size_t n_fix;
    bool collect; /* first pass: remember what repair can fix */
    uint64_t problems;
} doc;

static void doc_say(doc *d, const char *kind, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void doc_say(doc *d, const char *kind, const char *where, const char *fmt, ...)
{
    if (strcmp(kind, "problem") == 0)
        d->problems++;
    if (!d->o->report)
        return;
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    d->o->report(d->o->ctx, kind, where, what);
}

static void doc_store_problem(void *ctx, const char *where, const char *what, const char *table,
                              const char *index)
{
    doc *d = ctx;
    doc_say(d, "problem", where, "%s", what);
    if (!d->collect || !table)
        return;
    for (size_t i = 0; i < d->n_fix; i++)
        if (!strcmp(d->fix[i].table, table) && !strcmp(d->fix[i].index, index ? index : ""))
            return;
    if (d->n_fix == DOC_MAX_FIX)
        return;
    snprintf(d->fix[d->n_fix].table, sizeof d->fix[0].table, "%s", table);
    snprintf(d->fix[d->n_fix].index, sizeof d->fix[0].index, "%s", index ? index : "");
    d->n_fix++;
}

/* ---- messaging (pattern D) ------------------------------------------------------------------ */

static const char *doc_s(json_t *item, const char *attr)
{
    return json_string_value(json_object_get(json_object_get(item, attr), "S"));
}

static int doc_scan(msg_backend *b, const char *table, json_t *all, err_t *e)
{
    json_t *start = NULL;
    for (;;) {
        json_t *req = json_pack("{s:s}", "TableName", table), *resp = NULL;
        if (start)
            json_object_set_new(req, "ExclusiveStartKey", start);
        int rc = msg_backend_call(b, "Scan", req, &resp, e);
        json_decref(req);
        if (rc) {
            json_decref(resp);
            return rc;
        }
        json_array_extend(all, json_object_get(resp, "Items"));
        start = json_incref(json_object_get(resp, "LastEvaluatedKey"));
        json_decref(resp);
        if (!start)
            return 0;
    }
}

/* A counted kind of messaging problem, named for the first few cases. */
typedef struct doc_kind {
    const char *what;
    uint64_t n;
} doc_kind;

static void doc_msg(doc *d, doc_kind *k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void doc_msg(doc *d, doc_kind *k, const char *fmt, ...)
{
    k->n++;
    if (k->n > OPS_DOCTOR_EXAMPLES)
        return;
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    doc_say(d, "problem", "messaging", "%s", what);
}

static void doc_msg_summary(doc *d, doc_kind *k)
{
    if (k->n > OPS_DOCTOR_EXAMPLES) {
        d->problems += k->n - OPS_DOCTOR_EXAMPLES;
        doc_say(d, "note", "messaging", "%llu more: %s",
                (unsigned long long)(k->n - OPS_DOCTOR_EXAMPLES), k->what);
    }
}

/* s in ASCII lower case into out ("" for NULL or too long): a handle's folded key */
static void doc_lower(const char *s, char *out, size_t n)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < n; i++)
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    out[s && s[i] ? 0 : i] = 0;
}

static void doc_messaging(doc *d, json_t *items)
{
    doc_kind k_msg_gsi = {"message rows with message_group_uuid", 0},
             k_dup = {"two conversation rows of one user in one conversation", 0},
             k_orphan = {"conversation rows of a conversation without messages", 0},
             k_stale = {"conversation rows not at the newest message", 0},
             k_members = {"conversations without exactly two participants", 0},
             k_pair = {"pair rows that disagree", 0}, k_other = {"rows naming the wrong participant", 0},
             k_users = {"users and handles that disagree", 0};
    json_t *newest = json_object(), *rows = json_object(), *pairs = json_object();
    json_t *members = json_object(), *users = json_object(), *handles = json_object();
    json_t *pair_at = json_object(); /* group -> its pair row's last_message_at */
    bool folded = false; /* the table's handle rows were case-folded (the marker row) */
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *pk = doc_s(it, "pk"), *sk = doc_s(it, "sk");
        if (!pk || !sk)
            continue;
        if (!strncmp(pk, "MSG#", 4)) {
            if (json_object_get(it, "message_group_uuid"))
                doc_msg(d, &k_msg_gsi, "message row %s %s carries message_group_uuid", pk, sk);
            json_t *cur = json_object_get(newest, pk + 4);
            if (!cur || strcmp(json_string_value(json_object_get(cur, "sk")), sk) < 0)
                json_object_set_new(newest, pk + 4,
                                    json_pack("{s:s,s:s}", "sk", sk, "message",
                                              doc_s(it, "message") ? doc_s(it, "message") : ""));
        } else if (!strncmp(pk, "USER#", 5)) {
            json_object_set(users, pk + 5, it);
        } else if (!strncmp(pk, "HANDLE#", 7)) {
            json_object_set(handles, pk + 7, it);
        } else if (!strcmp(pk, "SCHEMA") && !strcmp(sk, "HANDLES")) {
            folded = true;
        } else if (!strncmp(pk, "PAIR#", 5) && doc_s(it, "group_uuid") &&
                   doc_s(it, "last_message_at")) {
            json_object_set_new(pair_at, doc_s(it, "group_uuid"),
                                json_string(doc_s(it, "last_message_at")));
        }
    }
    json_array_foreach(items, i, it) {
        const char *pk = doc_s(it, "pk"), *sk = doc_s(it, "sk");
        if (!pk || !sk)
            continue;
        if (!strncmp(pk, "GRP#", 4)) {
            const char *g = doc_s(it, "message_group_uuid");
            if (!g)
                continue;
            char key[512];
            snprintf(key, sizeof key, "%s|%s", pk, g);
            if (json_object_get(rows, key))
                doc_msg(d, &k_dup, "user %s has two rows for conversation %s", pk + 4, g);
            json_object_set(rows, key, it);
            json_t *m = json_object_get(members, g);
            if (!m) {
                m = json_array();
                json_object_set_new(members, g, m);
            }
            json_array_append_new(m, json_string(pk + 4));
            json_t *n = json_object_get(newest, g);
            const char *at = json_string_value(json_object_get(pair_at, g));
            if (!n && at && !strcmp(at, sk) && !json_object_get(it, "message"))
                continue; /* every message deleted: the rows stay, emptied, at the last time */
            if (!n) {
                doc_msg(d, &k_orphan, "user %s has a row for conversation %s, which has no "
                                      "messages", pk + 4, g);
                continue;
            }
            const char *nsk = json_string_value(json_object_get(n, "sk"));
            const char *nm = json_string_value(json_object_get(n, "message"));
            const char *msg = doc_s(it, "message");
            if (strcmp(sk, nsk) || !msg || strcmp(msg, nm))
                doc_msg(d, &k_stale, "user %s's row of conversation %s is at %s, the newest "
                                     "message at %s", pk + 4, g, sk, nsk);
        } else if (!strncmp(pk, "PAIR#", 5)) {
            const char *g = doc_s(it, "group_uuid");
            const char *at = doc_s(it, "last_message_at");
            if (!g)
                continue;
            if (json_object_get(pairs, g))
                doc_msg(d, &k_pair, "conversation %s has two pair rows", g);
            json_object_set(pairs, g, it);
            json_t *n = json_object_get(newest, g);
            if (n && (!at || strcmp(at, json_string_value(json_object_get(n, "sk")))))
                doc_msg(d, &k_pair, "pair row %s says %s, the newest message is at %s", pk,
                        at ? at : "(none)", json_string_value(json_object_get(n, "sk")));
        }
    }
    const char *g;
    json_t *n;
    json_object_foreach(newest, g, n) {
        json_t *m = json_object_get(members, g);
        if (json_array_size(m) != 2) {
            doc_msg(d, &k_members, "conversation %s has rows for %zu participants", g,
                    json_array_size(m));
            continue;
        }
        const char *a = json_string_value(json_array_get(m, 0));
        const char *b = json_string_value(json_array_get(m, 1));
        if (strcmp(a, b) > 0) {
            const char *t = a;
            a = b;
            b = t;
        }
        json_t *p = json_object_get(pairs, g);
        char want[256];
        snprintf(want, sizeof want, "PAIR#%s#%s", a, b);
        if (!p || strcmp(doc_s(p, "pk") ? doc_s(p, "pk") : "", want))
            doc_msg(d, &k_pair, "conversation %s has no pair row %s", g, want);
        for (int w = 0; w < 2; w++) {
            const char *me = w ? b : a, *other = w ? a : b;
            char key[512];
            snprintf(key, sizeof key, "GRP#%s|%s", me, g);
            const char *u = doc_s(json_object_get(rows, key), "user_uuid");
            if (!u || strcmp(u, other))
                doc_msg(d, &k_other, "user %s's row of conversation %s names %s, not %s", me,
                        g, u ? u : "(nobody)", other);
        }
    }
    const char *h;
    json_t *hr;
    /* a handle row is keyed by the user's handle in lower case (handles are case-insensitive:
     * src/messaging/service_users.c), or, written before that, by the handle as registered */
    json_object_foreach(handles, h, hr) {
        const char *uid = doc_s(hr, "uuid");
        json_t *u = uid ? json_object_get(users, uid) : NULL;
        const char *uh = u ? doc_s(u, "handle") : NULL;
        char low[128];
        doc_lower(uh, low, sizeof low);
        char hlow[128];
        doc_lower(h, hlow, sizeof hlow);
        /* after the fold every mixed-case row has its lower-case twin; one without was
         * written by an older version since (a rolling upgrade): other cases miss it and a
         * variant could register (final20 F2) */
        if (folded && strcmp(hlow, h) && !json_object_get(handles, hlow))
            doc_msg(d, &k_users,
                    "handle row HANDLE#%s has no lower-case twin HANDLE#%s (written by an "
                    "older version or an import after the fold): other cases miss it until "
                    "`ddbchat user fold` folds it",
                    h, hlow);
        if (!uh || (strcmp(uh, h) && strcmp(low, h)))
            doc_msg(d, &k_users, "handle %s points at user %s, whose handle is %s", h,
                    uid ? uid : "(none)", uh ? uh : "(no such user)");
    }
    json_object_foreach(users, h, hr) {
        const char *uh = doc_s(hr, "handle");
        char low[128];
        doc_lower(uh, low, sizeof low);
        json_t *back = uh ? json_object_get(handles, low) : NULL;
        const char *buid = back ? doc_s(back, "uuid") : NULL;
        if (uh && (!buid || strcmp(buid, h))) { /* the folded key is another's: as typed */
            back = json_object_get(handles, uh);
            buid = back ? doc_s(back, "uuid") : NULL;
        }
        if (!buid || strcmp(buid, h))
            doc_msg(d, &k_users, "user %s (handle %s) has no handle row pointing back", h,
                    uh ? uh : "(none)");
    }
    doc_kind *all[] = {&k_msg_gsi, &k_dup, &k_orphan, &k_stale, &k_members, &k_pair, &k_other,
                       &k_users};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        doc_msg_summary(d, all[k]);
    json_decref(newest);
    json_decref(rows);
    json_decref(pairs);
    json_decref(members);
    json_decref(users);
    json_decref(handles);
    json_decref(pair_at);
}

/* ---- backups ---------------------------------------------------------------------------------- */

static void doc_backups(doc *d, store_t *s)
{
    arena_t a;
    arena_init(&a);
    char **names = NULL;
    size_t n = 0;
    err_t e = {0};
    if (store_bk_list(s, ".json", &a, &names, &n, &e)) {
        doc_say(d, "problem", "backups", "cannot list: %s", e.msg);
        arena_fini(&a);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char *text = NULL;
        size_t len = 0;
        err_clear(&e);
        json_t *rec = NULL;
        if (store_bk_read(s, names[i], &a, &text, &len, &e) == 0)
            rec = json_loadb(text, len, 0, NULL);
        const char *st = json_string_value(json_object_get(rec, "BackupStatus"));
        if (!st) {
            doc_say(d, "problem", "backups", "%s does not parse", names[i]);
            json_decref(rec);
            continue;
        }
        d->out->backups++;
        if (strcmp(st, "AVAILABLE") == 0) {
            char dump[160], path[4096];
            snprintf(dump, sizeof dump, "%.*s.dump", (int)(strlen(names[i]) - 5), names[i]);
            store_dump *r = NULL;
            const char *hdr;
            size_t hl;
            int rc = store_bk_path(s, dump, path, sizeof path, &e);
            if (rc == 0)
                rc = store_dump_open(path, &r, &hdr, &hl, &e);
            arena_t ia;
            arena_init(&ia);
            uint64_t items = 0;
            bool end = false;
            while (rc == 0 && !end) {
                av_t item;
                arena_reset(&ia);
                rc = store_dump_next(r, &ia, &item, &end, &e);
                items += !end;
            }
            arena_fini(&ia);
            store_dump_close(r);
            json_t *cnt = json_object_get(json_object_get(rec, "SourceTableDetails"), "ItemCount");
            if (rc)
                doc_say(d, "problem", "backups", "backup %s: %s", dump, e.msg);
            else if (json_is_integer(cnt) && (uint64_t)json_integer_value(cnt) != items)
                doc_say(d, "problem", "backups", "backup %s holds %llu items, its record says %lld",
                        dump, (unsigned long long)items, (long long)json_integer_value(cnt));
        }
        json_decref(rec);
    }
    arena_fini(&a);
}

/* ---- the run ---------------------------------------------------------------------------------- */

int ops_doctor(const ops_doctor_opts *o, ops_doctor_result *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    doc *d = calloc(1, sizeof *d);
    if (!d)
        return err_set(e, ERR_NOMEM, "out of memory");
    d->o = o;
    d->out = out;
    store_t *s = NULL;
    api_t *api = NULL;
    msg_backend *b = NULL;
    json_t *items = NULL;
    char probe[OPS_PATH_MAX];
    int rc = ops_path_join(probe, o->data_dir, "data.mdb", e);
    if (rc)
        goto done;
    if (access(probe, R_OK) != 0) {
        rc = err_set(e, ERR_VALIDATION, "%s is not a ddbchat data dir (no data.mdb)", o->data_dir);
        goto done;
    }
    store_opts so;
    store_opts_default(&so);
    so.read_only = !o->repair;
    so.ttl_thread = false;
    err_t oe = {0};
    if (store_open(o->data_dir, &so, &s, &oe)) {
        /* a data dir that does not open is the first finding (format version, damage) */
        doc_say(d, "problem", "data dir", "does not open: %s", oe.msg);
        goto done;
    }
    store_doctor_result sr;
    d->collect = true;
    if ((rc = store_doctor_check(s, doc_store_problem, d, &sr, e)))
        goto done;
    d->collect = false;
    out->found = sr.problems;
    if (o->repair && d->n_fix) {
        for (size_t i = 0; i < d->n_fix; i++) {
            uint64_t n = 0;
            err_t re = {0};
            const char *ix = d->fix[i].index[0] ? d->fix[i].index : NULL;
            char where[600];
            snprintf(where, sizeof where, "table %s%s%s", d->fix[i].table, ix ? " index " : "",
                     ix ? ix : "");
            unsigned dropped = 0;
            if (store_doctor_repair(s, d->fix[i].table, ix, &n, &dropped, &re)) {
                doc_say(d, "problem", where, "repair failed: %s", re.msg);
                continue;
            }
            out->repaired++;
            if (dropped)
                doc_say(d, "repaired", where,
                        "kept the first index of that name, dropped %u more (a restore left "
                        "in progress finishes at the server's next start)", dropped);
            else
                doc_say(d, "repaired", where, ix ? "rebuilt from the table: %llu entries"
                                                 : "item counter recounted: %llu items",
                        (unsigned long long)n);
        }
        d->problems = 0; /* what counts is what the second check finds */
        if ((rc = store_doctor_check(s, doc_store_problem, d, &sr, e)))
            goto done;
    }
    out->format_version = sr.format_version;
    out->tables = sr.tables;
    out->indexes = sr.indexes;
    out->items = sr.items;
    out->index_entries = sr.index_entries;

    /* messaging, when its table is there */
    const char *mt = o->messaging_table ? o->messaging_table : MSG_TABLE_DEFAULT;
    const store_table *t = store_table_pin(s, mt);
    if (t) {
        store_table_unpin(s, t);
        err_t me = {0};
        items = json_array();
        if (api_new(s, NULL, &api, &me) || msg_backend_embedded_new(api, &b, &me) ||
            doc_scan(b, mt, items, &me)) {
            doc_say(d, "problem", "messaging", "cannot read %s: %s", mt, me.msg);
        } else {
            out->messaging_checked = true;
            out->messaging_rows = json_array_size(items);
            doc_messaging(d, items);
        }
    }
    doc_backups(d, s);
done:
    out->problems = d->problems;
    json_decref(items);
    msg_backend_free(b);
    api_free(api);
    store_close(s);
    free(d);
    return rc;
}

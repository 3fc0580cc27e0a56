/*
 * expr_util — helpers shared by the expr phases: nodes, path lookup and printing, value
 * comparison and equality, error prefixing.  Layer: expr.
 *
 * Comparison follows DynamoDB: N numerically (exact decimals via num.h), S and B bytewise
 * unsigned; equality of sets ignores order, of maps ignores member order.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "expr/expr_int.h"
#include "value/num.h"

const char *expr_kind_name(expr_kind k)
{
    switch (k) {
    case EXPR_CONDITION:
        return "ConditionExpression";
    case EXPR_FILTER:
        return "FilterExpression";
    case EXPR_KEY_CONDITION:
        return "KeyConditionExpression";
    case EXPR_UPDATE:
        return "UpdateExpression";
    case EXPR_PROJECTION:
        return "ProjectionExpression";
    case EXPR_SEARCH_CONDITION:
        return "SearchConditionExpression";
    }
    return "Expression";
}

expr_kind expr_get_kind(const expr_t *x)
{
    return x->kind;
}

int expr_failv(err_t *e, expr_kind k, const char *fmt, va_list ap)
{
    /* "Invalid <kind>: " put in front of the format, not of a formatted copy: the text goes
     * to the record in one piece, whole when the record keeps long texts (base/err.h: a
     * syntax error echoes its tokens, which AWS does not cut) */
    const char *kind = expr_kind_name(k);
    size_t kl = strlen(kind), fl = strlen(fmt);
    char small[256], *f = small;
    size_t need = kl + fl + sizeof "Invalid : "; /* NUL included */
    if (need > sizeof small && !(f = mem_malloc(need)))
        return err_set(e, ERR_NOMEM, "out of memory");
    memcpy(f, "Invalid ", 8);
    memcpy(f + 8, kind, kl);
    memcpy(f + 8 + kl, ": ", 2);
    memcpy(f + 10 + kl, fmt, fl + 1);
    err_setv(e, ERR_VALIDATION, f, ap);
    if (f != small)
        free(f);
    return ERR_VALIDATION;
}

int expr_fail_syntax(err_t *e, expr_kind k, const char *tok, size_t tl, const char *near,
                     size_t nl)
{
    /* built with lengths, not printf's %.*s: a token or its neighbours may hold U+0000,
     * which the service echoes (DynamoDB Local: token "\u0000", near "a\u0000junk") */
    const char *kind = expr_kind_name(k);
    static const char h1[] = "Invalid ", h2[] = ": Syntax error; token: \"",
                      h3[] = "\", near: \"";
    const char *part[] = {h1, kind, h2, tok, h3, near, "\""};
    size_t len[] = {sizeof h1 - 1, strlen(kind), sizeof h2 - 1, tl, sizeof h3 - 1, nl, 1};
    size_t total = 0;
    for (size_t i = 0; i < sizeof len / sizeof len[0]; i++)
        total += len[i];
    char *t = mem_malloc(total + 1);
    if (!t)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t o = 0;
    for (size_t i = 0; i < sizeof len / sizeof len[0]; i++) {
        memcpy(t + o, part[i], len[i]);
        o += len[i];
    }
    t[o] = '\0';
    err_set_text(e, ERR_VALIDATION, t, o);
    free(t);
    return ERR_VALIDATION;
}

int expr_fail(err_t *e, expr_kind k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = expr_failv(e, k, fmt, ap);
    va_end(ap);
    return rc;
}

expr_node *expr_node_new(arena_t *a, expr_ntype t, int op, size_t nkids)
{
    expr_node *x = arena_zalloc(a, sizeof *x);
    if (!x)
        return NULL;
    x->t = t;
    x->op = op;
    if (nkids) {
        x->u.kids.k = arena_zalloc(a, nkids * sizeof *x->u.kids.k);
        if (!x->u.kids.k)
            return NULL;
        x->u.kids.n = nkids;
    }
    return x;
}

char *expr_path_str(arena_t *a, const expr_node *path)
{
    size_t cap = 2;
    for (size_t i = 0; i < path->u.path.n; i++)
        cap += path->u.path.el[i].len + 16;
    char *s = arena_alloc(a, cap);
    if (!s)
        return NULL;
    size_t n = 0;
    s[n++] = '[';
    for (size_t i = 0; i < path->u.path.n; i++) {
        const expr_pel *pe = &path->u.path.el[i];
        if (i) {
            s[n++] = ',';
            s[n++] = ' ';
        }
        if (pe->is_index)
            n += (size_t)snprintf(s + n, cap - n, "[%u]", pe->index);
        else {
            memcpy(s + n, pe->name, pe->len);
            n += pe->len;
        }
    }
    s[n++] = ']';
    s[n] = '\0';
    return s;
}

/* Document-path order: element by element, a name before an index, names bytewise,
 * indexes numerically; a path before its extensions. */
static int path_order(const void *pa, const void *pb)
{
    const expr_node *a = *(const expr_node *const *)pa, *b = *(const expr_node *const *)pb;
    size_t m = a->u.path.n < b->u.path.n ? a->u.path.n : b->u.path.n;
    for (size_t k = 0; k < m; k++) {
        const expr_pel *x = &a->u.path.el[k], *y = &b->u.path.el[k];
        if (x->is_index != y->is_index)
            return x->is_index ? 1 : -1;
        int c = x->is_index ? (x->index < y->index ? -1 : x->index > y->index)
                            : expr_name_cmp(x->name, x->len, y->name, y->len);
        if (c)
            return c;
    }
    return a->u.path.n < b->u.path.n ? -1 : a->u.path.n > b->u.path.n;
}

bool expr_paths_any_meet(arena_t *a, expr_node *const *paths, size_t n)
{
    if (n < 2)
        return false;
    expr_node **v = arena_alloc(a, n * sizeof *v);
    if (!v)
        return true; /* the caller's pairwise check answers */
    memcpy(v, paths, n * sizeof *v);
    qsort(v, n, sizeof *v, path_order);
    /* in this order a path is followed by its extensions (and its repeats), and the paths
     * of one prefix by a name are followed by those by an index: if two paths meet, two
     * neighbours do */
    for (size_t i = 1; i < n; i++)
        if (expr_paths_meet(v[i - 1], v[i]) != EXPR_PATHS_APART)
            return true;
    return false;
}

expr_meet expr_paths_meet(const expr_node *a, const expr_node *b)
{
    size_t m = a->u.path.n < b->u.path.n ? a->u.path.n : b->u.path.n;
    for (size_t k = 0; k < m; k++) {
        const expr_pel *x = &a->u.path.el[k], *y = &b->u.path.el[k];
        if (x->is_index != y->is_index)
            return EXPR_PATHS_CONFLICT;
        if (x->is_index ? x->index != y->index
                        : (x->len != y->len || memcmp(x->name, y->name, x->len)))
            return EXPR_PATHS_APART;
    }
    return EXPR_PATHS_OVERLAP;
}

const av_t *expr_path_get_from(const av_t *v, const expr_node *path, size_t from)
{
    if (!v)
        return NULL;
    for (size_t i = from; i < path->u.path.n; i++) {
        const expr_pel *pe = &path->u.path.el[i];
        if (pe->is_index) {
            if (v->type != AV_L || pe->index >= v->u.list.n)
                return NULL;
            v = &v->u.list.items[pe->index];
        } else {
            if (v->type != AV_M)
                return NULL;
            v = av_map_get(v, pe->name, pe->len);
            if (!v)
                return NULL;
        }
    }
    return v;
}

const av_t *expr_path_get(const av_t *item, const expr_node *path)
{
    return expr_path_get_from(item, path, 0);
}

int expr_name_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

/* sorting by name, equal names (a map from a request may repeat one) by position */
static int mindex_cmp(const void *pa, const void *pb)
{
    const av_kv *a = *(const av_kv *const *)pa, *b = *(const av_kv *const *)pb;
    int c = expr_name_cmp(a->name, a->name_len, b->name, b->name_len);
    return c ? c : a < b ? -1 : a > b;
}

#define EXPR_MINDEX_SCAN 32 /* up to this many lookups (or members) a scan is cheaper */

int expr_mindex_init(arena_t *a, expr_mindex *x, const av_t *m, size_t lookups, err_t *e)
{
    x->m = m;
    x->by_name = NULL;
    if (!m || m->type != AV_M || lookups <= EXPR_MINDEX_SCAN || m->u.map.n <= EXPR_MINDEX_SCAN)
        return 0;
    size_t n = m->u.map.n;
    const av_kv **v = arena_alloc(a, n * sizeof *v);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        v[i] = &m->u.map.kv[i];
    qsort(v, n, sizeof *v, mindex_cmp);
    x->by_name = v;
    return 0;
}

const av_kv *expr_mindex_get(const expr_mindex *x, const char *name, size_t len)
{
    const av_t *m = x->m;
    if (!m || m->type != AV_M)
        return NULL;
    if (!x->by_name) {
        for (size_t i = 0; i < m->u.map.n; i++) {
            const av_kv *kv = &m->u.map.kv[i];
            if (kv->name_len == len && memcmp(kv->name, name, len) == 0)
                return kv;
        }
        return NULL;
    }
    /* the first of equal names, as the scan finds it */
    size_t lo = 0, hi = m->u.map.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const av_kv *kv = x->by_name[mid];
        if (expr_name_cmp(kv->name, kv->name_len, name, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < m->u.map.n &&
        expr_name_cmp(x->by_name[lo]->name, x->by_name[lo]->name_len, name, len) == 0)
        return x->by_name[lo];
    return NULL;
}

const char *expr_type_name(av_type t)
{
    return av_type_name(t);
}

int expr_cmp_values(const av_t *a, const av_t *b, bool *ok)
{
    *ok = false;
    if (!a || !b || a->type != b->type)
        return 0;
    switch (a->type) {
    case AV_N:
        *ok = true;
        return num_cmp_text(a->u.str.ptr, a->u.str.len, b->u.str.ptr, b->u.str.len);
    case AV_S:
    case AV_B:
        *ok = true;
        return expr_name_cmp(a->u.str.ptr, a->u.str.len, b->u.str.ptr, b->u.str.len);
    default:
        return 0;
    }
}

static bool set_has(const av_t *set, const av_t *x)
{
    for (size_t i = 0; i < set->u.list.n; i++)
        if (expr_values_equal(&set->u.list.items[i], x))
            return true;
    return false;
}

/* Set members (scalars of one type) in the order of expr_cmp_values: equal members are
 * together (numbers numerically, as expr_values_equal compares them). */
static int member_cmp(const void *pa, const void *pb)
{
    bool ok;
    return expr_cmp_values(*(const av_t *const *)pa, *(const av_t *const *)pb, &ok);
}

#define EXPR_SET_SCAN 32 /* members (and probes) a scan is cheaper for */

static const av_t **sorted_members(const av_t *set, const av_t **v)
{
    for (size_t i = 0; i < set->u.list.n; i++)
        v[i] = &set->u.list.items[i];
    qsort(v, set->u.list.n, sizeof *v, member_cmp);
    return v;
}

void expr_sindex_init(arena_t *a, expr_sindex *x, const av_t *set, size_t probes)
{
    x->set = set;
    x->sorted = NULL;
    size_t n = set->u.list.n;
    if (n <= EXPR_SET_SCAN || probes <= EXPR_SET_SCAN)
        return;
    const av_t **v = arena_alloc(a, n * sizeof *v);
    if (v) /* without the memory, a scan answers */
        x->sorted = sorted_members(set, v);
}

bool expr_sorted_has(const void *base, size_t n, const av_t *(*at)(const void *base, size_t i),
                     const av_t *v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        bool ok;
        int c = expr_cmp_values(at(base, mid), v, &ok);
        if (!ok) /* another type than theirs: none of them */
            return false;
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static const av_t *ptr_at(const void *base, size_t i)
{
    return ((const av_t *const *)base)[i];
}

bool expr_sindex_has(const expr_sindex *x, const av_t *m)
{
    if (!x->sorted)
        return set_has(x->set, m);
    return expr_sorted_has(x->sorted, x->set->u.list.n, ptr_at, m);
}

/* Two sets of n members each hold the same members: both sorted and walked together when
 * big (a scan of b per member of a was n^2: 30,000 members 1 s), else by scans. */
static bool sets_equal(const av_t *a, const av_t *b)
{
    size_t n = a->u.list.n;
    const av_t **va = n > EXPR_SET_SCAN ? mem_malloc(n * sizeof *va) : NULL;
    const av_t **vb = va ? mem_malloc(n * sizeof *vb) : NULL;
    if (!vb) {
        mem_free(va);
        for (size_t i = 0; i < n; i++)
            if (!set_has(b, &a->u.list.items[i]))
                return false;
        return true;
    }
    sorted_members(a, va);
    sorted_members(b, vb);
    bool eq = true;
    for (size_t i = 0; i < n && eq; i++) {
        bool ok;
        eq = expr_cmp_values(va[i], vb[i], &ok) == 0 && ok;
    }
    mem_free(va);
    mem_free(vb);
    return eq;
}

static int kv_name_cmp(const void *pa, const void *pb)
{
    const av_kv *x = *(const av_kv *const *)pa, *y = *(const av_kv *const *)pb;
    return expr_name_cmp(x->name, x->name_len, y->name, y->name_len);
}

/* Two maps of n members each hold the same members (names unique in a map): both sorted by
 * name and walked together when big (a lookup in b per member of a was n^2: 30,000 members
 * 0.5 s; atg12), else by lookups. */
static bool maps_equal(const av_t *a, const av_t *b)
{
    size_t n = a->u.map.n;
    const av_kv **va = n > EXPR_SET_SCAN ? mem_malloc(n * sizeof *va) : NULL;
    const av_kv **vb = va ? mem_malloc(n * sizeof *vb) : NULL;
    if (!vb) {
        mem_free(va);
        for (size_t i = 0; i < n; i++) {
            const av_kv *kv = &a->u.map.kv[i];
            const av_t *o = av_map_get(b, kv->name, kv->name_len);
            if (!o || !expr_values_equal(&kv->val, o))
                return false;
        }
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        va[i] = &a->u.map.kv[i];
        vb[i] = &b->u.map.kv[i];
    }
    qsort(va, n, sizeof *va, kv_name_cmp);
    qsort(vb, n, sizeof *vb, kv_name_cmp);
    bool eq = true;
    for (size_t i = 0; i < n && eq; i++)
        eq = kv_name_cmp(&va[i], &vb[i]) == 0 && expr_values_equal(&va[i]->val, &vb[i]->val);
    mem_free(va);
    mem_free(vb);
    return eq;
}

bool expr_values_equal(const av_t *a, const av_t *b)
{
    if (!a || !b || a->type != b->type)
        return false;
    switch (a->type) {
    case AV_N:
        return num_cmp_text(a->u.str.ptr, a->u.str.len, b->u.str.ptr, b->u.str.len) == 0;
    case AV_S:
    case AV_B:
        return a->u.str.len == b->u.str.len &&
               (a->u.str.len == 0 || memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0);
    case AV_BOOL:
        return a->u.b == b->u.b;
    case AV_NULL:
        return true;
    case AV_L:
        if (a->u.list.n != b->u.list.n)
            return false;
        for (size_t i = 0; i < a->u.list.n; i++)
            if (!expr_values_equal(&a->u.list.items[i], &b->u.list.items[i]))
                return false;
        return true;
    case AV_SS:
    case AV_NS:
    case AV_BS:
        if (a->u.list.n != b->u.list.n)
            return false;
        return sets_equal(a, b);
    case AV_M:
        if (a->u.map.n != b->u.map.n)
            return false;
        return maps_equal(a, b);
    default:
        return false;
    }
}

/*
 * expr_update — applies a resolved update (UpdateExpression or AttributeUpdates) to an item.
 * Layer: expr.
 *
 * DynamoDB's semantics (tests/golden/expr/update.json pins them):
 *   - every value on the right of SET is computed from the ORIGINAL item, before any change;
 *   - list indexes in all actions refer to the original list: "REMOVE l[1], l[2]" removes two
 *     original elements; a SET index at or past the end appends (in index order);
 *   - SET / ADD into a missing parent, or through a value of the wrong type:
 *     "The document path provided in the update expression is invalid for update" (REMOVE
 *     too, except that removing an absent member or index is a no-op);
 *   - a path operand that does not exist: "The provided expression refers to an attribute that
 *     does not exist in the item";
 *   - "+"/"-" on non-numbers, list_append on non-lists, ADD/DELETE on the wrong type:
 *     "An operand in the update expression has an incorrect data type";
 *   - DELETE that empties a set removes the attribute; ADD creates a missing attribute;
 *   - a key attribute as the first path element: "One or more parameter values were invalid:
 *     Cannot update attribute pk. This attribute is part of the key";
 *   - a written attribute nesting more than 31 levels of M/L: "Nesting Levels have exceeded
 *     supported limits".
 * Values are shared with the old item (copy-on-write along the modified paths, each
 * container copied once per update: own_set).
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr/expr_int.h"
#include "value/num.h"

#define EXPR_MAX_ATTR_NESTING 31 /* container levels of one attribute value (DynamoDB Local) */
#define MSG_BAD_PATH "The document path provided in the update expression is invalid for update"
#define MSG_BAD_TYPE "An operand in the update expression has an incorrect data type"
#define MSG_LEGACY_TYPE "Type mismatch for attribute to update"
#define MSG_MISSING "The provided expression refers to an attribute that does not exist in the item"
#define MSG_TOO_BIG "Item size to update has exceeded the maximum allowed size"

typedef struct pend {
    const expr_node *path;
    bool remove; /* remove the path (REMOVE, DELETE that empties a set) */
    bool noop;
    av_t val; /* new value at path unless remove */
} pend;

/* What an update's values may still build.  The SET and ADD values of one update land at
 * distinct paths of the new item (overlapping paths are refused), and each element of a list,
 * set or map is at least a byte of it (av_value_size): once their elements pass
 * AV_MAX_ITEM_SIZE the item is too big whatever follows.  list_append and ADD's set union
 * build nothing past that (their first operand stands for the value), and expr_update_apply
 * answers the size error after its other checks.  They built whatever their operands' size:
 * 30 "a_i = list_append(l, l)" of a list of 409,000 empty strings took 590 MB, past an
 * UpdateItem's 256 MB arena, and a transaction's Update had no bound at all (mem17).  An
 * update's values thus hold at most AV_MAX_ITEM_SIZE elements (9.8 MB), besides a PartiQL
 * list_append nested in another, whose list is copied again.  NULL: the value is only checked
 * (an if_not_exists fallback that is not used), nothing built. */
typedef struct built {
    size_t n;  /* elements of the values of the actions evaluated so far */
    bool past; /* they passed AV_MAX_ITEM_SIZE, or a value built would have */
} built;

/* Whether n more elements may be built (nothing is counted: built_add counts an action's
 * value once it is whole). */
static bool built_room(built *b, size_t n)
{
    if (!b)
        return false;
    if (!b->past && n > AV_MAX_ITEM_SIZE - b->n)
        b->past = true;
    return !b->past;
}

static void built_add(built *b, const av_t *v)
{
    size_t n = 0;
    if (v->type == AV_L || v->type == AV_SS || v->type == AV_NS || v->type == AV_BS)
        n = v->u.list.n;
    else if (v->type == AV_M)
        n = v->u.map.n;
    if (n > AV_MAX_ITEM_SIZE - b->n) {
        b->past = true;
        b->n = AV_MAX_ITEM_SIZE;
    } else {
        b->n += n;
    }
}

static int eval_value(arena_t *a, const expr_node *x, const av_t *old, av_t *out, built *bl,
                      err_t *e);

static int arith(arena_t *a, int op, const av_t *l, const av_t *r, av_t *out, err_t *e)
{
    num_t x, y, z;
    int rc;
    if ((rc = num_parse(l->u.str.ptr, l->u.str.len, &x, e)) < 0 ||
        (rc = num_parse(r->u.str.ptr, r->u.str.len, &y, e)) < 0)
        return rc;
    rc = op == '+' ? num_add(&x, &y, &z, e) : num_sub(&x, &y, &z, e);
    if (rc < 0)
        return rc;
    char *buf = arena_alloc(a, NUM_MAX_TEXT);
    if (!buf)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t n = num_format(&z, buf, NUM_MAX_TEXT);
    *out = av_make_n_canonical(buf, n);
    return 0;
}

static int concat(arena_t *a, av_type t, const av_t *l, const av_t *r, av_t *out, built *bl,
                  err_t *e)
{
    size_t n = l->u.list.n + r->u.list.n;
    if (!built_room(bl, n)) { /* not built: l stands for it (struct built) */
        *out = *l;
        return 0;
    }
    av_t *items = arena_alloc(a, (n ? n : 1) * sizeof *items);
    if (!items)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (l->u.list.n)
        memcpy(items, l->u.list.items, l->u.list.n * sizeof *items);
    if (r->u.list.n)
        memcpy(items + l->u.list.n, r->u.list.items, r->u.list.n * sizeof *items);
    *out = av_make_list(t, items, n);
    return 0;
}

/* The lists of a list_append, nested list_appends flattened (PartiQL nests them; an
 * UpdateExpression may not): 299 levels of list_append(list_append(l, l), l) copied every
 * level's list, 324 MB for a list of 300 empty strings whose result is 90,000 of them: 500
 * out of memory (mem17).  Each operand is evaluated and checked in the order the nested calls
 * would (a call's two operands, then their types), and concat_parts copies them once. */
typedef struct parts {
    av_t *v;
    size_t n, cap;
} parts;

static bool is_list_append(const expr_node *x)
{
    return x->t == EN_FUNC && x->op == EF_LIST_APPEND;
}

/* The list_append whose lists make operand x's value, or NULL: x itself, or the fallback of
 * an if_not_exists whose attribute is absent (the fallback is its value; 149 levels of
 * list_append(if_not_exists(nope, ...), l) of a list of 1,000 copied ~270 MB: 500). */
static const expr_node *flat_append(const expr_node *x, const av_t *old)
{
    while (x->t == EN_FUNC && x->op == EF_IF_NOT_EXISTS && !expr_path_get(old, x->u.kids.k[0]))
        x = x->u.kids.k[1];
    return is_list_append(x) ? x : NULL;
}

static int append_parts(arena_t *a, const expr_node *x, const av_t *old, built *bl, parts *ps,
                        err_t *e)
{
    size_t at[2];
    for (size_t k = 0; k < 2; k++) {
        const expr_node *kid = x->u.kids.k[k], *nest = flat_append(kid, old);
        at[k] = ps->n;
        int rc;
        if (nest) {
            if ((rc = append_parts(a, nest, old, bl, ps, e)) < 0)
                return rc;
            continue;
        }
        if (ps->n == ps->cap) {
            size_t cap = ps->cap ? 2 * ps->cap : 8;
            av_t *v = arena_alloc(a, cap * sizeof *v);
            if (!v)
                return err_set(e, ERR_NOMEM, "out of memory");
            if (ps->n)
                memcpy(v, ps->v, ps->n * sizeof *v);
            ps->v = v;
            ps->cap = cap;
        }
        if ((rc = eval_value(a, kid, old, &ps->v[ps->n], bl, e)) < 0)
            return rc;
        ps->n++;
    }
    for (size_t k = 0; k < 2; k++) /* a nested call's list is one */
        if (!flat_append(x->u.kids.k[k], old) && ps->v[at[k]].type != AV_L)
            return err_set(e, ERR_VALIDATION, MSG_BAD_TYPE);
    return 0;
}

/* The lists of ps as one (concat's rule when it would pass the values' bound). */
static int concat_parts(arena_t *a, const parts *ps, av_t *out, built *bl, err_t *e)
{
    size_t n = 0;
    for (size_t i = 0; i < ps->n; i++)
        n += ps->v[i].u.list.n;
    if (!built_room(bl, n)) { /* not built: the first list stands for it (struct built) */
        *out = ps->v[0];
        return 0;
    }
    av_t *items = arena_alloc(a, (n ? n : 1) * sizeof *items);
    if (!items)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < ps->n; i++) {
        if (ps->v[i].u.list.n)
            memcpy(items + k, ps->v[i].u.list.items, ps->v[i].u.list.n * sizeof *items);
        k += ps->v[i].u.list.n;
    }
    *out = av_make_list(AV_L, items, n);
    return 0;
}

static int eval_value(arena_t *a, const expr_node *x, const av_t *old, av_t *out, built *bl,
                      err_t *e)
{
    switch (x->t) {
    case EN_PATH: {
        const av_t *v = expr_path_get(old, x);
        if (!v)
            return err_set(e, ERR_VALIDATION, MSG_MISSING);
        *out = *v;
        return 0;
    }
    case EN_VALUE:
        *out = *x->u.val.v;
        return 0;
    case EN_FUNC:
        if (x->op == EF_IF_NOT_EXISTS) {
            /* the fallback is evaluated even when the attribute exists: a fallback naming a
             * missing attribute fails either way (DynamoDB Local) */
            const av_t *v = expr_path_get(old, x->u.kids.k[0]);
            av_t fallback;
            int rc = eval_value(a, x->u.kids.k[1], old, &fallback, v ? NULL : bl, e);
            if (rc < 0)
                return rc;
            *out = v ? *v : fallback;
            return 0;
        }
        if (x->op == EF_LIST_APPEND) {
            parts ps = {0};
            int rc = append_parts(a, x, old, bl, &ps, e);
            if (rc < 0)
                return rc;
            return concat_parts(a, &ps, out, bl, e);
        }
        return err_set(e, ERR_VALIDATION, "Invalid UpdateExpression: unsupported function");
    case EN_CMP: {
        /* PartiQL's "SET x = a = b": the truth of a = b, a missing path equal to nothing
         * (expr_partiql_cond.c pq_parse_set_expr) */
        av_t v[2];
        bool have[2];
        for (size_t i = 0; i < 2; i++) {
            const expr_node *k = x->u.kids.k[i];
            const av_t *pv = k->t == EN_PATH ? expr_path_get(old, k) : NULL;
            have[i] = k->t != EN_PATH || pv;
            if (pv) {
                v[i] = *pv;
            } else if (have[i]) {
                int rc = eval_value(a, k, old, &v[i], bl, e);
                if (rc < 0)
                    return rc;
            }
        }
        if (x->op != EOP_EQ)
            return err_set(e, ERR_VALIDATION, "Invalid UpdateExpression: unsupported operand");
        *out = av_make_bool(have[0] && have[1] && expr_values_equal(&v[0], &v[1]));
        return 0;
    }
    case EN_ARITH: {
        av_t l, r;
        int rc;
        if ((rc = eval_value(a, x->u.kids.k[0], old, &l, bl, e)) < 0 ||
            (rc = eval_value(a, x->u.kids.k[1], old, &r, bl, e)) < 0)
            return rc;
        if (l.type != AV_N || r.type != AV_N)
            return err_set(e, ERR_VALIDATION, MSG_BAD_TYPE);
        return arith(a, x->op, &l, &r, out, e);
    }
    default:
        return err_set(e, ERR_VALIDATION, "Invalid UpdateExpression: unsupported operand");
    }
}

/* ADD: number sum, set union, (legacy) list append; missing -> the operand. */
static int do_add(arena_t *a, const expr_uact *u, const av_t *cur, const av_t *v, pend *p,
                  built *bl, err_t *e)
{
    if (!cur) {
        p->val = *v;
        return 0;
    }
    if (cur->type == AV_N && v->type == AV_N)
        return arith(a, '+', cur, v, &p->val, e);
    if ((cur->type == AV_SS || cur->type == AV_NS || cur->type == AV_BS) && cur->type == v->type) {
        size_t n = cur->u.list.n + v->u.list.n, k = cur->u.list.n;
        expr_sindex ix; /* each operand member looked up in the set: n log n, not n^2 */
        expr_sindex_init(a, &ix, cur, v->u.list.n);
        if (n > AV_MAX_ITEM_SIZE - bl->n) { /* the union's own size first (struct built) */
            n = k;
            for (size_t i = 0; i < v->u.list.n; i++)
                n += !expr_sindex_has(&ix, &v->u.list.items[i]);
        }
        if (!built_room(bl, n)) {
            p->val = *cur;
            return 0;
        }
        av_t *items = arena_alloc(a, (n ? n : 1) * sizeof *items);
        if (!items)
            return err_set(e, ERR_NOMEM, "out of memory");
        if (k)
            memcpy(items, cur->u.list.items, k * sizeof *items);
        for (size_t i = 0; i < v->u.list.n; i++)
            if (!expr_sindex_has(&ix, &v->u.list.items[i]))
                items[k++] = v->u.list.items[i];
        p->val = av_make_list(cur->type, items, k);
        return 0;
    }
    if (u->legacy && cur->type == AV_L && v->type == AV_L)
        return concat(a, AV_L, cur, v, &p->val, bl, e);
    return err_set(e, ERR_VALIDATION, u->legacy ? MSG_LEGACY_TYPE : MSG_BAD_TYPE);
}

static int do_delete(arena_t *a, const expr_uact *u, const av_t *cur, const av_t *v, pend *p,
                     err_t *e)
{
    if (!cur) {
        p->noop = true;
        return 0;
    }
    if (cur->type != v->type || !(cur->type == AV_SS || cur->type == AV_NS || cur->type == AV_BS))
        return err_set(e, ERR_VALIDATION, u->legacy ? MSG_LEGACY_TYPE : MSG_BAD_TYPE);
    av_t *items = arena_alloc(a, (cur->u.list.n ? cur->u.list.n : 1) * sizeof *items);
    if (!items)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t k = 0;
    expr_sindex ix; /* each member looked up in the operand: n log n, not n^2 */
    expr_sindex_init(a, &ix, v, cur->u.list.n);
    for (size_t i = 0; i < cur->u.list.n; i++)
        if (!expr_sindex_has(&ix, &cur->u.list.items[i]))
            items[k++] = cur->u.list.items[i];
    if (k == 0)
        p->remove = true;
    else
        p->val = av_make_list(cur->type, items, k);
    return 0;
}

/* A nested path made of map members only ("m.a.b", not "a" nor "l[0].x"). */
static bool map_member(const expr_node *path)
{
    if (path->u.path.n < 2)
        return false;
    for (size_t i = 0; i < path->u.path.n; i++)
        if (path->u.path.el[i].is_index)
            return false;
    return true;
}

/* Rank (see expr_update_apply) of an ADD / DELETE whose operand does not fit the current
 * value; -1 when it fits (or the attribute is absent). */
static int mismatch_rank(const expr_uact *u, const av_t *cur, const av_t *v)
{
    if (!cur)
        return -1;
    bool set_v = v->type == AV_SS || v->type == AV_NS || v->type == AV_BS;
    bool set_c = cur->type == AV_SS || cur->type == AV_NS || cur->type == AV_BS;
    if (u->op == EU_ADD) {
        if (cur->type == AV_N && v->type == AV_N)
            return -1;
        if (set_c && cur->type == v->type)
            return -1;
        if (u->legacy && cur->type == AV_L && v->type == AV_L)
            return -1;
    } else if (set_c && cur->type == v->type) {
        return -1;
    }
    switch (cur->type) {
    case AV_L: /* a non-empty nested list is looked at last */
        return cur->u.list.n && u->path->u.path.n > 1 ? 6 : 0;
    case AV_N:
    case AV_M:
    case AV_NULL:
        return 0;
    case AV_NS:
        return (!set_v && u->op == EU_ADD) ? 3 : 5;
    case AV_SS:
    case AV_BS:
        return 5;
    default: /* S, B, BOOL */
        return 3;
    }
}

/* The path can be written in `item`: every container on the way exists and has the type the
 * next element needs (M for a name, L for an index); the last element may be absent.
 * The same rule mod() applies, checked for all actions before any value is computed. */
static int check_path(const expr_mindex *top, const expr_node *path, err_t *e)
{
    const av_t *cur = top->m;
    size_t n = path->u.path.n;
    for (size_t i = 0; i < n; i++) {
        const expr_pel *el = &path->u.path.el[i];
        if (el->is_index ? cur->type != AV_L : cur->type != AV_M)
            return err_set(e, ERR_VALIDATION, MSG_BAD_PATH);
        if (i + 1 == n)
            break;
        const av_t *next = NULL;
        if (el->is_index) {
            next = el->index < cur->u.list.n ? &cur->u.list.items[el->index] : NULL;
        } else if (i == 0) {
            const av_kv *kv = expr_mindex_get(top, el->name, el->len);
            next = kv ? &kv->val : NULL;
        } else {
            next = av_map_get(cur, el->name, el->len);
        }
        if (!next)
            return err_set(e, ERR_VALIDATION, MSG_BAD_PATH);
        cur = next;
    }
    return 0;
}

/* The containers this apply made (their arrays, with room): an action changes them in
 * place, so each container along the modified paths is copied once per update, not once
 * per action (300 actions on an item of 40,000 attributes copied the attribute array 300
 * times: 500 'out of memory' past the request arena's 256 MB; fuzz11).  Nothing else
 * refers to them: the old item and the SET values computed from it are never changed. */
typedef struct own_ent {
    const void *p;
    size_t cap; /* elements */
} own_ent;

typedef struct own_set {
    arena_t *a;
    own_ent *t;
    size_t size, n; /* slots (a power of two), entries */
} own_set;

static size_t own_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 29;
    x *= 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 32);
}

static own_ent *own_find(const own_set *s, const void *p)
{
    if (!s->size || !p)
        return NULL;
    size_t m = s->size - 1;
    for (size_t i = own_hash(p) & m;; i = (i + 1) & m) {
        if (s->t[i].p == p)
            return &s->t[i];
        if (!s->t[i].p)
            return NULL;
    }
}

static int own_add(own_set *s, const void *p, size_t cap)
{
    if ((s->n + 1) * 2 > s->size) {
        size_t size = s->size ? s->size * 2 : 64;
        own_ent *t = arena_zalloc(s->a, size * sizeof *t);
        if (!t)
            return ERR_NOMEM;
        for (size_t i = 0; i < s->size; i++)
            if (s->t[i].p)
                for (size_t j = own_hash(s->t[i].p) & (size - 1);; j = (j + 1) & (size - 1))
                    if (!t[j].p) {
                        t[j] = s->t[i];
                        break;
                    }
        s->t = t;
        s->size = size;
    }
    size_t m = s->size - 1, i = own_hash(p) & m;
    while (s->t[i].p)
        i = (i + 1) & m;
    s->t[i] = (own_ent){p, cap};
    s->n++;
    return 0;
}

/* The array arr (n elements of elem bytes) as this apply's own, with room for `need` (a copy
 * the first time, or when it lacks the room).  An append leaves an eighth more room, not
 * twice n: the appends of one update (an index past the end each) still copy the array a few
 * times at most, and SET l[n] of a list of 400,000 elements copied 19.2 MB, where the list
 * itself is 9.6 MB (a transaction's arena holds API_ARENA_PER_TXN_WRITE a write: fixd16). */
static void *own_array(own_set *s, void *arr, size_t n, size_t elem, size_t need)
{
    own_ent *o = own_find(s, arr);
    if (o && o->cap >= need)
        return arr;
    size_t cap = need > n ? need + n / 8 + 16 : (n ? n : 1);
    void *copy = arena_alloc(s->a, cap * elem);
    if (!copy)
        return NULL;
    if (n)
        memcpy(copy, arr, n * elem);
    return own_add(s, copy, cap) ? NULL : copy;
}

/* cur's list items / map members as this apply's own (own_array). */
static av_t *own_items(own_set *s, const av_t *cur, size_t need)
{
    return own_array(s, cur->u.list.items, cur->u.list.n, sizeof *cur->u.list.items, need);
}

static av_kv *own_kv(own_set *s, const av_t *cur, size_t need)
{
    return own_array(s, cur->u.map.kv, cur->u.map.n, sizeof *cur->u.map.kv, need);
}

/* cur (a map) with member name set to v, or removed (v NULL): in place when cur is ours. */
static int map_put(own_set *s, const av_t *cur, const expr_pel *el, const av_t *v, av_t *out,
                   err_t *e)
{
    size_t n = cur->u.map.n, k = 0;
    while (k < n && !(cur->u.map.kv[k].name_len == el->len &&
                      memcmp(cur->u.map.kv[k].name, el->name, el->len) == 0))
        k++;
    if (!v && k == n) {
        *out = *cur;
        return 0;
    }
    av_kv *kv = own_kv(s, cur, k < n ? n : n + 1);
    if (!kv)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (!v) {
        memmove(kv + k, kv + k + 1, (n - k - 1) * sizeof *kv);
        *out = av_make_m(kv, n - 1);
        return 0;
    }
    if (k == n) {
        kv[n].name = el->name;
        kv[n].name_len = el->len;
        n++;
    }
    kv[k].val = *v;
    *out = av_make_m(kv, n);
    return 0;
}

/* Rebuilds `cur` (the container at path element i) with the change applied. */
static int mod(own_set *s, const av_t *cur, const pend *p, size_t i, av_t *out, err_t *e)
{
    const expr_pel *el = &p->path->u.path.el[i];
    bool last = i + 1 == p->path->u.path.n;
    if (el->is_index) {
        if (cur->type != AV_L)
            return err_set(e, ERR_VALIDATION, MSG_BAD_PATH);
        size_t n = cur->u.list.n;
        if (last) {
            if (p->remove) {
                if (el->index >= n) {
                    *out = *cur;
                    return 0;
                }
                av_t *items = own_items(s, cur, n);
                if (!items)
                    return err_set(e, ERR_NOMEM, "out of memory");
                memmove(items + el->index, items + el->index + 1,
                        (n - el->index - 1) * sizeof *items);
                *out = av_make_list(AV_L, items, n - 1);
                return 0;
            }
            av_t *items = own_items(s, cur, el->index < n ? n : n + 1);
            if (!items)
                return err_set(e, ERR_NOMEM, "out of memory");
            if (el->index < n) {
                items[el->index] = p->val;
                *out = av_make_list(AV_L, items, n);
            } else {
                items[n] = p->val;
                *out = av_make_list(AV_L, items, n + 1);
            }
            return 0;
        }
        if (el->index >= n)
            return err_set(e, ERR_VALIDATION, MSG_BAD_PATH);
        av_t child;
        int rc = mod(s, &cur->u.list.items[el->index], p, i + 1, &child, e);
        if (rc < 0)
            return rc;
        av_t *items = own_items(s, cur, n);
        if (!items)
            return err_set(e, ERR_NOMEM, "out of memory");
        items[el->index] = child;
        *out = av_make_list(AV_L, items, n);
        return 0;
    }
    if (cur->type != AV_M)
        return err_set(e, ERR_VALIDATION, MSG_BAD_PATH);
    if (last)
        return map_put(s, cur, el, p->remove ? NULL : &p->val, out, e);
    const av_t *c = av_map_get(cur, el->name, el->len);
    if (!c)
        return err_set(e, ERR_VALIDATION, MSG_BAD_PATH);
    av_t child;
    int rc = mod(s, c, p, i + 1, &child, e);
    if (rc < 0)
        return rc;
    return map_put(s, cur, el, &child, out, e);
}

/* One top-level attribute as the actions on it leave it. */
typedef struct top_ch {
    size_t pos;   /* its index in the map, or SIZE_MAX when it was not there (or removed) */
    bool present;
    bool changed;
    av_t val;
} top_ch;

static bool same_top(const pend *x, const pend *y)
{
    const expr_pel *a = &x->path->u.path.el[0], *b = &y->path->u.path.el[0];
    return a->len == b->len && memcmp(a->name, b->name, a->len) == 0;
}

/* Applies ps[0..n) in turn to the map *item, as mod() of each from the top would, but with
 * the top-level members found once per attribute (expr_mindex) and the map rebuilt once:
 * mod()'s map_put looked for the member by a scan and an insert or removal moved the others,
 * so 40,000 AttributeUpdates cost 3.5 s (fuzz11).  The actions on one attribute are together
 * in ps (sorted by path) and run in their order; those on different attributes touch
 * different values, so only the members' order could tell them apart, and it is the same:
 * a member keeps its place, a new one is appended (after those before it in ps), a removed
 * one leaves (and comes back at the end if set again). */
static int apply_top(own_set *s, av_t *item, const pend *ps, size_t n, err_t *e)
{
    if (!n)
        return 0;
    size_t nr = 1;
    for (size_t i = 1; i < n; i++)
        nr += !same_top(&ps[i - 1], &ps[i]);
    size_t mold = item->u.map.n;
    expr_mindex ix;
    int rc = expr_mindex_init(s->a, &ix, item, nr, e);
    top_ch *ch = arena_zalloc(s->a, nr * sizeof *ch);
    bool *gone = arena_zalloc(s->a, (mold ? mold : 1) * sizeof *gone);
    if (rc < 0)
        return rc;
    if (!ch || !gone)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t nch = 0, added = 0;
    for (size_t i = 0, r = 0; i < n; r++) {
        const expr_pel *el = &ps[i].path->u.path.el[0];
        top_ch *c = &ch[r];
        const av_kv *kv = expr_mindex_get(&ix, el->name, el->len);
        c->pos = kv ? (size_t)(kv - item->u.map.kv) : SIZE_MAX;
        c->present = kv != NULL;
        if (kv)
            c->val = kv->val;
        size_t j = i;
        for (; j < n && (j == i || same_top(&ps[j - 1], &ps[j])); j++) {
            const pend *p = &ps[j];
            if (p->noop)
                continue;
            c->changed = true;
            if (p->path->u.path.n == 1) {
                if (!p->remove) {
                    c->present = true;
                    c->val = p->val;
                    continue;
                }
                if (c->pos != SIZE_MAX)
                    gone[c->pos] = true;
                c->pos = SIZE_MAX;
                c->present = false;
                continue;
            }
            if (!c->present)
                return err_set(e, ERR_VALIDATION, MSG_BAD_PATH);
            av_t next;
            if ((rc = mod(s, &c->val, p, 1, &next, e)) < 0)
                return rc;
            c->val = next;
        }
        nch += c->changed;
        added += c->present && c->pos == SIZE_MAX;
        i = j;
    }
    if (!nch)
        return 0;
    av_kv *kv = arena_alloc(s->a, (mold + added ? mold + added : 1) * sizeof *kv);
    if (!kv)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (mold)
        memcpy(kv, item->u.map.kv, mold * sizeof *kv);
    for (size_t r = 0; r < nr; r++)
        if (ch[r].present && ch[r].pos != SIZE_MAX)
            kv[ch[r].pos].val = ch[r].val;
    size_t k = 0;
    for (size_t i = 0; i < mold; i++)
        if (!gone[i])
            kv[k++] = kv[i];
    for (size_t i = 0, r = 0; i < n; r++) {
        size_t j = i + 1;
        while (j < n && same_top(&ps[j - 1], &ps[j]))
            j++;
        if (ch[r].present && ch[r].pos == SIZE_MAX) {
            kv[k].name = ps[i].path->u.path.el[0].name;
            kv[k].name_len = ps[i].path->u.path.el[0].len;
            kv[k].val = ch[r].val;
            k++;
        }
        i = j;
    }
    *item = av_make_m(kv, k);
    return 0;
}

/* Document order of two paths (indexes numerically). */
static int path_cmp(const expr_node *x, const expr_node *y)
{
    size_t n = x->u.path.n < y->u.path.n ? x->u.path.n : y->u.path.n;
    for (size_t i = 0; i < n; i++) {
        const expr_pel *a = &x->u.path.el[i], *b = &y->u.path.el[i];
        if (a->is_index != b->is_index)
            return a->is_index ? 1 : -1;
        if (a->is_index) {
            if (a->index != b->index)
                return a->index < b->index ? -1 : 1;
        } else {
            size_t m = a->len < b->len ? a->len : b->len;
            int c = m ? memcmp(a->name, b->name, m) : 0;
            if (c)
                return c;
            if (a->len != b->len)
                return a->len < b->len ? -1 : 1;
        }
    }
    return x->u.path.n < y->u.path.n ? -1 : x->u.path.n > y->u.path.n ? 1 : 0;
}

/* Removals of list elements last, deepest-rightmost first, so the shifts they cause never
 * move an element another action still addresses; everything else in document order
 * (appends to one list then happen in index order). */
static int pend_cmp(const void *pa, const void *pb)
{
    const pend *a = pa, *b = pb;
    bool ra = a->remove && a->path->u.path.el[a->path->u.path.n - 1].is_index;
    bool rb = b->remove && b->path->u.path.el[b->path->u.path.n - 1].is_index;
    if (ra != rb)
        return ra ? 1 : -1;
    int c = path_cmp(a->path, b->path);
    return ra ? -c : c;
}

/* Container levels (M / L) of a value; stops counting past the limit. */
static int depth(const av_t *v, int d)
{
    if (d > EXPR_MAX_ATTR_NESTING)
        return d;
    int best = d;
    if (v->type == AV_M) {
        for (size_t i = 0; i < v->u.map.n; i++) {
            int k = depth(&v->u.map.kv[i].val, d + 1);
            if (k > best)
                best = k;
        }
        return best > d ? best : d + 1;
    }
    if (v->type == AV_L) {
        for (size_t i = 0; i < v->u.list.n; i++) {
            int k = depth(&v->u.list.items[i], d + 1);
            if (k > best)
                best = k;
        }
        return best > d ? best : d + 1;
    }
    return d;
}

bool expr_attr_too_deep(const av_t *item)
{
    if (item->type != AV_M)
        return false;
    for (size_t i = 0; i < item->u.map.n; i++)
        if (depth(&item->u.map.kv[i].val, 0) > EXPR_MAX_ATTR_NESTING)
            return true;
    return false;
}

/* ---- which of several failing actions is reported -----------------------------------------
 * DynamoDB Local checks every action before applying any and reports the error of the action
 * that comes LAST when the update's paths are walked as a tree whose every level is a Java
 * HashMap: the children of a node (attribute names, map keys, list indexes) in bucket order
 * of their hash (String.hashCode over UTF-16 units, Integer.hashCode for an index, spread as
 * HashMap does, in 16 buckets however many children: Local's walk does not grow its maps as
 * a HashMap of 13 would, frC 1), then in the order they first appear in the expression.
 * Measured with tests/e2e/diffgen.py against DynamoDB Local 3.3 (every multi-error update of
 * 600 random ones; test_differential.py pins the cases). */
static uint32_t pel_hash(const expr_pel *el) /* spread as HashMap does (h ^ h >>> 16) */
{
    return el->is_index ? el->index ^ (el->index >> 16) : expr_java_hash(el->name, el->len);
}

static bool pel_eq(const expr_pel *x, const expr_pel *y)
{
    if (x->is_index != y->is_index)
        return false;
    return x->is_index ? x->index == y->index
                       : x->len == y->len && memcmp(x->name, y->name, x->len) == 0;
}

/* The walk's tree, built once per update that has two failing actions: a node per distinct
 * path prefix, its children in the order they first appear (review15 F6: comparing two
 * actions by rescanning every action was cubic in the actions). */
typedef struct wnode {
    const expr_pel *el;
    uint32_t hash; /* pel_hash(el): compared before the names (frC 3) */
    struct wnode *parent, *kids, *last, *next;
    size_t nkids, depth, order;
} wnode;

/* leaves[i]: the node of action i's path; 0 or ERR_NOMEM. */
static int walk_tree(arena_t *a, const expr_t *upd, wnode **leaves, err_t *e)
{
    wnode *root = arena_zalloc(a, sizeof *root);
    if (!root)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < upd->nacts; i++) {
        const expr_node *path = upd->acts[i].path;
        wnode *node = root;
        for (size_t k = 0; k < path->u.path.n; k++) {
            const expr_pel *el = &path->u.path.el[k];
            uint32_t h = pel_hash(el);
            wnode *c = node->kids;
            while (c && (c->hash != h || !pel_eq(c->el, el)))
                c = c->next;
            if (!c) {
                if (!(c = arena_zalloc(a, sizeof *c)))
                    return err_set(e, ERR_NOMEM, "out of memory");
                c->el = el;
                c->hash = h;
                c->parent = node;
                c->depth = k + 1;
                c->order = node->nkids++;
                if (node->last)
                    node->last->next = c;
                else
                    node->kids = c;
                node->last = c;
            }
            node = c;
        }
        leaves[i] = node;
    }
    return 0;
}

/* A node's bucket among its siblings: 16 of them, however many siblings (DynamoDB Local 3.3:
 * 12, 13, 24 and 42 top-level names, 13 list indexes, all as 16 buckets; one case of 9
 * indexes sharing a bucket fits no model; test_differential.py
 * test_update_error_walk_keeps_16_buckets). */
static uint32_t wnode_bucket(const wnode *n)
{
    return n->hash & 15u;
}

/* True when node x (an action's path) comes after node y in the walk described above. */
static bool walked_after(const wnode *x, const wnode *y)
{
    size_t dx = x->depth, dy = y->depth;
    while (x->depth > y->depth)
        x = x->parent;
    while (y->depth > x->depth)
        y = y->parent;
    if (x == y) /* a prefix (overlaps are refused before) */
        return dx > dy;
    while (x->parent != y->parent) {
        x = x->parent;
        y = y->parent;
    }
    uint32_t bx = wnode_bucket(x), by = wnode_bucket(y);
    return bx != by ? bx > by : x->order > y->order;
}

int expr_update_key_targets(const expr_t *upd, const char *const *key_names, size_t nkeys,
                            err_t *e)
{
    for (size_t i = 0; i < upd->nacts; i++) {
        const expr_pel *el = &upd->acts[i].path->u.path.el[0];
        for (size_t k = 0; k < nkeys; k++)
            if (strlen(key_names[k]) == el->len && memcmp(key_names[k], el->name, el->len) == 0)
                return err_set(e, ERR_VALIDATION,
                               "One or more parameter values were invalid: Cannot update "
                               "attribute %s. This attribute is part of the key",
                               key_names[k]);
    }
    return 0;
}

bool expr_update_sets_attr(const expr_t *upd, const char *name, size_t len)
{
    for (size_t i = 0; upd && upd->kind == EXPR_UPDATE && i < upd->nacts; i++) {
        const expr_uact *u = &upd->acts[i];
        /* a value of a type known before the item is read (a placeholder's, arithmetic's)
         * is AWS's static "Type mismatch for Index Key" (dynalite's AWS-recorded
         * "c = a + :a"); only a value read from the item ("c = e") is the update text */
        if (u->op != EU_SET || u->legacy || u->path->u.path.n != 1 ||
            expr_known_type(u->val) != AV_NONE)
            continue;
        const expr_pel *el = &u->path->u.path.el[0];
        if (!el->is_index && el->len == len && memcmp(el->name, name, len) == 0)
            return true;
    }
    return false;
}

av_type expr_update_known_type(const expr_t *upd, const char *name, size_t len)
{
    for (size_t i = 0; upd && upd->kind == EXPR_UPDATE && i < upd->nacts; i++) {
        const expr_uact *u = &upd->acts[i];
        if ((u->op != EU_SET && u->op != EU_ADD) || !u->val || u->path->u.path.n != 1)
            continue;
        const expr_pel *el = &u->path->u.path.el[0];
        if (!el->is_index && el->len == len && memcmp(el->name, name, len) == 0)
            return expr_known_type(u->val);
    }
    return AV_NONE;
}

int expr_update_apply(arena_t *a, const expr_t *upd, const av_t *old_item,
                      const char *const *key_names, size_t nkeys, av_t *out_item,
                      expr_t **out_updated, err_t *e)
{
    static const av_t empty = {.type = AV_M};
    if (out_updated)
        *out_updated = NULL;
    if (!upd->resolved || upd->kind != EXPR_UPDATE)
        return err_set(e, ERR_VALIDATION, "internal: update expression not resolved");
    const av_t *old = old_item ? old_item : &empty;
    size_t n = upd->nacts;
    int rc;
    if ((rc = expr_update_key_targets(upd, key_names, nkeys, e)))
        return rc;
    pend *ps = arena_zalloc(a, (n ? n : 1) * sizeof *ps);
    if (!ps)
        return err_set(e, ERR_NOMEM, "out of memory");
    /* Every action is checked before anything is applied; when several fail, the one reported
     * is the last in the walk of walked_after() (DynamoDB Local).  AttributeUpdates (legacy)
     * keeps the ranking by kind its golden corpus pins:
     *   0  ADD / DELETE on an N (set operand), M, L (nested: empty) or NULL attribute
     *   1  a SET operand that does not exist, when the SET target is a nested map member
     *   2  a path that cannot be written ("The document path provided ... is invalid")
     *   3  number overflow / underflow / precision in arithmetic
     *   4  other operand types (S, B, BOOL targets; NS + N; "+" on non-numbers; list_append)
     *   5  a SET operand that does not exist, other targets
     *   6  ADD / DELETE between different set types, a number into SS / BS
     *   7  ADD / DELETE on a non-empty nested list */
    int best_rank = -1;
    size_t best_i = 0;
    wnode **leaves = NULL; /* the walk's tree, once two actions fail */
    err_t best;
    err_clear(&best);
    expr_mindex oix; /* the old item's attributes, for the actions' first elements */
    if ((rc = expr_mindex_init(a, &oix, old, n, e)) < 0)
        return rc;
    built bl = {0};
    for (size_t i = 0; i < n; i++) {
        const expr_uact *u = &upd->acts[i];
        pend *p = &ps[i];
        p->path = u->path;
        err_t le;
        err_clear(&le);
        int rank = -1;
        if (check_path(&oix, u->path, &le) < 0) {
            rank = 2;
        } else {
            const av_t *cur = NULL;
            if (u->op != EU_SET) {
                const expr_pel *el = &u->path->u.path.el[0];
                const av_kv *kv = expr_mindex_get(&oix, el->name, el->len);
                cur = kv ? expr_path_get_from(&kv->val, u->path, 1) : NULL;
            }
            const av_t *v = u->val && u->op != EU_SET ? u->val->u.val.v : NULL;
            switch (u->op) {
            case EU_SET:
                rc = eval_value(a, u->val, old, &p->val, &bl, &le);
                if (rc == ERR_NOMEM)
                    return err_set(e, rc, "%s", le.msg);
                if (rc < 0 && !strcmp(le.msg, MSG_MISSING))
                    rank = map_member(u->path) ? 1 : 5;
                else if (rc < 0)
                    rank = !strcmp(le.msg, MSG_BAD_TYPE) ? 4 : 3;
                break;
            case EU_REMOVE:
                p->remove = true;
                break;
            case EU_ADD:
            case EU_DELETE:
                if (u->op == EU_DELETE && !v) {
                    p->remove = true;
                    break;
                }
                rank = mismatch_rank(u, cur, v);
                if (rank >= 0) {
                    rank = rank == 0 ? 0 : rank == 6 ? 7 : rank + 1;
                    err_set(&le, ERR_VALIDATION, "%s", u->legacy ? MSG_LEGACY_TYPE : MSG_BAD_TYPE);
                    break;
                }
                rc = u->op == EU_ADD ? do_add(a, u, cur, v, p, &bl, &le)
                                     : do_delete(a, u, cur, v, p, &le);
                if (rc == ERR_NOMEM)
                    return err_set(e, rc, "%s", le.msg);
                if (rc < 0)
                    rank = 3;
                break;
            }
            if (rank < 0 && (u->op == EU_SET || u->op == EU_ADD) && !p->remove && !p->noop)
                built_add(&bl, &p->val);
        }
        if (rank >= 0 && best_rank >= 0 && !upd->legacy && !leaves) {
            if (!(leaves = arena_alloc(a, n * sizeof *leaves)))
                return err_set(e, ERR_NOMEM, "out of memory");
            if ((rc = walk_tree(a, upd, leaves, e)) < 0)
                return rc;
        }
        if (rank >= 0 && (best_rank < 0 || (upd->legacy ? rank < best_rank
                                                         : walked_after(leaves[i],
                                                                        leaves[best_i])))) {
            best_rank = rank;
            best_i = i;
            best = le;
        }
    }
    if (best_rank >= 0)
        return err_set(e, best.code, "%s", best.msg);
    qsort(ps, n, sizeof *ps, pend_cmp);
    av_t item = *old;
    own_set own = {.a = a};
    /* the removals of list elements come last (pend_cmp): after the others are applied */
    size_t nfirst = 0;
    while (nfirst < n && !(ps[nfirst].remove &&
                           ps[nfirst].path->u.path.el[ps[nfirst].path->u.path.n - 1].is_index))
        nfirst++;
    if ((rc = apply_top(&own, &item, ps, nfirst, e)) < 0 ||
        (rc = apply_top(&own, &item, ps + nfirst, n - nfirst, e)) < 0)
        return rc;
    /* the written attributes may not nest deeper than DynamoDB allows (each looked at once) */
    expr_mindex nix;
    bool *seen = arena_zalloc(a, (item.u.map.n ? item.u.map.n : 1) * sizeof *seen);
    if (!seen)
        return err_set(e, ERR_NOMEM, "out of memory");
    if ((rc = expr_mindex_init(a, &nix, &item, n, e)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (upd->acts[i].op == EU_REMOVE || upd->acts[i].op == EU_DELETE)
            continue;
        const expr_pel *el = &upd->acts[i].path->u.path.el[0];
        const av_kv *kv = expr_mindex_get(&nix, el->name, el->len);
        if (!kv || seen[kv - item.u.map.kv])
            continue;
        seen[kv - item.u.map.kv] = true;
        if (depth(&kv->val, 0) > EXPR_MAX_ATTR_NESTING)
            return err_set(e, ERR_VALIDATION, "Nesting Levels have exceeded supported limits");
    }
    if (bl.past) /* its values pass the item's size: not built (struct built) */
        return err_set(e, ERR_VALIDATION, MSG_TOO_BIG);
    *out_item = item;
    if (out_updated) {
        expr_t *x = arena_zalloc(a, sizeof *x);
        expr_node **paths = arena_alloc(a, (n ? n : 1) * sizeof *paths);
        if (!x || !paths)
            return err_set(e, ERR_NOMEM, "out of memory");
        /* REMOVE's paths last: expr_project_updated leaves them out of the new item's */
        size_t k = 0;
        for (int removed = 0; removed < 2; removed++)
            for (size_t i = 0; i < n; i++)
                if ((upd->acts[i].op == EU_REMOVE) == (removed == 1))
                    paths[k++] = upd->acts[i].path;
        x->kind = EXPR_PROJECTION;
        x->resolved = true;
        x->whole_top = true;
        x->paths = paths;
        x->npaths = n;
        for (size_t i = 0; i < n; i++)
            x->nremoved += upd->acts[i].op == EU_REMOVE;
        *out_updated = x;
    }
    return 0;
}

/* Decimal digits of a list index (what an index element costs in the update's charge). */
static uint64_t index_digits(uint32_t v)
{
    uint64_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static uint64_t pel_bytes(const expr_pel *el)
{
    return el->is_index ? index_digits(el->index) : el->len;
}

/* A path the clause writes: its first name, then 4 and the element for each later one. */
static uint64_t charge_target(const expr_node *p)
{
    if (!p || p->t != EN_PATH || p->u.path.n == 0)
        return 0;
    uint64_t c = pel_bytes(&p->u.path.el[0]);
    for (size_t k = 1; k < p->u.path.n; k++)
        c += 4 + pel_bytes(&p->u.path.el[k]);
    return c;
}

/* An operand of a SET or ADD: a value at its size (every use), a path 1 plus 14 and the
 * element for each element (the value it reads is free), x + y 34 / x - y 37,
 * if_not_exists 39, list_append 37, each plus its operands. */
static uint64_t charge_operand(const expr_node *x, int depth)
{
    if (!x || depth > 64)
        return 0;
    uint64_t c = 0;
    switch (x->t) {
    case EN_PATH:
        c = 1;
        for (size_t k = 0; k < x->u.path.n; k++)
            c += 14 + pel_bytes(&x->u.path.el[k]);
        return c;
    case EN_VALUE:
        return x->u.val.v ? av_value_size(x->u.val.v) : 0;
    case EN_ARITH:
        c = x->op == '+' ? 34 : 37;
        break;
    case EN_FUNC:
        c = x->op == EF_IF_NOT_EXISTS ? 39 : x->op == EF_LIST_APPEND ? 37 : 0;
        break;
    case EN_CMP: /* PartiQL's "SET x = a = b": its operands (no capture of the operator's) */
        break;
    default:
        return 0;
    }
    for (size_t k = 0; k < x->u.kids.n; k++)
        c += charge_operand(x->u.kids.k[k], depth + 1);
    return c;
}

uint64_t expr_update_charge(const expr_t *upd)
{
    if (!upd || upd->kind != EXPR_UPDATE)
        return 0;
    uint64_t cost = 3; /* the update itself */
    for (size_t i = 0; i < upd->nacts; i++) {
        const expr_uact *act = &upd->acts[i];
        if (act->legacy)
            return 0; /* AttributeUpdates: the finished item only */
        if (act->op == EU_SET || act->op == EU_ADD)
            cost += 19 + charge_target(act->path) + charge_operand(act->val, 0);
        else
            cost += 1 + charge_target(act->path);
    }
    return cost;
}

/*
 * ddbjson_passes — ddbjson's two passes over a JSON tree, compiled once per tree type.
 * Layer: value (private to ddbjson.c, which includes it twice).  See ddbjson.c for the passes
 * and their order.
 *
 * Why twice: requests are read by our reader (value/jread.h) and converted straight from its
 * tree (issue 13.1: no jansson tree on the hot operations), while other callers hold jansson
 * trees.  One text, two instantiations, so the two cannot drift apart: the includer defines
 *   DJ_T                     the node type (json_t, jread_val)
 *   DJ_(name)                the name of this instantiation's copy of a function
 *   DJ_IS_NULL/OBJECT/ARRAY/STRING/INTEGER/REAL/BOOLEAN/TRUE/NUMBER(v)
 *   DJ_STR(v), DJ_STRLEN(v)  a string's bytes (may hold NULs) and length
 *   DJ_INT(v)                an integer's value (long long)
 *   DJ_ARR_SIZE(v), DJ_ARR_GET(v, i), DJ_OBJ_SIZE(v)
 *   DJ_OBJ_FOREACH(o, k, klen, m)   members in document order (keys unique, as jansson's)
 *   DJ_OBJ_FOREACH_VALUE(o, m)      the same, values only
 *   DJ_FIELDS(j, f)          f[K_x] = member "x" of j, NULL when absent or JSON null
 * and this file undefines them at its end.  tests/unit/value/test_ddbjson.c holds the two equal over the
 * golden data and the fuzz corpora (ddbjson_to_item_jr against ddbjson_to_item of
 * jread_to_jansson's tree).
 */

#define fields_of DJ_(fields_of)
#define scalar_token DJ_(scalar_token)
#define shape_text DJ_(shape_text)
#define shape_blob DJ_(shape_blob)
#define shape_bool DJ_(shape_bool)
#define shape_value DJ_(shape_value)
#define shape_array_of DJ_(shape_array_of)
#define text_of DJ_(text_of)
#define conv_value DJ_(conv_value)
#define conv_ss DJ_(conv_ss)
#define conv_n DJ_(conv_n)
#define conv_b DJ_(conv_b)
#define conv_set DJ_(conv_set)
#define conv_members DJ_(conv_members)
#define conv_l DJ_(conv_l)
#define tree_to_av DJ_(tree_to_av)
#define tree_to_item DJ_(tree_to_item)

/* ---------------------------------------------------------------- pass 1: shape */

/* The JSON members of one attribute value, by type (NULL when absent or JSON null). */

static void fields_of(const DJ_T *j, const DJ_T *f[K__N])
{
    DJ_FIELDS(j, f);
}

/* The token AWS's deserializer names for a JSON scalar that is not a string. */
static const char *scalar_token(const DJ_T *v)
{
    if (DJ_IS_BOOLEAN(v))
        return DJ_IS_TRUE(v) ? "TRUE_VALUE" : "FALSE_VALUE";
    return DJ_IS_REAL(v) ? "DECIMAL_VALUE" : "NUMBER_VALUE";
}

/* A string-typed slot (S, N, SS/NS member): a JSON string only. */
static int shape_text(const DJ_T *v, err_t *e)
{
    if (DJ_IS_STRING(v))
        return 0;
    if (DJ_IS_ARRAY(v))
        return err_set(e, ERR_SERIALIZATION, TXT_SER_LIST_STRING);
    if (DJ_IS_OBJECT(v))
        return err_set(e, ERR_SERIALIZATION, TXT_SER_MAP);
    return err_set(e, ERR_SERIALIZATION, TXT_SER_TOKEN_STRING, scalar_token(v));
}

static int shape_blob(const DJ_T *v, err_t *e)
{
    size_t n;
    if (DJ_IS_STRING(v))
        return b64_check(DJ_STR(v), DJ_STRLEN(v), &n, e);
    if (DJ_IS_ARRAY(v))
        return err_set(e, ERR_SERIALIZATION, TXT_SER_LIST_BLOB);
    if (DJ_IS_OBJECT(v))
        return err_set(e, ERR_SERIALIZATION, TXT_SER_MAP);
    return err_set(e, ERR_SERIALIZATION, TXT_SER_BLOB);
}

/* BOOL / NULL: a JSON boolean only. */
static int shape_bool(const DJ_T *v, bool *out, err_t *e)
{
    if (DJ_IS_BOOLEAN(v)) {
        *out = DJ_IS_TRUE(v);
        return 0;
    }
    if (DJ_IS_STRING(v))
        return err_set(e, ERR_SERIALIZATION, TXT_SER_BOOL_STRING);
    if (DJ_IS_ARRAY(v))
        return err_set(e, ERR_SERIALIZATION, TXT_SER_LIST_BOOL);
    if (DJ_IS_OBJECT(v))
        return err_set(e, ERR_SERIALIZATION, TXT_SER_MAP);
    return err_set(e, ERR_SERIALIZATION, TXT_SER_TOKEN_BOOL, scalar_token(v));
}

static int shape_value(const DJ_T *j, err_t *e);

static int shape_array_of(const DJ_T *v, int kind, err_t *e)
{
    if (!DJ_IS_ARRAY(v))
        return err_set(e, ERR_SERIALIZATION, "%s", DJ_IS_OBJECT(v) ? TXT_SER_MAP : TXT_SER_FIELD);
    size_t i;
    const DJ_T *m;
    for (i = 0; i < DJ_ARR_SIZE(v) && (m = DJ_ARR_GET(v, i)); i++) {
        int rc = 0;
        if (kind == K_L)
            rc = shape_value(m, e);
        else if (DJ_IS_NULL(m))
            rc = kind == K_BS ? err_set(e, ERR_SERIALIZATION, TXT_SER_VALUE) : 0;
        else if (kind == K_BS)
            rc = shape_blob(m, e);
        else
            rc = shape_text(m, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* One attribute value (a JSON object), recursively. */
static int shape_value(const DJ_T *j, err_t *e)
{
    if (DJ_IS_NULL(j))
        return 0; /* a null AttributeValue is a validation error, in document order */
    if (!DJ_IS_OBJECT(j)) {
        if (DJ_IS_ARRAY(j))
            return err_set(e, ERR_SERIALIZATION, TXT_SER_LIST_AV);
        return err_set(e, ERR_SERIALIZATION, TXT_SER_VALUE);
    }
    const DJ_T *f[K__N];
    fields_of(j, f);
    int rc = 0;
    bool b;
    if (!rc && f[K_S])
        rc = shape_text(f[K_S], e);
    if (!rc && f[K_N])
        rc = shape_text(f[K_N], e);
    if (!rc && f[K_B])
        rc = shape_blob(f[K_B], e);
    if (!rc && f[K_BOOL])
        rc = shape_bool(f[K_BOOL], &b, e);
    if (!rc && f[K_NULL])
        rc = shape_bool(f[K_NULL], &b, e);
    if (!rc && f[K_SS])
        rc = shape_array_of(f[K_SS], K_SS, e);
    if (!rc && f[K_NS])
        rc = shape_array_of(f[K_NS], K_NS, e);
    if (!rc && f[K_BS])
        rc = shape_array_of(f[K_BS], K_BS, e);
    if (!rc && f[K_L])
        rc = shape_array_of(f[K_L], K_L, e);
    if (!rc && f[K_M]) {
        if (!DJ_IS_OBJECT(f[K_M]))
            return err_set(e, ERR_SERIALIZATION, "%s",
                           DJ_IS_ARRAY(f[K_M]) ? TXT_SER_LIST_MAP : TXT_SER_FIELD);
        const DJ_T *m;
        DJ_OBJ_FOREACH_VALUE(f[K_M], m)
        {
            rc = shape_value(m, e);
            if (rc)
                return rc;
        }
    }
    return rc;
}

/* Text of a string-typed slot that passed the shape check: the string's bytes (borrowed from
 * the JSON), or nothing for a JSON null member of an SS/NS (refused by validation). */
static int text_of(ctx_t *c, const DJ_T *v, const char **p, size_t *len)
{
    (void)c;
    if (DJ_IS_STRING(v)) {
        *p = DJ_STR(v);
        *len = DJ_STRLEN(v);
    } else {
        *p = "";
        *len = 0;
    }
    return 0;
}
static int conv_value(ctx_t *c, const DJ_T *j, int depth, av_t *out);

/* SS: empty, then duplicates (two JSON nulls are duplicates), then null members. */
static int conv_ss(ctx_t *c, const DJ_T *v, av_t *out)
{
    size_t n = DJ_ARR_SIZE(v), nnull = 0, k = 0;
    if (n == 0)
        return err_set(c->e, ERR_VALIDATION, TXT_SS_EMPTY);
    av_t *items = arena_alloc(c->a, n * sizeof *items);
    av_t *strs = arena_alloc(c->a, n * sizeof *strs);
    if (!items || !strs)
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        const DJ_T *m = DJ_ARR_GET(v, i);
        if (DJ_IS_NULL(m)) {
            memset(&items[i], 0, sizeof items[i]);
            nnull++;
            continue;
        }
        const char *p;
        size_t len;
        int rc = text_of(c, m, &p, &len);
        if (rc)
            return rc;
        items[i] = strs[k++] = av_make_s(p, len);
    }
    bool dup = nnull >= 2;
    int rc = dup ? 0 : has_dup(c, strs, k, &dup);
    if (rc)
        return rc;
    if (dup)
        return set_dup_error(c, items, n, false);
    if (nnull)
        return err_set(c->e, ERR_VALIDATION, TXT_SS_NULL);
    for (size_t i = 0; i < n; i++) /* own the bytes: the JSON may be freed */
        if ((rc = str_copy(c, items[i].u.str.ptr, items[i].u.str.len, &items[i].u.str.ptr)))
            return rc;
    *out = av_make_list(AV_SS, items, n);
    return 0;
}

__attribute__((always_inline)) static inline int conv_n(ctx_t *c, const DJ_T *v, av_t *out)
{
    const char *p;
    size_t len;
    int rc = text_of(c, v, &p, &len);
    if (!rc)
        rc = c->java ? av_make_n_java(c->a, p, len, out, c->e) : av_make_n(c->a, p, len, out, c->e);
    return rc;
}

static int conv_b(ctx_t *c, const DJ_T *v, av_t *out)
{
    const char *s = DJ_STR(v);
    size_t slen = DJ_STRLEN(v), n;
    int rc = b64_check(s, slen, &n, c->e);
    if (rc)
        return rc;
    unsigned char *p = arena_alloc(c->a, n + 1);
    if (!p)
        return nomem(c);
    b64_decode(s, slen, p);
    p[n] = '\0';
    *out = av_make_b((const char *)p, n);
    return 0;
}

/* NS and BS (type): empty, then each member's own errors (conv_n, conv_b) in order, then
 * duplicates (NS: one text; BS: set_dup_error's, naming the members).  It and conv_n are
 * inlined by force: left to the compiler, conv_n became a call per NS member (+457
 * instructions a PutItem's item with an NS and a BS of 40 members each, callgrind). */
__attribute__((always_inline)) static inline int conv_set(ctx_t *c, const DJ_T *v, av_type type,
                                                          av_t *out)
{
    const bool bin = type == AV_BS;
    size_t n = DJ_ARR_SIZE(v);
    if (n == 0)
        return err_set(c->e, ERR_VALIDATION, bin ? TXT_BS_EMPTY : TXT_NS_EMPTY);
    av_t *items = arena_alloc(c->a, n * sizeof *items);
    if (!items)
        return nomem(c);
    int rc = 0;
    if (bin)
        for (size_t i = 0; i < n && !rc; i++)
            rc = conv_b(c, DJ_ARR_GET(v, i), &items[i]);
    else
        for (size_t i = 0; i < n && !rc; i++)
            rc = conv_n(c, DJ_ARR_GET(v, i), &items[i]);
    if (rc)
        return rc;
    bool dup;
    if ((rc = has_dup(c, items, n, &dup)))
        return rc;
    if (dup)
        return bin ? set_dup_error(c, items, n, true)
                   : err_set(c->e, ERR_VALIDATION,
                             c->ns_dup_current ? TXT_NS_DUP_CURRENT : TXT_NS_DUP);
    *out = av_make_list(type, items, n);
    return 0;
}

/* Members of an M value (or of the item itself): value first, then the name. */
static int conv_members(ctx_t *c, const DJ_T *obj, int depth, av_t *out)
{
    size_t n = DJ_OBJ_SIZE(obj);
    av_kv *kv = arena_alloc(c->a, (n ? n : 1) * sizeof *kv);
    if (!kv)
        return nomem(c);
    size_t i = 0, klen;
    const char *k;
    const DJ_T *m;
    DJ_OBJ_FOREACH(obj, k, klen, m)
    {
        if (DJ_IS_NULL(m))
            return err_set(c->e, ERR_VALIDATION, TXT_NULL_AV_NAMED, (int)klen, k);
        int rc = conv_value(c, m, depth, &kv[i].val);
        if (rc)
            return rc;
        if (klen == 0)
            return err_set(c->e, ERR_VALIDATION, TXT_EMPTY_NAME);
        if ((rc = str_copy(c, k, klen, &kv[i].name)))
            return rc;
        kv[i].name_len = klen;
        i++;
    }
    *out = av_make_m(kv, i);
    return 0;
}

static int conv_l(ctx_t *c, const DJ_T *v, int depth, av_t *out)
{
    size_t n = DJ_ARR_SIZE(v);
    av_t *items = arena_alloc(c->a, (n ? n : 1) * sizeof *items);
    if (!items)
        return nomem(c);
    for (size_t i = 0; i < n; i++) {
        if (DJ_IS_NULL(DJ_ARR_GET(v, i)))
            return err_set(c->e, ERR_VALIDATION, TXT_NULL_AV);
        int rc = conv_value(c, DJ_ARR_GET(v, i), depth, &items[i]);
        if (rc)
            return rc;
    }
    *out = av_make_list(AV_L, items, n);
    return 0;
}

/* j passed the shape check.  depth = containers enclosing j (the item counts as one). */
static int conv_value(ctx_t *c, const DJ_T *j, int depth, av_t *out)
{
    const DJ_T *f[K__N];
    fields_of(j, f);
    av_t v[K__N];
    memset(v, 0, sizeof v);
    int rc = 0;
    /* DynamoDB's fixed check order: SS, N, NS, BS, M, L, NULL. */
    if (f[K_SS] && (rc = conv_ss(c, f[K_SS], &v[K_SS])))
        return rc;
    if (f[K_N] && (rc = conv_n(c, f[K_N], &v[K_N])))
        return rc;
    if (f[K_NS] && (rc = conv_set(c, f[K_NS], AV_NS, &v[K_NS])))
        return rc;
    if (f[K_BS] && (rc = conv_set(c, f[K_BS], AV_BS, &v[K_BS])))
        return rc;
    if (f[K_M]) {
        if (depth + 1 > AV_MAX_DEPTH)
            return err_set(c->e, ERR_VALIDATION, TXT_NESTING);
        if ((rc = conv_members(c, f[K_M], depth + 1, &v[K_M])))
            return rc;
    }
    if (f[K_L]) {
        if (depth + 1 > AV_MAX_DEPTH)
            return err_set(c->e, ERR_VALIDATION, TXT_NESTING);
        if ((rc = conv_l(c, f[K_L], depth + 1, &v[K_L])))
            return rc;
    }
    bool b = false;
    /* {"NULL": false} is refused, by every region since 2026-07-17 (eu-west-2 and
     * eu-central-1 accepted it for a few weeks after the 2026-06 rewording: the conformance
     * suite's captures, cross-region-latest 2026-09-06 nullRoundTrip; its CHANGELOG 2.0.0),
     * and by DynamoDB Local.  tests/e2e/test_items.py test_null_false_is_refused. */
    if (f[K_NULL]) {
        shape_bool(f[K_NULL], &b, NULL);
        if (!b)
            return err_set(c->e, ERR_VALIDATION, TXT_NULL_FALSE);
        v[K_NULL] = av_make_null();
    }
    int count = 0, which = -1;
    for (int k = 0; k < K__N; k++)
        if (f[k]) {
            count++;
            which = k;
        }
    if (count == 0)
        return err_set(c->e, ERR_VALIDATION, TXT_AV_EMPTY);
    if (count > 1)
        return err_set(c->e, ERR_VALIDATION, TXT_AV_MULTI);
    switch (which) {
    case K_S: {
        const char *p;
        size_t len;
        if ((rc = text_of(c, f[K_S], &p, &len)) || (rc = str_copy(c, p, len, &p)))
            return rc;
        *out = av_make_s(p, len);
        return 0;
    }
    case K_B:
        return conv_b(c, f[K_B], out);
    case K_BOOL:
        shape_bool(f[K_BOOL], &b, NULL);
        *out = av_make_bool(b);
        return 0;
    default:
        *out = v[which];
        return 0;
    }
}

/* ---------------------------------------------------------------- entry points */

static int tree_to_av(const DJ_T *j, arena_t *a, av_t *out, err_t *e, ddbjson_layer layer)
{
    ctx_t c = ctx_for(a, e, layer);
    if (DJ_IS_NULL(j))
        return err_set(e, ERR_VALIDATION, TXT_NULL_AV);
    int rc = shape_value(j, e);
    if (!rc)
        rc = conv_value(&c, j, 0, out);
    return rc;
}

static int tree_to_item(const DJ_T *j, arena_t *a, av_t *out, err_t *e, ddbjson_layer layer)
{
    ctx_t c = ctx_for(a, e, layer);
    if (!DJ_IS_OBJECT(j)) {
        if (DJ_IS_ARRAY(j))
            return err_set(e, ERR_SERIALIZATION, TXT_SER_LIST_MAP);
        return err_set(e, ERR_SERIALIZATION, TXT_SER_FIELD);
    }
    const DJ_T *m;
    DJ_OBJ_FOREACH_VALUE(j, m)
    {
        int rc = shape_value(m, e);
        if (rc)
            return rc;
    }
    return conv_members(&c, j, 1, out);
}

#undef fields_of
#undef scalar_token
#undef shape_text
#undef shape_blob
#undef shape_bool
#undef shape_value
#undef shape_array_of
#undef text_of
#undef conv_value
#undef conv_ss
#undef conv_n
#undef conv_b
#undef conv_set
#undef conv_members
#undef conv_l
#undef tree_to_av
#undef tree_to_item

/* the includer's parameters, so the next instantiation defines its own */
#undef DJ_T
#undef DJ_
#undef DJ_IS_NULL
#undef DJ_IS_OBJECT
#undef DJ_IS_ARRAY
#undef DJ_IS_STRING
#undef DJ_IS_INTEGER
#undef DJ_IS_REAL
#undef DJ_IS_BOOLEAN
#undef DJ_IS_TRUE
#undef DJ_IS_NUMBER
#undef DJ_STR
#undef DJ_STRLEN
#undef DJ_INT
#undef DJ_ARR_SIZE
#undef DJ_ARR_GET
#undef DJ_OBJ_SIZE
#undef DJ_OBJ_FOREACH
#undef DJ_OBJ_FOREACH_VALUE
#undef DJ_FIELDS

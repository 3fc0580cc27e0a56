/*
 * expr_keyattr — "Key attributes must be scalars": a resolved expression may not reach into
 * a table or index key attribute with '.' or '[]'.  Layer: expr.
 *
 * DynamoDB Local checks every condition, filter, update and projection path against the
 * table's key attributes ("...: Key: pk") and its indexes' key attributes ("...: IndexKey:
 * ls"); the message has no "Invalid <Kind>Expression:" prefix.  Found by the differential
 * mode of tests/fuzz/fuzz_endpoint.py.
 */
#include <string.h>

#include "expr/expr_int.h"

#define TXT_KEY_SCALAR                                                                             \
    "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "          \
    "allowed: %s: %.*s"

static bool in_list(const char *const *list, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] && strlen(list[i]) == len && memcmp(list[i], name, len) == 0)
            return true;
    return false;
}

static int check_node(const expr_node *nd, const char *const *keys, size_t nkeys,
                      const char *const *ikeys, size_t nikeys, err_t *e)
{
    if (!nd)
        return 0;
    if (nd->t == EN_PATH) {
        if (nd->u.path.n < 2 || nd->u.path.el[0].is_index)
            return 0;
        const expr_pel *p = &nd->u.path.el[0];
        if (in_list(keys, nkeys, p->name, p->len))
            return err_set(e, ERR_VALIDATION, TXT_KEY_SCALAR, "Key", (int)p->len, p->name);
        if (in_list(ikeys, nikeys, p->name, p->len))
            return err_set(e, ERR_VALIDATION, TXT_KEY_SCALAR, "IndexKey", (int)p->len, p->name);
        return 0;
    }
    if (nd->t == EN_VALUE)
        return 0;
    for (size_t i = 0; i < nd->u.kids.n; i++) {
        int rc = check_node(nd->u.kids.k[i], keys, nkeys, ikeys, nikeys, e);
        if (rc)
            return rc;
    }
    return 0;
}

int expr_key_attr_check(const expr_t *x, const char *const *keys, size_t nkeys,
                        const char *const *ikeys, size_t nikeys, err_t *e)
{
    if (!x)
        return 0;
    int rc = check_node(x->root, keys, nkeys, ikeys, nikeys, e);
    for (size_t i = 0; !rc && i < x->nacts; i++) {
        rc = check_node(x->acts[i].path, keys, nkeys, ikeys, nikeys, e);
        if (!rc)
            rc = check_node(x->acts[i].val, keys, nkeys, ikeys, nikeys, e);
    }
    for (size_t i = 0; !rc && i < x->npaths; i++)
        rc = check_node(x->paths[i], keys, nkeys, ikeys, nikeys, e);
    return rc;
}

/* Whether a path of the subtree nd goes into attribute name (name.x or name[i]). */
static bool derefs(const expr_node *nd, const char *name, size_t len)
{
    if (!nd)
        return false;
    if (nd->t == EN_PATH) {
        const expr_pel *p = &nd->u.path.el[0];
        return nd->u.path.n >= 2 && !p->is_index && p->len == len &&
               memcmp(p->name, name, len) == 0;
    }
    if (nd->t == EN_VALUE)
        return false;
    for (size_t i = 0; i < nd->u.kids.n; i++)
        if (derefs(nd->u.kids.k[i], name, len))
            return true;
    return false;
}

static bool x_derefs(const expr_t *x, const char *name)
{
    size_t len = strlen(name);
    if (derefs(x->root, name, len))
        return true;
    for (size_t i = 0; i < x->nacts; i++)
        if (derefs(x->acts[i].path, name, len) || derefs(x->acts[i].val, name, len))
            return true;
    for (size_t i = 0; i < x->npaths; i++)
        if (derefs(x->paths[i], name, len))
            return true;
    return false;
}

uint32_t expr_java_hash(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t h = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp = p[i];
        size_t k = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        cp &= k == 1 ? 0x7F : k == 2 ? 0x1F : k == 3 ? 0x0F : 0x07;
        size_t j = 1;
        for (; j < k && i + j < len; j++)
            cp = (cp << 6) | (p[i + j] & 0x3F);
        i += j;
        if (cp >= 0x10000) { /* a surrogate pair in Java's String */
            cp -= 0x10000;
            h = 31 * h + (0xD800 + (cp >> 10));
            h = 31 * h + (0xDC00 + (cp & 0x3FF));
        } else {
            h = 31 * h + cp;
        }
    }
    return h ^ (h >> 16);
}

int expr_key_attr_check_ordered(const expr_t *x, const char *const *keys, size_t nkeys,
                                const char *const *ikeys, size_t nikeys, err_t *e)
{
    if (!x)
        return 0;
    for (size_t i = 0; i < nkeys; i++)
        if (keys[i] && x_derefs(x, keys[i]))
            return err_set(e, ERR_VALIDATION, TXT_KEY_SCALAR, "Key", (int)strlen(keys[i]),
                           keys[i]);
    for (size_t i = 0; i < nikeys; i++)
        if (ikeys[i] && x_derefs(x, ikeys[i]))
            return err_set(e, ERR_VALIDATION, TXT_KEY_SCALAR, "IndexKey", (int)strlen(ikeys[i]),
                           ikeys[i]);
    return 0;
}

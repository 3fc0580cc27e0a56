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

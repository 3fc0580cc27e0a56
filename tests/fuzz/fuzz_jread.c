/*
 * fuzz_jread — our JSON reader (value/jread.c) against jansson's json_loadb(JSON_DECODE_ANY |
 * JSON_ALLOW_NUL), which the server used before it.
 *
 * Input: any bytes, read as one JSON text.  Properties:
 *   - both parsers give the same verdict, except the two known differences: a U+0000 inside an
 *     object key (we accept, jansson refuses: then our verdict is jansson's on the text with
 *     every \u0000 made \u0001) and a raw NUL byte right after a number or a literal
 *     (jansson's lexer skips it, we refuse, at that byte);
 *   - what both accept gives the same tree, byte for byte (json_dumps, compact);
 *   - a refusal has a position inside the input and is no out-of-memory;
 *   - what we accept dumps to a text we read back to the same tree (keys with U+0000 too),
 *     and jread_get finds every member of every object by its whole key (keys are unique).
 */
#include <jansson.h>

#include "base/arena.h"
#include "fuzz_common.h"
#include "value/jread.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* every member of every object is found by its key (the last of a repeated key) */
static void check_get(const jread_val *v)
{
    for (const jread_val *c = v->child; c; c = c->next) {
        if (v->type == JREAD_OBJECT) {
            if (jread_get(v, c->key, c->key_len) != c)
                fz_fail("jread_get missed a member, or a key repeats");
        }
        check_get(c);
    }
}

/* jansson's verdict on the text with every \u0000 escape made \u0001 (no NUL key left) */
static bool nul_free_accepted(const char *buf, size_t n)
{
    char *t = malloc(n ? n : 1);
    if (!t)
        fz_fail("out of memory");
    memcpy(t, buf, n);
    for (size_t i = 0; i + 6 <= n; i++)
        if (memcmp(t + i, "\\u0000", 6) == 0)
            t[i + 5] = '1';
    json_t *j = json_loadb(t, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    free(t);
    json_decref(j);
    return j != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    json_error_t je;
    json_t *j = json_loadb(buf, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    arena_t a;
    arena_init(&a);
    jread_val *v = NULL;
    jread_error e;
    int rc = jread_parse(buf, size, &a, &v, &e);
    if (rc != 0) {
        if (e.nomem || e.position > size)
            fz_fail("refusal without a position: %s", e.text);
        bool raw_nul = e.position < size && buf[e.position] == '\0';
        if (j && !raw_nul)
            fz_fail("jread refused what jansson accepts: %s", e.text);
        if (!j && strstr(je.text, "NUL byte in object key") && nul_free_accepted(buf, size))
            fz_fail("jread refused a text jansson accepts once its NULs are U+0001: %s", e.text);
    } else {
        if (v->type != JREAD_OBJECT && v->type != JREAD_ARRAY && v->child)
            fz_fail("a scalar with children");
        check_get(v);
        json_t *k = jread_to_jansson(v);
        if (!k)
            fz_fail("jread_to_jansson failed");
        char *d2 = dump(k);
        if (!d2)
            fz_fail("json_dumps failed");
        if (j) {
            char *d1 = dump(j);
            if (!d1 || strcmp(d1, d2) != 0)
                fz_fail("trees differ:\n jansson %s\n jread   %s", d1, d2);
            free(d1);
        } else if (!strstr(je.text, "NUL byte in object key") || !nul_free_accepted(buf, size)) {
            fz_fail("jread accepted what jansson refuses (%s)", je.text);
        }
        /* our own dump read back: the same tree */
        arena_t b;
        arena_init(&b);
        jread_val *w = NULL;
        if (jread_parse(d2, strlen(d2), &b, &w, &e) != 0)
            fz_fail("our dump refused: %s", e.text);
        json_t *k2 = jread_to_jansson(w);
        char *d3 = k2 ? dump(k2) : NULL;
        if (!d3 || strcmp(d2, d3) != 0)
            fz_fail("dump read back differs");
        free(d3);
        json_decref(k2);
        arena_fini(&b);
        free(d2);
        json_decref(k);
    }
    json_decref(j);
    arena_fini(&a);
    return 0;
}

/*
 * fuzz_num — DynamoDB numbers (value/num.c): parsing, canonical text, comparison and the
 * exact arithmetic of SET a = a + :b and ADD.
 *
 * Input: two number texts separated by a NUL byte.  Properties: a parsed number formats to a
 * text that parses to the same number (and formats the same again); comparison agrees with
 * the text comparison and is antisymmetric; a + b - b == a and a - b + b == a whenever the
 * operations succeed (they are exact within 38 digits, or refuse); integers survive int64.
 */
#include "fuzz_common.h"
#include "value/num.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

static bool parse_check(const char *p, size_t n, num_t *out)
{
    err_t e = {0};
    if (num_parse(p, n, out, &e) != 0)
        return false;
    char t1[NUM_MAX_TEXT], t2[NUM_MAX_TEXT];
    size_t l1 = num_format(out, t1, sizeof t1);
    num_t again;
    if (num_parse(t1, l1, &again, &e) != 0 || num_cmp(out, &again) != 0)
        fz_fail("canonical text does not parse back: %s", t1);
    size_t l2 = num_format(&again, t2, sizeof t2);
    if (l1 != l2 || memcmp(t1, t2, l1) != 0)
        fz_fail("canonical text not stable: %s / %s", t1, t2);
    char c[NUM_MAX_TEXT];
    int cl = num_canonical(p, n, c, sizeof c, &e);
    if (cl < 0 || (size_t)cl != l1 || memcmp(c, t1, l1) != 0)
        fz_fail("num_canonical differs from parse+format");
    int64_t i;
    if (num_is_integer(out) && num_to_i64(out, &i) == 0) {
        num_t back;
        num_from_i64(i, &back);
        if (num_cmp(&back, out) != 0)
            fz_fail("int64 round trip");
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_part parts[2];
    size_t k = fz_split(data, size, parts, 2);
    num_t a, b, s, d, back;
    bool ha = parse_check(parts[0].p, parts[0].n, &a);
    bool hb = k > 1 && parse_check(parts[1].p, parts[1].n, &b);
    if (!ha || !hb)
        return 0;
    int c = num_cmp(&a, &b);
    if ((c > 0) - (c < 0) != -((num_cmp(&b, &a) > 0) - (num_cmp(&b, &a) < 0)))
        fz_fail("num_cmp not antisymmetric");
    int ct = num_cmp_text(parts[0].p, parts[0].n, parts[1].p, parts[1].n);
    if ((ct > 0) - (ct < 0) != (c > 0) - (c < 0))
        fz_fail("num_cmp_text disagrees with num_cmp");
    err_t e = {0};
    if (num_add(&a, &b, &s, &e) == 0 && num_sub(&s, &b, &back, &e) == 0 && num_cmp(&back, &a))
        fz_fail("a + b - b != a");
    if (num_sub(&a, &b, &d, &e) == 0 && num_add(&d, &b, &back, &e) == 0 && num_cmp(&back, &a))
        fz_fail("a - b + b != a");
    if (num_add(&a, &b, &s, &e) == 0 && num_add(&b, &a, &back, &e) == 0 && num_cmp(&back, &s))
        fz_fail("a + b != b + a");
    buf_t bf;
    buf_init(&bf, 0);
    (void)num_format_plain(&a, &bf);
    buf_fini(&bf);
    return 0;
}

/*
 * test_event_id — event ids (messaging/event_id.c): the format/parse round trip, the
 * per-conversation positions, the look-back window, the position cap, refusals.  Moved from
 * test_events.c with the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "messaging/events.h"
#include "messaging/messaging_int.h"

static const char G1[] = "11111111-1111-4111-8111-111111111111";
static const char G2[] = "22222222-2222-4222-8222-222222222222";

static void test_event_id_round_trip(void **state)
{
    msg_event_state s = {.floor = 1000, .rseq = -1};
    char id[MSG_EVENT_ID_MAX];
    msg_event_id_format(&s, id, sizeof id);
    assert_string_equal(id, "v1:1000");
    assert_int_equal(msg_event_state_start(&s, G1), 1000);
    msg_event_state_apply(&s, G2, 5000);
    msg_event_state_apply(&s, G1, 4000);
    msg_event_id_format(&s, id, sizeof id);
    assert_string_equal(id, "v1:1000,11111111-1111-4111-8111-111111111111:4000,"
                            "22222222-2222-4222-8222-222222222222:5000");
    msg_event_state back;
    err_t e = {0};
    assert_int_equal(msg_event_id_parse(id, &back, &e), 0);
    assert_int_equal(back.floor, 1000);
    assert_int_equal(back.n, 2);
    assert_int_equal(msg_event_state_start(&back, G1), 4000);
    assert_int_equal(msg_event_state_start(&back, G2), 5000);
    /* an unlisted conversation starts at max(floor, newest - look-back) */
    assert_int_equal(msg_event_state_start(&back, "33333333-3333-4333-8333-333333333333"),
                     1000);
    int64_t late = (int64_t)MSG_EVENTS_LATE_S * 1000000;
    msg_event_state_apply(&back, G2, 5000 + 2 * late); /* G1 falls out of the window */
    assert_int_equal(back.n, 1);
    assert_int_equal(msg_event_state_start(&back, G1), 5000 + late);
    /* a position never goes back */
    msg_event_state_apply(&back, G2, 10);
    assert_int_equal(msg_event_state_start(&back, G2), 5000 + 2 * late);
}

/* The read events' position (events.h: the number of the newest read-log row delivered)
 * rides after the conversations as ";s<n>" and reads back; while it is not known, the stamp
 * ";r<stamp>" when past the floor, as ids written before the numbers have it; absent, it is
 * the floor (ids from before read events) */
static void test_event_id_read_position(void **state)
{
    (void)state;
    msg_event_state s = {.floor = 1000, .rd = 1000, .rseq = -1};
    char id[MSG_EVENT_ID_MAX];
    msg_event_state_apply(&s, G1, 4000);
    s.rd = 4500;
    msg_event_id_format(&s, id, sizeof id);
    assert_string_equal(id, "v1:1000,11111111-1111-4111-8111-111111111111:4000;r4500");
    msg_event_state back;
    err_t e = {0};
    assert_int_equal(msg_event_id_parse(id, &back, &e), 0);
    assert_int_equal(back.rd, 4500);
    assert_int_equal(back.rseq, -1);
    assert_int_equal(back.n, 1);
    assert_int_equal(msg_event_id_parse("v1:1000;r2000", &back, &e), 0);
    assert_int_equal(back.rd, 2000);
    assert_int_equal(back.n, 0);
    assert_int_equal(msg_event_id_parse("v1:1000", &back, &e), 0);
    assert_int_equal(back.rd, 1000);
    assert_int_equal(back.rseq, -1);
    s.rd = 900; /* not past the floor: not written */
    msg_event_id_format(&s, id, sizeof id);
    assert_string_equal(id, "v1:1000,11111111-1111-4111-8111-111111111111:4000");
    s.rseq = 0; /* known: the number, also 0 (no row yet), and no stamp */
    s.rd = 4500;
    msg_event_id_format(&s, id, sizeof id);
    assert_string_equal(id, "v1:1000,11111111-1111-4111-8111-111111111111:4000;s0");
    s.rseq = 1234567;
    msg_event_id_format(&s, id, sizeof id);
    assert_string_equal(id, "v1:1000,11111111-1111-4111-8111-111111111111:4000;s1234567");
    assert_int_equal(msg_event_id_parse(id, &back, &e), 0);
    assert_int_equal(back.rseq, 1234567);
    assert_int_equal(back.n, 1);
}

static void test_event_id_cap(void **state)
{
    msg_event_state s = {.floor = 100, .rseq = -1};
    char g[MSG_UUID_LEN + 1];
    for (int i = 0; i < MSG_EVENTS_POS_MAX + 3; i++) {
        snprintf(g, sizeof g, "%08d-0000-4000-8000-000000000000", i);
        msg_event_state_apply(&s, g, 1000 + i);
    }
    assert_int_equal(s.n, MSG_EVENTS_POS_MAX);
    assert_int_equal(s.floor, 1002); /* raised to the positions dropped */
    char id[MSG_EVENT_ID_MAX];
    msg_event_id_format(&s, id, sizeof id);
    assert_true(strlen(id) < MSG_EVENT_ID_MAX - 1);
    msg_event_state back;
    err_t e = {0};
    assert_int_equal(msg_event_id_parse(id, &back, &e), 0);
    assert_int_equal(back.n, MSG_EVENTS_POS_MAX);
}

static void test_event_id_refused(void **state)
{
    const char *bad[] = {
        "", "v2:1", "v1:", "v1:x", "v1:12345678901234567", "v1:1,", "v1:1,abc:2",
        "v1:10,11111111-1111-4111-8111-111111111111:5", /* before the floor */
        "v1:1,11111111-1111-4111-8111-111111111111:2,11111111-1111-4111-8111-111111111111:3",
        "v1:1,11111111-1111-4111-8111-111111111111", "v1:1 ", "v1:-1",
        "v1:1;", "v1:1;r", "v1:1;x5", "v1:1;r5,11111111-1111-4111-8111-111111111111:2",
        "v1:1;r5;r6", "v1:1;r12345678901234567", "v1:1;r-5", "v1:1;s", "v1:1;s-1", "v1:1;s5;r6",
        "v1:1;r6;s5", "v1:1;s12345678901234567", "v1:1;s5,11111111-1111-4111-8111-111111111111:2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        msg_event_state s;
        err_t e = {0};
        if (msg_event_id_parse(bad[i], &s, &e) == 0)
            fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(msg_err_of(&e), MSG_E_BAD_EVENT_ID);
    }
    char many[MSG_EVENT_ID_MAX * 2] = "v1:1";
    for (int i = 0; i < MSG_EVENTS_POS_MAX + 1; i++) {
        char part[64];
        snprintf(part, sizeof part, ",%08d-0000-4000-8000-000000000000:%d", i, 5 + i);
        strcat(many, part);
    }
    msg_event_state s;
    err_t e = {0};
    assert_int_not_equal(msg_event_id_parse(many, &s, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_id_round_trip),
        cmocka_unit_test(test_event_id_read_position),
        cmocka_unit_test(test_event_id_cap),
        cmocka_unit_test(test_event_id_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

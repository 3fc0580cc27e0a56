/*
 * fuzz_eventid — live delivery's event ids (src/messaging/event_id.c msg_event_id_parse /
 * _format / msg_event_state_apply): the Last-Event-ID header or ?last_event_id= of
 * GET /api/events, request input no other target reaches (fuzz_rest has no event hub).
 *
 * Input: [id text] NUL [operations: 9 bytes each, a conversation (one of 24 fixed uuids) and a
 * time step].  Properties: an id that parses formats back, within MSG_EVENT_ID_MAX, to an id
 * that parses to the same floor and the same positions; every position is at or after the
 * floor.  Then each operation delivers one message after where the state says its
 * conversation starts (as the hub does), and afterwards the state starts that conversation
 * at or after it (nothing is delivered twice) and still formats to an id that parses.
 */
#include "fuzz_common.h"
#include "messaging/events.h"
#include "messaging/service.h"

#define FZ_GROUPS 24
#define FZ_T_MAX 9000000000000000LL /* 16 digits: what an id carries */

static char GROUPS[FZ_GROUPS][MSG_UUID_LEN + 1];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (int i = 0; i < FZ_GROUPS; i++)
        snprintf(GROUPS[i], sizeof GROUPS[i], "%08x-0000-4000-8000-%012x", (unsigned)i * 7919,
                 (unsigned)i);
    return 0;
}

static bool fz_has(const msg_event_state *s, const msg_event_pos *p)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->pos[i].group, p->group) == 0 && s->pos[i].t == p->t)
            return true;
    return false;
}

static void fz_round_trip(const msg_event_state *s, const char *what)
{
    char id[MSG_EVENT_ID_MAX + 64];
    msg_event_id_format(s, id, sizeof id);
    if (strlen(id) >= MSG_EVENT_ID_MAX)
        fz_fail("%s: a formatted id of %zu bytes", what, strlen(id));
    msg_event_state b;
    err_t e = {0};
    if (msg_event_id_parse(id, &b, &e))
        fz_fail("%s: the formatted id '%s' does not parse", what, id);
    if (b.floor != s->floor || b.n != s->n)
        fz_fail("%s: '%s' parses to another floor or count", what, id);
    if (b.rseq != s->rseq ||
        (s->rseq < 0 && (b.rd > b.floor ? b.rd : b.floor) != (s->rd > s->floor ? s->rd : s->floor)))
        fz_fail("%s: '%s' parses to another read position", what, id);
    for (int i = 0; i < s->n; i++)
        if (!fz_has(&b, &s->pos[i]))
            fz_fail("%s: '%s' lost a position", what, id);
    for (int i = 0; i < b.n; i++)
        if (b.pos[i].t < b.floor)
            fz_fail("%s: a position before the floor", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_part parts[2] = {{0}};
    fz_split(data, size, parts, 2);
    char *text = fz_strndup(parts[0].p, parts[0].n);
    msg_event_state s;
    err_t e = {0};
    if (msg_event_id_parse(text, &s, &e) == 0) {
        fz_round_trip(&s, "parsed");
        const unsigned char *op = (const unsigned char *)parts[1].p;
        for (size_t k = 0; k + 9 <= parts[1].n; k += 9, op += 9) {
            const char *g = GROUPS[op[0] % FZ_GROUPS];
            uint64_t step = 0;
            for (int i = 1; i < 9; i++)
                step = step << 8 | op[i];
            int64_t start = msg_event_state_start(&s, g);
            if (start >= FZ_T_MAX - 1)
                break;
            /* mostly small steps (seconds), sometimes anything up to the id's 16 digits */
            int64_t room = FZ_T_MAX - 1 - start;
            int64_t d = (int64_t)(step % (op[1] & 1 ? (uint64_t)room : 120000000ULL)) + 1;
            if (d > room)
                d = room;
            int64_t t = start + d;
            msg_event_state_apply(&s, g, t);
            if (msg_event_state_start(&s, g) < t)
                fz_fail("a message delivered at %lld would be delivered again (starts at %lld)",
                        (long long)t, (long long)msg_event_state_start(&s, g));
            fz_round_trip(&s, "applied");
        }
    }
    free(text);
    return 0;
}

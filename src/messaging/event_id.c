/*
 * event_id — a stream's position in a user's conversations and its Last-Event-ID text:
 * "v1:<floor>" then ",<message_group_uuid>:<created_at>" per conversation delivered within
 * the look-back (MSG_EVENTS_LATE_S), then the read events' position: ";s<n>", the number of
 * the newest read-log row delivered (events.h), or while that is not known yet ";r<stamp>"
 * when its stamp is past the floor (an id written before the numbers has only that; the
 * position is then max(floor, rd)); parse, format, where a conversation's new messages
 * start, recording a delivery.  Layer: messaging (a value and its text, no I/O, no lock).
 * Used by events.c (scans, replays, every event's id).  See events.h (the design and the
 * event ids).  Tests: tests/unit/messaging/test_event_id.c, tests/fuzz (fuzz_eventid).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messaging/events.h"
#include "messaging/messaging_int.h"

static int64_t ev_hi(const msg_event_state *s)
{
    int64_t hi = s->floor;
    for (int i = 0; i < s->n; i++)
        if (s->pos[i].t > hi)
            hi = s->pos[i].t;
    return hi;
}

/* Where unlisted conversations start: max(floor, newest - look-back). */
int64_t msgi_event_state_lo(const msg_event_state *s)
{
    int64_t lo = ev_hi(s) - MSG_EVENTS_LATE_US;
    return lo > s->floor ? lo : s->floor;
}

int64_t msg_event_state_start(const msg_event_state *s, const char *group)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->pos[i].group, group) == 0)
            return s->pos[i].t;
    return msgi_event_state_lo(s);
}

void msgi_event_state_remove(msg_event_state *s, int i)
{
    s->pos[i] = s->pos[s->n - 1];
    s->n--;
}

void msg_event_state_apply(msg_event_state *s, const char *group, int64_t t)
{
    int i;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->pos[i].group, group) == 0)
            break;
    if (i == s->n) {
        if (s->n == MSG_EVENTS_POS_MAX) { /* full: drop the oldest, raise the floor to it */
            int old = 0;
            for (int k = 1; k < s->n; k++)
                if (s->pos[k].t < s->pos[old].t)
                    old = k;
            if (s->pos[old].t > s->floor)
                s->floor = s->pos[old].t;
            msgi_event_state_remove(s, old);
            i = s->n;
        }
        snprintf(s->pos[i].group, sizeof s->pos[i].group, "%s", group);
        s->pos[i].t = t;
        s->n++;
    } else if (t > s->pos[i].t) {
        s->pos[i].t = t;
    }
    int64_t lo = ev_hi(s) - MSG_EVENTS_LATE_US; /* positions older than the look-back: not needed */
    for (int k = s->n - 1; k >= 0; k--)
        if (s->pos[k].t < lo)
            msgi_event_state_remove(s, k);
}

static int ev_pos_cmp(const void *a, const void *b)
{
    const msg_event_pos *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return strcmp(x->group, y->group);
}

void msg_event_id_format(const msg_event_state *s, char *out, size_t n)
{
    msg_event_pos p[MSG_EVENTS_POS_MAX];
    memcpy(p, s->pos, sizeof p[0] * (size_t)s->n);
    qsort(p, (size_t)s->n, sizeof p[0], ev_pos_cmp);
    size_t o = 0;
    int w = snprintf(out, n, "v1:%lld", (long long)s->floor);
    o = w > 0 ? (size_t)w : 0;
    for (int i = 0; i < s->n && o < n; i++) {
        w = snprintf(out + o, n - o, ",%s:%lld", p[i].group, (long long)p[i].t);
        o += w > 0 ? (size_t)w : 0;
    }
    if (s->rseq >= 0 && o < n) /* the read events' position */
        snprintf(out + o, n - o, ";s%lld", (long long)s->rseq);
    else if (s->rd > s->floor && o < n) /* not known yet: its stamp, when past the floor */
        snprintf(out + o, n - o, ";r%lld", (long long)s->rd);
}

/* Digits into *out; 0 or -1 (none, more than 16, or garbage). */
static int ev_parse_num(const char **pp, int64_t *out)
{
    const char *p = *pp;
    int64_t v = 0;
    int k = 0;
    while (*p >= '0' && *p <= '9') {
        if (++k > 16)
            return -1;
        v = v * 10 + (*p++ - '0');
    }
    if (k == 0)
        return -1;
    *pp = p;
    *out = v;
    return 0;
}

int msg_event_id_parse(const char *id, msg_event_state *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    if (!id || strlen(id) >= MSG_EVENT_ID_MAX || strncmp(id, "v1:", 3) != 0)
        goto bad;
    const char *p = id + 3;
    if (ev_parse_num(&p, &out->floor))
        goto bad;
    out->rd = out->floor;
    out->rseq = -1;
    while (*p) {
        if (*p == ';') { /* the read events' position, last: ";s<n>" or ";r<stamp>" */
            p++;
            char kind = *p++;
            if ((kind != 'r' && kind != 's') ||
                ev_parse_num(&p, kind == 's' ? &out->rseq : &out->rd) || *p)
                goto bad;
            break;
        }
        if (*p++ != ',' || out->n == MSG_EVENTS_POS_MAX)
            goto bad;
        msg_event_pos *ps = &out->pos[out->n];
        if (strlen(p) < MSG_UUID_LEN + 2)
            goto bad;
        memcpy(ps->group, p, MSG_UUID_LEN);
        ps->group[MSG_UUID_LEN] = 0;
        p += MSG_UUID_LEN;
        if (!msgi_is_uuid(ps->group) || *p++ != ':' || ev_parse_num(&p, &ps->t) ||
            ps->t < out->floor)
            goto bad;
        for (int i = 0; i < out->n; i++)
            if (strcmp(out->pos[i].group, ps->group) == 0)
                goto bad;
        out->n++;
    }
    return 0;
bad:
    memset(out, 0, sizeof *out);
    out->rseq = -1;
    return msg_fail(e, MSG_E_BAD_EVENT_ID);
}

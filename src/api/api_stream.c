/*
 * api_stream — a stream's names as the service writes them: the StreamViewType names, the
 * StreamLabel (the stream's creation time, ISO-8601 with milliseconds, UTC) and the
 * LatestStreamArn / StreamArn arn:aws:dynamodb:<region>:<account>:table/<T>/stream/<label>.
 * Layer: api.
 *
 * Shared by the operations that show or take them: DescribeTable and the table lifecycle
 * (op_table.c), the Streams API (op_stream.c), backups (op_backup.c) and
 * resource policies on a stream (op_policy.c).  Calls no operation.
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_StreamSpecification.html
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api_int.h"

static const char *sa_view_name(uint8_t v)
{
    switch (v) {
    case STORE_SV_KEYS_ONLY:
        return "KEYS_ONLY";
    case STORE_SV_NEW_IMAGE:
        return "NEW_IMAGE";
    case STORE_SV_OLD_IMAGE:
        return "OLD_IMAGE";
    case STORE_SV_NEW_AND_OLD_IMAGES:
        return "NEW_AND_OLD_IMAGES";
    }
    return "KEYS_ONLY";
}

uint8_t api_stream_view_parse(const char *s)
{
    if (!s)
        return STORE_SV_NONE;
    for (uint8_t v = STORE_SV_KEYS_ONLY; v <= STORE_SV_NEW_AND_OLD_IMAGES; v++)
        if (strcmp(s, sa_view_name(v)) == 0)
            return v;
    return STORE_SV_NONE;
}

const char *api_stream_view_name(uint8_t v)
{
    return sa_view_name(v);
}

char *api_stream_label(arena_t *a, int64_t ms)
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    return arena_printf(a, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        (int)(ms % 1000));
}

char *api_stream_arn(api_req *r, const char *user_table, int64_t label_ms)
{
    const char *label = api_stream_label(r->arena, label_ms);
    if (!label)
        return NULL;
    return arena_printf(r->arena, "arn:aws:dynamodb:%s:%s:table/%s/stream/%s", r->api->region,
                        r->api->account_id, user_table, label);
}

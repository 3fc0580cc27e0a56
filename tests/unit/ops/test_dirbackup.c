/*
 * test_dirbackup — hot backup and restore of a data dir (ops/dirbackup.c).
 */
#include "ops_test.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "ops/dirbackup.h"

static void seed(api_t *api, int n)
{
    assert_int_equal(
        ot_call(api, "CreateTable", NULL,
                "{\"TableName\":\"tbl\",\"BillingMode\":\"PAY_PER_REQUEST\","
                "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
                "{\"AttributeName\":\"g\",\"AttributeType\":\"N\"}],"
                "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"gix\",\"KeySchema\":[{"
                "\"AttributeName\":\"g\",\"KeyType\":\"HASH\"}],\"Projection\":{"
                "\"ProjectionType\":\"ALL\"}}]}"),
        0);
    for (int i = 0; i < n; i++)
        assert_int_equal(ot_call(api, "PutItem", NULL,
                                 "{\"TableName\":\"tbl\",\"Item\":{\"pk\":{\"S\":\"k%d\"},"
                                 "\"g\":{\"N\":\"%d\"},\"b\":{\"B\":\"AAEC\"}}}",
                                 i, i % 7),
                         0);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 4096);
    size_t n = fread(buf, 1, 4095, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Tables, indexes and the other files of the data dir come back; the restore opens while the
 * source stays open (a hot backup). */
static void test_round_trip(void **state)
{
    ot_env *t = *state;
    seed(t->api, 300);
    char sub[400], path[500], bk[400], dst[400];
    snprintf(path, sizeof path, "%s/jwt-secret", t->data);
    write_text(path, "s3cret\n");
    snprintf(sub, sizeof sub, "%s/backups", t->data);
    mkdir(sub, 0700);
    snprintf(path, sizeof path, "%s/backups/x.dump", t->data);
    write_text(path, "dump");
    snprintf(path, sizeof path, "%s/backups/y.dump.tmp", t->data); /* in progress: skipped */
    write_text(path, "partial");

    snprintf(bk, sizeof bk, "%s/bk", t->root);
    ops_dir_result r;
    err_t e = {0};
    int rc = ops_dir_backup(t->data, bk, NULL, NULL, &r, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(r.files, 3);
    assert_true(r.lmdb_bytes > 0);

    /* writes after the backup are not in it */
    assert_int_equal(ot_call(t->api, "PutItem", NULL,
                             "{\"TableName\":\"tbl\",\"Item\":{\"pk\":{\"S\":\"late\"}}}"),
                     0);

    snprintf(dst, sizeof dst, "%s/restored", t->root);
    rc = ops_dir_restore(bk, dst, NULL, NULL, &r, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, 0);

    snprintf(path, sizeof path, "%s/jwt-secret", dst);
    char *txt = read_text(path);
    assert_string_equal(txt, "s3cret\n");
    free(txt);
    snprintf(path, sizeof path, "%s/backups/x.dump", dst);
    txt = read_text(path);
    assert_string_equal(txt, "dump");
    free(txt);
    snprintf(path, sizeof path, "%s/backups/y.dump.tmp", dst);
    assert_int_not_equal(access(path, F_OK), 0);

    ot_env r2 = {0};
    ot_open(&r2, dst);
    json_t *items = ot_scan_all(r2.api, "tbl");
    assert_int_equal(json_array_size(items), 300);
    json_decref(items);
    /* the index came along: query it */
    json_t *resp = NULL;
    assert_int_equal(ot_call(r2.api, "Query", &resp,
                             "{\"TableName\":\"tbl\",\"IndexName\":\"gix\","
                             "\"KeyConditionExpression\":\"g = :g\","
                             "\"ExpressionAttributeValues\":{\":g\":{\"N\":\"3\"}}}"),
                     0);
    assert_int_equal(json_integer_value(json_object_get(resp, "Count")), 300 / 7 + (3 < 300 % 7));
    json_decref(resp);
    ot_close(&r2);
}

/* A target that holds anything is refused, for backup and restore alike; nothing is touched. */
static void test_refuses_non_empty(void **state)
{
    ot_env *t = *state;
    seed(t->api, 3);
    char bk[400], path[500];
    snprintf(bk, sizeof bk, "%s/bk", t->root);
    mkdir(bk, 0700);
    snprintf(path, sizeof path, "%s/keep", bk);
    write_text(path, "mine");
    ops_dir_result r;
    err_t e = {0};
    assert_int_equal(ops_dir_backup(t->data, bk, NULL, NULL, &r, &e), ERR_VALIDATION);
    char *txt = read_text(path);
    assert_string_equal(txt, "mine");
    free(txt);

    snprintf(bk, sizeof bk, "%s/bk2", t->root);
    err_clear(&e);
    assert_int_equal(ops_dir_backup(t->data, bk, NULL, NULL, &r, &e), 0);
    err_clear(&e);
    /* restoring over the live data dir */
    assert_int_equal(ops_dir_restore(bk, t->data, NULL, NULL, &r, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "not empty"));
    /* an empty existing dir is fine */
    char dst[400];
    snprintf(dst, sizeof dst, "%s/empty", t->root);
    mkdir(dst, 0700);
    err_clear(&e);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), 0);
}

/* A damaged, truncated or incomplete backup is refused before anything is written. */
static void test_damaged(void **state)
{
    ot_env *t = *state;
    seed(t->api, 20);
    char bk[400], path[500], dst[400];
    snprintf(bk, sizeof bk, "%s/bk", t->root);
    ops_dir_result r;
    err_t e = {0};
    assert_int_equal(ops_dir_backup(t->data, bk, NULL, NULL, &r, &e), 0);
    snprintf(dst, sizeof dst, "%s/dst", t->root);

    /* one flipped byte in data.mdb */
    snprintf(path, sizeof path, "%s/data.mdb", bk);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, 5000), 1);
    c ^= 0x40;
    assert_int_equal(pwrite(fd, &c, 1, 5000), 1);
    err_clear(&e);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "damaged"));
    assert_int_not_equal(access(dst, F_OK), 0);
    c ^= 0x40;
    assert_int_equal(pwrite(fd, &c, 1, 5000), 1);
    close(fd);

    /* no manifest: incomplete */
    char man[500], moved[500];
    snprintf(man, sizeof man, "%s/" OPS_BACKUP_MANIFEST, bk);
    snprintf(moved, sizeof moved, "%s/manifest.saved", t->root);
    assert_int_equal(rename(man, moved), 0);
    err_clear(&e);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "not a complete ddbchat backup"));

    /* a manifest that points outside the backup */
    write_text(man, "{\"format\":\"ddbchat-backup\",\"version\":1,\"files\":[{\"path\":"
                    "\"../escape\",\"bytes\":1,\"sha256\":\"0000000000000000000000000000000000"
                    "000000000000000000000000000000\"}]}");
    err_clear(&e);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "malformed"));

    /* a newer format */
    write_text(man, "{\"format\":\"ddbchat-backup\",\"version\":9,\"files\":[]}");
    err_clear(&e);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "version 9"));
    assert_int_equal(rename(moved, man), 0);
    err_clear(&e);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), 0);
}

/* Not a data dir: refused, and no backup dir is left behind. */
static void test_not_a_data_dir(void **state)
{
    ot_env *t = *state;
    char src[400], bk[400];
    snprintf(src, sizeof src, "%s/nothing", t->root);
    mkdir(src, 0700);
    snprintf(bk, sizeof bk, "%s/bk", t->root);
    ops_dir_result r;
    err_t e = {0};
    assert_int_equal(ops_dir_backup(src, bk, NULL, NULL, &r, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "not a ddbchat data dir"));
    assert_int_not_equal(access(bk, F_OK), 0);
}

/* A backup whose data.mdb was replaced by a FIFO, or by a link to /dev/zero, is refused as
 * damaged, naming the file: the restore opened the FIFO and waited for a writer for good
 * (and would read /dev/zero without end).  alarm: before the fix this test hung. */
static void test_fifo_in_backup_is_refused(void **state)
{
    ot_env *t = *state;
    seed(t->api, 5);
    char bk[400], path[500], saved[500], dst[400];
    snprintf(bk, sizeof bk, "%s/bk", t->root);
    ops_dir_result r;
    err_t e = {0};
    assert_int_equal(ops_dir_backup(t->data, bk, NULL, NULL, &r, &e), 0);
    snprintf(dst, sizeof dst, "%s/dst", t->root);
    snprintf(path, sizeof path, "%s/data.mdb", bk);
    snprintf(saved, sizeof saved, "%s/data.saved", t->root);
    assert_int_equal(rename(path, saved), 0);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(60);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "data.mdb is not a regular file"));
    assert_int_not_equal(access(dst, F_OK), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(symlink("/dev/zero", path), 0);
    err_clear(&e);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "data.mdb is not a regular file"));
    alarm(0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rename(saved, path), 0);
    err_clear(&e);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), 0);
}

/* A backup whose manifest (ddbchat-backup.json) was replaced by a FIFO is refused naming it:
 * the manifest was read with a plain open, before any data file, so restore waited for a
 * writer for good.  alarm: before the fix this test hung (and failed by SIGALRM). */
static void test_fifo_manifest_is_refused(void **state)
{
    ot_env *t = *state;
    seed(t->api, 3);
    char bk[400], path[500], saved[500], dst[400];
    snprintf(bk, sizeof bk, "%s/bk", t->root);
    ops_dir_result r;
    err_t e = {0};
    assert_int_equal(ops_dir_backup(t->data, bk, NULL, NULL, &r, &e), 0);
    snprintf(dst, sizeof dst, "%s/dst", t->root);
    snprintf(path, sizeof path, "%s/%s", bk, OPS_BACKUP_MANIFEST);
    snprintf(saved, sizeof saved, "%s/manifest.saved", t->root);
    assert_int_equal(rename(path, saved), 0);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(60);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), ERR_VALIDATION);
    alarm(0);
    assert_non_null(strstr(e.msg, OPS_BACKUP_MANIFEST " is not a regular file"));
    assert_int_not_equal(access(dst, F_OK), 0);
    /* absent: still named as an incomplete backup */
    assert_int_equal(unlink(path), 0);
    err_clear(&e);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "is not a complete ddbchat backup"));
    assert_int_equal(rename(saved, path), 0);
    err_clear(&e);
    assert_int_equal(ops_dir_restore(bk, dst, NULL, NULL, &r, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_refuses_non_empty, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_damaged, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_not_a_data_dir, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_fifo_in_backup_is_refused, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_fifo_manifest_is_refused, ot_setup, ot_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

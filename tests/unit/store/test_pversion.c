/*
 * test_pversion — partition versions (store_partition_version): a write moves its own
 * partition's version and leaves another partition's (so the messaging service's user cache
 * survives the sends, which write other partitions); a failed conditional write moves
 * nothing; a commit that is not a write round of this process (a table's creation, another
 * process's write) moves every partition's; a hash key of the wrong type has none (0).
 * Module: src/store/store.c (its partition versions section) and commit.c (the rounds mark
 * and settle the partitions they write).
 */
#include "st_test.h"

#include <sys/wait.h>

static av_t S(const char *s)
{
    return (av_t){.type = AV_S, .u.str = {s, strlen(s)}};
}

static uint64_t ver(st_fix *f, const store_table *t, const char *pk)
{
    av_t h = S(pk);
    return store_partition_version(f->s, t, &h);
}

static const store_table *mk_table(st_fix *f)
{
    return st_create(f->s, "pv", st_kd("pk", AV_S, "sk", AV_S), NULL, 0);
}

static void test_write_moves_its_partition_only(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_table(f);
    /* the first round after the table's creation moves every version (the creation was not
     * a round): from then on, writes move their own partition's */
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"USER#warm\"},\"sk\":{\"S\":\"USER\"}}");
    uint64_t a0 = ver(f, t, "USER#a"), b0 = ver(f, t, "USER#b");
    assert_true(a0 != 0 && b0 != 0);
    assert_int_equal(ver(f, t, "USER#a"), a0); /* no write: the same */
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"USER#a\"},\"sk\":{\"S\":\"USER\"}}");
    uint64_t a1 = ver(f, t, "USER#a");
    assert_true(a1 != 0 && a1 != a0);
    assert_int_equal(ver(f, t, "USER#b"), b0);
    /* writes elsewhere in the table (a send's partitions) leave both */
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"MSG#g\"},\"sk\":{\"S\":\"1\"}}");
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"GRP#a\"},\"sk\":{\"S\":\"1\"}}");
    assert_int_equal(ver(f, t, "USER#a"), a1);
    assert_int_equal(ver(f, t, "USER#b"), b0);
    /* another item of the same partition moves it; a delete too */
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"USER#b\"},\"sk\":{\"S\":\"other\"}}");
    uint64_t b1 = ver(f, t, "USER#b");
    assert_true(b1 != 0 && b1 != b0);
    assert_int_equal(st_del(f->s, t, J(&f->a, "{\"pk\":{\"S\":\"USER#b\"},\"sk\":{\"S\":\"other\"}}"),
                            &f->a),
                     0);
    uint64_t b2 = ver(f, t, "USER#b");
    assert_true(b2 != 0 && b2 != b1 && b2 != b0);
    assert_int_equal(ver(f, t, "USER#a"), a1);
    /* a conditional write that fails writes nothing: no move */
    store_write w = {.table = t,
                     .key = J(&f->a, "{\"pk\":{\"S\":\"USER#a\"},\"sk\":{\"S\":\"USER\"}}"),
                     .apply = st_apply_fail,
                     .arena = &f->a};
    err_t e;
    err_clear(&e);
    assert_int_equal(store_write_each(f->s, &w, 1, &e), 0);
    assert_int_equal(w.rc, ERR_CONDITIONAL_CHECK_FAILED);
    assert_int_equal(ver(f, t, "USER#a"), a1);
}

static void test_other_commits_move_every_partition(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_table(f);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"x\"},\"sk\":{\"S\":\"1\"}}");
    uint64_t b0 = ver(f, t, "b");
    assert_true(b0 != 0);
    /* a table's creation is a write txn but not a round */
    st_create(f->s, "pv2", st_kd("pk", AV_S, NULL, AV_NONE), NULL, 0);
    uint64_t b1 = ver(f, t, "b");
    assert_true(b1 != 0 && b1 != b0);
    /* the next round sees that commit and moves every version again, once */
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"x\"},\"sk\":{\"S\":\"2\"}}");
    uint64_t b2 = ver(f, t, "b");
    assert_true(b2 != 0 && b2 != b1 && b2 != b0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"x\"},\"sk\":{\"S\":\"3\"}}");
    assert_int_equal(ver(f, t, "b"), b2);
}

/* `ddbchat send` while the server runs: another process writes (another partition). */
static int other_writer(const char *dir)
{
    return st_child_put(dir, "pv", "{\"pk\":{\"S\":\"x\"},\"sk\":{\"S\":\"9\"}}");
}

static void test_other_process_moves_every_partition(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_table(f);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"x\"},\"sk\":{\"S\":\"1\"}}");
    uint64_t b0 = ver(f, t, "b");
    assert_true(b0 != 0);
    pid_t pid = st_spawn_child("other_writer", f->dir);
    assert_true(pid > 0);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    uint64_t b1 = ver(f, t, "b");
    assert_true(b1 != 0 && b1 != b0);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"x\"},\"sk\":{\"S\":\"2\"}}");
    uint64_t b2 = ver(f, t, "b");
    assert_true(b2 != 0 && b2 != b1 && b2 != b0);
}

static void test_wrong_type_has_none(void **state)
{
    st_fix *f = *state;
    const store_table *t = mk_table(f);
    st_put_ok(f->s, t, &f->a, "{\"pk\":{\"S\":\"x\"},\"sk\":{\"S\":\"1\"}}");
    av_t n = {.type = AV_N, .u.str = {"1", 1}};
    assert_int_equal(store_partition_version(f->s, t, &n), 0);
    assert_int_equal(store_partition_version(f->s, t, NULL), 0);
}

int main(int argc, char **argv)
{
    static const st_child children[] = {{"other_writer", other_writer}};
    st_child_main(argc, argv, children, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_write_moves_its_partition_only, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_other_commits_move_every_partition, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_other_process_moves_every_partition, st_setup,
                                        st_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_type_has_none, st_setup, st_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

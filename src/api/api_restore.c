/*
 * api_restore — the restore job: loads a backup's dump (or a point-in-time restore's own
 * dump) into its target table through the group committer, in batches of BK_RESTORE_BATCH,
 * then opens the table and marks it restored.  Layer: api (private).  Started by
 * op_backup.c's restores (RestoreTableFromBackup, RestoreTableToPointInTime) once the target
 * table is created, and at start-up for a restore a stop interrupted (api_backups_resume);
 * runs on a worker thread of the backup manager (api_backups.c).  Calls no operation.
 * What a restore does and guarantees: op_backup.c's opening comment.
 * Tests: tests/e2e/test_backups.py, test_pitr.py, test_backup_cli.py;
 * tests/unit/api/test_op_backup.c.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api_backups.h"
#include "api/api_int.h"
#include "api/api_text.h"
#include "base/backoff.h"
#include "base/log.h"
#include "store/backup.h"
#include "value/ddbjson.h"

#define BK_RESTORE_BATCH 256
#define BK_RETRY_MS 200        /* a restore's batch refused by the disk: tried again after this, */
#define BK_RETRY_MAX_MS 10000  /* doubling up to this (as the store's index work, maint.c) */

static int bk_restore_apply(void *ctx, const av_t *old, arena_t *a, const av_t **out_new,
                            uint64_t *out_size, err_t *e)
{
    (void)old, (void)out_size, (void)a, (void)e;
    *out_new = ctx;
    return 0;
}

/* In the table's write txn: "Restore.InProgress" false. */
static int bk_done_fn(void *ctx, store_alter *al, err_t *e)
{
    bk_job *j = ctx;
    if (al->cur->id != j->target_id)
        return err_set(e, ERR_RESOURCE_NOT_FOUND, "the restored table was replaced");
    json_t *meta = api_table_meta(al->cur);
    if (!meta && api_table_meta_damaged(al->cur))
        return err_set(e, ERR_INTERNAL, TXT_META_DAMAGED, api_table_name(al->cur));
    if (!meta)
        return err_set(e, ERR_NOMEM, "out of memory");
    json_t *res = json_object_get(meta, "Restore");
    if (json_is_object(res))
        json_object_set_new(res, "InProgress", json_false());
    char *text = ddbjson_dumps_whole(meta, JSON_COMPACT);
    json_decref(meta);
    char *copy = text ? arena_strdup(al->arena, text) : NULL;
    free(text);
    if (!copy)
        return err_set(e, ERR_NOMEM, "out of memory");
    al->next.meta = copy;
    al->next.meta_len = strlen(copy);
    return 0;
}

/* Sleeps ms in steps, unless the server is stopping: true when it is. */
static bool bk_nap(bk_job *j, int64_t ms)
{
    for (int64_t left = ms; left > 0; left -= 50) {
        if (api_bk_stopping(j))
            return true;
        usleep((useconds_t)(left < 50 ? left : 50) * 1000);
    }
    return api_bk_stopping(j);
}

/* Marks the restore finished in the target's metadata (one read-modify-write). */
/* The dump is in: the data plane opens, then the metadata says ACTIVE (in that order: the
 * other order let a client that had seen ACTIVE be told the table does not exist). */
static int bk_restore_done(bk_job *j, err_t *e)
{
    api_bk_open(j);
    int rc = store_table_alter(j->api->store, j->target, bk_done_fn, j, NULL, e);
    if (rc == ERR_RESOURCE_NOT_FOUND) { /* dropped or replaced meanwhile: nothing to mark */
        err_clear(e);
        rc = 0;
    }
    if (j->m->done_delay_ms > 0) /* (a stop does not wait it out: test_backups
                                   test_stop_during_the_restore_done_delay) */
        bk_nap(j, j->m->done_delay_ms);
    return rc;
}

/* Writes a restore's batch.  A batch the store refuses as a whole for the disk (ERR_IO: a
 * full or failing disk; nothing of it was written) is written again after BK_RETRY_MS,
 * doubling up to BK_RETRY_MAX_MS, until it goes in or the server stops
 * (ERR_SERVICE_UNAVAILABLE): the table stays CREATING meanwhile and is whole once there is
 * room, without a restart.  Said once, and once more when it works again.  Before, such a
 * failure ended the restore: the table became ACTIVE with the items loaded so far, as for
 * a damaged dump (test_backups test_restore_on_a_full_disk_waits_for_room). */
static int bk_restore_write(bk_job *j, const store_table *t, av_t *items, arena_t *wa,
                            store_write *w, size_t n, err_t *e)
{
    backoff bo;
    backoff_init(&bo, BK_RETRY_MS, BK_RETRY_MAX_MS);
    int rc;
    for (;;) {
        arena_reset(wa); /* the writes' own (old items): an attempt's, not kept */
        for (size_t i = 0; i < n; i++)
            w[i] = (store_write){.table = t, .key = &items[i], .apply = bk_restore_apply,
                                 .ctx = &items[i], .arena = wa, .restore = true};
        rc = store_write_each(j->api->store, w, n, e);
        if (rc != ERR_IO)
            break;
        bool started;
        int64_t wait = backoff_fail(&bo, &started);
        if (started)
            log_warn("restore of %s: writing its items failed: %s; retrying with back-off "
                     "until there is room (logged once)", j->target, e->msg);
        err_clear(e);
        if (bk_nap(j, wait))
            return ERR_SERVICE_UNAVAILABLE;
    }
    if (backoff_ok(&bo) && rc == 0)
        log_info("restore of %s: writing its items works again", j->target);
    return rc;
}

static void *bk_restore_main(void *arg)
{
    bk_job *j = arg;
    store_t *s = j->api->store;
    err_t e = {0};
    char name[64], path[4096];
    store_dump *d = NULL;
    const char *hdr;
    size_t hl;
    arena_t a, wa; /* the batch's items; the writes' outputs */
    arena_init(&a);
    arena_init(&wa);
    api_bk_signal(j, true, false);
    api_bk_file(name, sizeof name, j->id, ".dump");
    int rc = store_bk_path(s, name, path, sizeof path, &e);
    if (rc == 0)
        rc = store_dump_open(path, &d, &hdr, &hl, &e);
    av_t *items = NULL;
    store_write *w = NULL;
    if (rc == 0) {
        items = calloc(BK_RESTORE_BATCH, sizeof *items);
        w = calloc(BK_RESTORE_BATCH, sizeof *w);
        if (!items || !w)
            rc = err_set(&e, ERR_NOMEM, "out of memory");
    }
    bool end = false;
    while (rc == 0 && !end) {
        if (api_bk_stopping(j)) {
            rc = ERR_SERVICE_UNAVAILABLE;
            break;
        }
        const store_table *t = store_table_pin(s, j->target);
        if (!t || t->id != j->target_id) {
            store_table_unpin(s, t);
            rc = err_set(&e, ERR_RESOURCE_NOT_FOUND, "the target table is gone");
            break;
        }
        size_t n = 0;
        arena_reset(&a);
        while (n < BK_RESTORE_BATCH && !end) {
            if ((rc = store_dump_next(d, &a, &items[n], &end, &e)))
                break;
            if (!end)
                n++;
        }
        if (rc || n == 0) {
            store_table_unpin(s, t);
            break;
        }
        rc = bk_restore_write(j, t, items, &wa, w, n, &e);
        store_table_unpin(s, t);
        for (size_t i = 0; rc == 0 && i < n; i++)
            if (w[i].rc) /* an item the table refuses (it was in the table): report, go on */
                log_error("restore of %s: an item was refused: %s", j->target, w[i].err.msg);
    }
    free(items);
    free(w);
    store_dump_close(d);
    arena_fini(&a);
    arena_fini(&wa);
    if (rc == 0) {
        rc = bk_restore_done(j, &e);
    } else if (rc != ERR_SERVICE_UNAVAILABLE) {
        /* a restore that cannot finish (dump missing or damaged): the table keeps what was
         * loaded and becomes usable rather than CREATING for ever; the log says why */
        err_t ie = {0};
        if (bk_restore_done(j, &ie))
            log_error("restore of %s: the table cannot be marked restored: %s", j->target,
                      ie.msg);
    }
    if (j->pitr && rc != ERR_SERVICE_UNAVAILABLE) { /* the point-in-time dump was ours */
        err_t ie = {0};
        if (store_bk_remove(s, name, &ie)) /* (before: unsaid, the table's copy stayed) */
            log_warn("restore of %s: its point-in-time dump backups/%s is left behind: %s",
                     j->target, name, ie.msg);
    }
    if (rc == ERR_SERVICE_UNAVAILABLE)
        log_info("restore of %s paused: the server is stopping (it resumes at the next start)",
                 j->target);
    else if (rc)
        log_error("restore of %s from backup %s failed: %s", j->target, j->id, e.msg);
    /* done with the table: the lock goes now (before: kept, its descriptor open, until the
     * next CreateBackup reaped the job; review30c R30c-6), and with the restore finished its
     * file too, removed while still held (a paused one's stays: it resumes) */
    if (rc != ERR_SERVICE_UNAVAILABLE) {
        char lock[64];
        err_t ie = {0};
        snprintf(lock, sizeof lock, "restore-%u.lock", (unsigned)j->target_id);
        if (store_bk_remove(s, lock, &ie))
            log_warn("restore of %s: backups/%s is left behind: %s", j->target, lock, ie.msg);
    }
    store_bk_unlock(j->lock_fd);
    j->lock_fd = -1;
    j->rc = rc;
    j->err = e;
    api_bk_signal(j, false, true);
    return NULL;
}

int api_bk_start_restore(api_t *api, const char *id, bool pitr, const store_table *t,
                         err_t *e)
{
    bk_mgr *m = api->backups;
    api_bk_reap_now(m); /* the finished jobs' threads joined (before: at a CreateBackup) */
    bk_job *j = calloc(1, sizeof *j);
    if (!j)
        return err_set(e, ERR_NOMEM, "out of memory");
    j->api = api;
    j->kind = BK_JOB_RESTORE;
    j->pitr = pitr;
    j->lock_fd = -1;
    snprintf(j->id, sizeof j->id, "%s", id);
    snprintf(j->target, sizeof j->target, "%s", t->name);
    j->target_id = t->id;
    /* One process loads a restore: the job holds backups/restore-<table id>.lock until it
     * ends.  A process starting while another one's restore runs (a second `serve` on the
     * data dir) found the table InProgress and loaded the same dump again beside it, its
     * items written over the table once the first had made it ACTIVE
     * (test_backups.py::test_a_second_server_does_not_resume_a_running_restore).  Held
     * elsewhere: registered as foreign, so this process's data plane refuses the table too
     * (test_a_second_server_refuses_the_data_plane_of_a_running_restore). */
    char lock[64];
    snprintf(lock, sizeof lock, "restore-%u.lock", (unsigned)t->id);
    int rc = store_bk_lock(api->store, lock, false, &j->lock_fd, e);
    if (rc == 0 && j->lock_fd < 0) {
        rc = api_bk_foreign_add(m, id, pitr, t, e);
        if (rc == 0)
            rc = err_set(e, ERR_RESOURCE_IN_USE, "it runs in another process");
    }
    if (rc) {
        free(j);
        return rc;
    }
    /* the lock is ours: the process that held it may have finished the restore since t was
     * read (its job lets go of the lock as it ends, after committing the table ACTIVE): the
     * catalog read again, not store_table_pin's copy of up to a few ms, which could still
     * say restoring and load the dump again over the live table (read30a R30a-1) */
    const store_table *now = store_table_pin_fresh(api->store, t->name);
    bool still = now && now->id == t->id && api_bk_meta_restoring(now);
    store_table_unpin(api->store, now);
    if (!still) {
        err_t ie = {0};
        api_bk_foreign_drop(m, t->id);
        store_bk_remove(api->store, lock, &ie); /* created by our lock: the restore is done */
        store_bk_unlock(j->lock_fd);
        free(j);
        return 0;
    }
    atomic_fetch_add(&m->n_restoring, 1);
    rc = api_bk_start(m, j, bk_restore_main, e);
    if (rc) {
        atomic_fetch_sub(&m->n_restoring, 1);
        store_bk_unlock(j->lock_fd);
        free(j);
        return rc;
    }
    if (api_bk_foreign_drop(m, t->id)) /* ours now: the process that ran it stopped */
        log_info("resuming the restore of %s from backup %s: the process that ran it stopped",
                 t->name, id);
    return 0;
}

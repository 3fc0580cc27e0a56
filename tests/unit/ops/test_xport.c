/*
 * test_xport — export and import in DynamoDB's formats (ops/xport.c), in process over the
 * embedded backend.
 */
#include "ops_test.h"

#include <dirent.h>
#include <sys/stat.h>
#include <zlib.h>

#include "messaging/backend.h"
#include "ops/ops_int.h"
#include "ops/xport.h"

static void make_tab(api_t *api, const char *name)
{
    assert_int_equal(
        ot_call(api, "CreateTable", NULL,
                "{\"TableName\":\"%s\",\"BillingMode\":\"PAY_PER_REQUEST\","
                "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
                "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"},"
                "{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}],"
                "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
                "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
                "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"by_g\",\"KeySchema\":[{"
                "\"AttributeName\":\"g\",\"KeyType\":\"HASH\"}],\"Projection\":{"
                "\"ProjectionType\":\"INCLUDE\",\"NonKeyAttributes\":[\"x\"]}}]}",
                name),
        0);
}

/* An import's set-up: table "tab" on t's api and an embedded backend over it (the test frees
 * it, msg_backend_free). */
static msg_backend *import_setup(ot_env *t)
{
    make_tab(t->api, "tab");
    msg_backend *b = NULL;
    err_t e = {0};
    assert_int_equal(msg_backend_embedded_new(t->api, &b, &e), 0);
    return b;
}

/* Table `name` holds n items. */
static void assert_items(ot_env *t, const char *name, size_t n)
{
    json_t *all = ot_scan_all(t->api, name);
    assert_int_equal(json_array_size(all), n);
    json_decref(all);
}

static void write_file(const char *path, const char *text, bool gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        assert_non_null(f);
        gzputs(f, text);
        gzclose(f);
        return;
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Table "tab" (import_setup's) given the item a/1 and exported to ROOT/ex: *xr. */
static void export_one_item(ot_env *t, msg_backend *b, ops_export_result *xr)
{
    assert_int_equal(ot_call(t->api, "PutItem", NULL,
                             "{\"TableName\":\"tab\",\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
                             "\"1\"}}}"),
                     0);
    char dir[400];
    snprintf(dir, sizeof dir, "%s/ex", t->root);
    ops_export_opts xo = {.table = "tab", .dir = dir, .backend = b, .store = t->s};
    err_t e = {0};
    assert_int_equal(ops_export(&xo, xr, &e), 0);
}

/* Table "src" with 120 items (full: a string set and a map in each too) exported into
 * several data files (file_bytes 2000) under ROOT/ex: *xr.  Returns an embedded backend over
 * t's api (the test frees it). */
static msg_backend *export_src(ot_env *t, bool full, ops_export_result *xr)
{
    make_tab(t->api, "src");
    for (int i = 0; i < 120; i++)
        assert_int_equal(ot_call(t->api, "PutItem", NULL,
                                 "{\"TableName\":\"src\",\"Item\":{\"pk\":{\"S\":\"p%d\"},"
                                 "\"sk\":{\"N\":\"%d\"},\"g\":{\"S\":\"g%d\"}%s}}",
                                 i % 9, i, i % 4,
                                 full ? ",\"x\":{\"SS\":[\"a\",\"b\"]},\"m\":{\"M\":{\"n\":{"
                                        "\"NULL\":true}}}"
                                      : ""),
                         0);
    msg_backend *b = NULL;
    err_t e = {0};
    assert_int_equal(msg_backend_embedded_new(t->api, &b, &e), 0);
    char dir[400];
    snprintf(dir, sizeof dir, "%s/ex", t->root);
    ops_export_opts xo = {.table = "src", .dir = dir, .backend = b, .store = t->s,
                          .file_bytes = 2000};
    assert_int_equal(ops_export(&xo, xr, &e), 0);
    assert_true(xr->files > 3); /* split by file_bytes */
    return b;
}

/* The path of the one data file of export xr into out. */
static void the_data_file(const ops_export_result *xr, char *out, size_t n)
{
    char data[4200];
    snprintf(data, sizeof data, "%s/data", xr->export_dir);
    DIR *d = opendir(data);
    assert_non_null(d);
    struct dirent *de;
    out[0] = 0;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            snprintf(out, n, "%s/%s", data, de->d_name);
    closedir(d);
    assert_true(out[0]);
}

/* DIR/name, a plain file holding text. */
static void write_in(const char *dir, const char *name, const char *text)
{
    char path[500];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file(path, text, false);
}

/* Imports src into table "tab" over b, which must succeed: *ir. */
static void import_ok(msg_backend *b, const char *src, ops_import_result *ir)
{
    err_t e = {0};
    ops_import_opts io = {.src = src, .table = "tab", .backend = b};
    if (ops_import(&io, ir, &e))
        fail_msg("%s", e.msg);
}

/* ROOT/in, made, into dir. */
static void make_in_dir(ot_env *t, char dir[400])
{
    snprintf(dir, 400, "%s/in", t->root);
    assert_int_equal(mkdir(dir, 0700), 0);
}

/* Export (from one snapshot, several data files) and import with --create into a second
 * table: same items, same index definition. */
static void test_round_trip_small_files(void **state)
{
    ot_env *t = *state;
    ops_export_result xr;
    msg_backend *b = export_src(t, true, &xr); /* several files: xr.files > 3 */
    err_t e = {0};
    assert_int_equal(xr.items, 120);
    assert_true(xr.snapshot);

    ops_import_opts io = {.src = xr.export_dir, .table = "dst", .backend = b, .create = true};
    ops_import_result ir;
    int rc = ops_import(&io, &ir, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(ir.items, 120);
    assert_int_equal(ir.errors, 0);
    assert_int_equal(ir.files, xr.files);

    json_t *a = ot_scan_all(t->api, "src"), *d = ot_scan_all(t->api, "dst");
    char *ca = ot_canon(a), *cd = ot_canon(d);
    assert_string_equal(ca, cd);
    free(ca);
    free(cd);
    json_decref(a);
    json_decref(d);
    json_t *desc = NULL;
    assert_int_equal(ot_call(t->api, "DescribeTable", &desc, "{\"TableName\":\"dst\"}"), 0);
    json_t *g = json_array_get(json_object_get(json_object_get(desc, "Table"),
                                               "GlobalSecondaryIndexes"), 0);
    assert_string_equal(json_string_value(json_object_get(g, "IndexName")), "by_g");
    json_t *proj = json_object_get(g, "Projection");
    assert_string_equal(json_string_value(json_object_get(proj, "ProjectionType")), "INCLUDE");
    json_decref(desc);

    /* a second --create into the same name is the endpoint's ResourceInUseException */
    err_clear(&e);
    assert_int_equal(ops_import(&io, &ir, &e), ERR_RESOURCE_IN_USE);
    msg_backend_free(b);
}

/* CSV details: quotes, doubled quotes, embedded newlines and delimiters, CRLF, a BOM, empty
 * cells, more fields than the header, key typing; JSON lines: blank lines, a bad line. */
static void test_csv_and_lines(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    err_t e = {0};
    char path[500];
    snprintf(path, sizeof path, "%s/in.csv", t->root);
    write_file(path,
               "\xef\xbb\xbfpk,sk,note,other\r\n"
               "a,1,\"x, \"\"y\"\"\r\nz\",\r\n"
               "b,2,,o\r\n"
               "c,3,too,many,fields\r\n"
               "\r\n"
               "d,notanumber,n,o\r\n",
               false);
    ops_import_opts io = {.src = path, .table = "tab", .backend = b};
    ops_import_result ir;
    int rc = ops_import(&io, &ir, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, 0);
    assert_int_equal(ir.items, 2);
    assert_int_equal(ir.errors, 2); /* too many fields; a key N that is not a number */
    json_t *resp = NULL;
    assert_int_equal(ot_call(t->api, "GetItem", &resp,
                             "{\"TableName\":\"tab\",\"Key\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":"
                             "\"1\"}}}"),
                     0);
    json_t *item = json_object_get(resp, "Item");
    assert_string_equal(json_string_value(json_object_get(json_object_get(item, "note"), "S")),
                        "x, \"y\"\r\nz");
    assert_null(json_object_get(item, "other")); /* empty cell left out */
    json_decref(resp);

    snprintf(path, sizeof path, "%s/in.json.gz", t->root);
    write_file(path,
               "{\"Item\":{\"pk\":{\"S\":\"j\"},\"sk\":{\"N\":\"1\"}}}\n"
               "\n"
               "[1,2]\n"
               "{\"Item\":{\"pk\":{\"S\":\"j\"},\"sk\":{\"N\":\"2\"}}}",
               true);
    io.src = path;
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    assert_int_equal(ir.items, 2);
    assert_int_equal(ir.errors, 1);
    assert_non_null(strstr(ir.first_errors[0], "in.json.gz:3"));
    msg_backend_free(b);
}

/* A manifest whose item count disagrees with its file is refused, before anything is
 * written: the count was compared after the file's items were written (the import into
 * "dst" below wrote its item, then failed), so a bad export left a half-imported table. */
static void test_manifest_count_mismatch(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    make_tab(t->api, "dst");
    err_t e = {0};
    ops_export_result xr;
    export_one_item(t, b, &xr);
    char man[4200];
    snprintf(man, sizeof man, "%s/manifest-files.json", xr.export_dir);
    FILE *f = fopen(man, "r");
    char line[1024];
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    char *p = strstr(line, "\"itemCount\":1");
    assert_non_null(p);
    p[12] = '7';
    write_file(man, line, false);
    ops_import_opts io = {.src = xr.export_dir, .table = "dst", .backend = b};
    ops_import_result ir;
    assert_int_equal(ops_import(&io, &ir, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "holds 1 items, its manifest says 7"));
    assert_int_equal(ir.items, 0);
    assert_items(t, "dst", 0);
    /* --create: no table either */
    err_clear(&e);
    ops_import_opts ic = {.src = xr.export_dir, .table = "made", .backend = b, .create = true};
    assert_int_equal(ops_import(&ic, &ir, &e), ERR_VALIDATION);
    assert_false(ir.created);
    assert_int_equal(ot_call(t->api, "DescribeTable", NULL, "{\"TableName\":\"made\"}"),
                     ERR_RESOURCE_NOT_FOUND);
    /* a count of 0 for a file of one item, and a line that is not an item, counted as the
     * import counts them: refused too */
    p[12] = '0';
    write_file(man, line, false);
    err_clear(&e);
    assert_int_equal(ops_import(&io, &ir, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "holds 1 items, its manifest says 0"));
    assert_items(t, "dst", 0);
    /* the count restored: imported */
    p[12] = '1';
    write_file(man, line, false);
    err_clear(&e);
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    assert_int_equal(ir.items, 1);
    msg_backend_free(b);
}

/* A gzip file cut short where a line ends (here at a sync flush, as a copy or download that
 * stopped may leave it) is refused, and nothing of it is imported: zlib hands over what it
 * decompressed and reports the missing end as Z_BUF_ERROR, which was first taken for the end
 * (a success), then seen only after every line before the cut was written (1,975 of 2,000
 * items landed, and the --create'd table stayed).  Every gzip source is now read to its end
 * before anything is written: no item, no table; with a directory, not its good files
 * either. */
static void test_truncated_gzip_is_refused(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    err_t e = {0};
    char lines[4000] = "";
    for (int i = 0; i < 40; i++) {
        size_t n = strlen(lines);
        snprintf(lines + n, sizeof lines - n,
                 "{\"Item\":{\"pk\":{\"S\":\"p%d\"},\"sk\":{\"N\":\"%d\"}}}\n", i, i);
    }
    unsigned char out[8000];
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)lines;
    z.avail_in = (unsigned)strlen(lines);
    z.next_out = out;
    z.avail_out = sizeof out;
    assert_int_equal(deflate(&z, Z_SYNC_FLUSH), Z_OK); /* every line out, no gzip trailer */
    size_t cut = sizeof out - z.avail_out;
    deflateEnd(&z);
    char path[500];
    snprintf(path, sizeof path, "%s/cut.json.gz", t->root);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(out, 1, cut, f), cut);
    fclose(f);
    ops_import_opts io = {.src = path, .table = "tab", .backend = b};
    ops_import_result ir;
    assert_int_equal(ops_import(&io, &ir, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "cut.json.gz ends inside its gzip data: the file is cut short"));
    assert_int_equal(ir.items, 0);
    assert_items(t, "tab", 0); /* not the 40 lines before the cut */

    /* --create: the table is not created */
    err_clear(&e);
    ops_import_opts ic = {.src = path, .table = "made", .backend = b, .create = true,
                          .creation = json_pack("{s:[{s:s,s:s}],s:[{s:s,s:s}]}",
                                                "AttributeDefinitions", "AttributeName", "pk",
                                                "AttributeType", "S", "KeySchema",
                                                "AttributeName", "pk", "KeyType", "HASH")};
    assert_int_equal(ops_import(&ic, &ir, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "cut.json.gz ends inside its gzip data"));
    assert_false(ir.created);
    assert_int_equal(ot_call(t->api, "DescribeTable", NULL, "{\"TableName\":\"made\"}"),
                     ERR_RESOURCE_NOT_FOUND);
    json_decref(ic.creation);

    /* a directory: a good file named before the cut one is not imported either */
    char dir[400], good[500], bad[500];
    make_in_dir(t, dir);
    snprintf(good, sizeof good, "%s/a.json.gz", dir);
    write_file(good, "{\"Item\":{\"pk\":{\"S\":\"good\"},\"sk\":{\"N\":\"1\"}}}\n", true);
    snprintf(bad, sizeof bad, "%s/b.json.gz", dir);
    assert_int_equal(rename(path, bad), 0);
    err_clear(&e);
    io.src = dir;
    assert_int_equal(ops_import(&io, &ir, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "b.json.gz ends inside its gzip data: the file is cut short"));
    assert_items(t, "tab", 0);

    /* the same directory whole imports every item */
    write_file(bad, lines, true);
    err_clear(&e);
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    assert_int_equal(ir.items, 41);
    assert_items(t, "tab", 41);
    msg_backend_free(b);
}

/* A line longer than OPS_IMPORT_MAX_LINE (here 16 MB + 1 of one string, gzip'd) is one
 * refused item naming its file and line, and the lines around it are imported, as ImportTable
 * counts an item it cannot take in ErrorCount and goes on: the line ended the whole import
 * with "a line longer than 16777216 bytes" naming neither file nor line (and, without
 * --create, after the items before it were written).  A line of exactly the limit is read. */
static void test_overlong_line_is_one_refused_item(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    err_t e = {0};
    char path[500];
    snprintf(path, sizeof path, "%s/long.json.gz", t->root);
    gzFile f = gzopen(path, "wb1");
    assert_non_null(f);
    gzputs(f, "{\"Item\":{\"pk\":{\"S\":\"before\"},\"sk\":{\"N\":\"1\"}}}\n");
    const char *head = "{\"Item\":{\"pk\":{\"S\":\"long\"},\"sk\":{\"N\":\"2\"},\"x\":{\"S\":\"";
    gzputs(f, head);
    enum { CH = 1 << 16 };
    static char xs[CH];
    memset(xs, 'x', sizeof xs);
    for (size_t put = strlen(head); put <= OPS_IMPORT_MAX_LINE; put += CH)
        assert_int_equal(gzwrite(f, xs, CH), CH);
    gzputs(f, "\"}}}\n");
    /* exactly OPS_IMPORT_MAX_LINE bytes before its newline: read (and refused by the
     * item size limit, not the line limit) */
    const char *h2 = "{\"Item\":{\"pk\":{\"S\":\"edge\"},\"sk\":{\"N\":\"3\"},\"x\":{\"S\":\"";
    gzputs(f, h2);
    size_t body = OPS_IMPORT_MAX_LINE - strlen(h2) - strlen("\"}}}");
    for (size_t put = 0; put < body; put += CH)
        assert_int_equal(gzwrite(f, xs, (unsigned)(body - put < CH ? body - put : CH)) > 0, 1);
    gzputs(f, "\"}}}\n");
    gzputs(f, "{\"Item\":{\"pk\":{\"S\":\"after\"},\"sk\":{\"N\":\"4\"}}}\n");
    gzclose(f);
    ops_import_opts io = {.src = path, .table = "tab", .backend = b};
    ops_import_result ir;
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    assert_int_equal(ir.items, 2);
    assert_int_equal(ir.errors, 2);
    assert_int_equal(ir.n_first_errors, 2);
    assert_non_null(strstr(ir.first_errors[0], "long.json.gz:2: a line longer than 16777216"));
    assert_non_null(strstr(ir.first_errors[1], "long.json.gz:3: "));
    assert_null(strstr(ir.first_errors[1], "a line longer"));
    assert_items(t, "tab", 2);
    msg_backend_free(b);
}

/* A source that is neither a regular file nor a directory (a FIFO) is refused as such: it
 * was "no such file or directory", which it is not. */
static void test_fifo_source_is_named(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    err_t e = {0};
    char path[500];
    snprintf(path, sizeof path, "%s/fifo", t->root);
    assert_int_equal(mkfifo(path, 0600), 0);
    ops_import_opts io = {.src = path, .table = "tab", .backend = b};
    ops_import_result ir;
    assert_int_equal(ops_import(&io, &ir, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "fifo is not a regular file or a directory"));
    snprintf(path, sizeof path, "%s/none", t->root);
    err_clear(&e);
    io.src = path;
    assert_int_equal(ops_import(&io, &ir, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "none: no such file or directory"));
    msg_backend_free(b);
}

/* An export whose data file was replaced by a FIFO is refused naming the file, before any
 * table is created: the import opened it and waited for a writer for good.  alarm: before
 * the fix this test hung. */
static void test_fifo_data_file_is_refused(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    err_t e = {0};
    ops_export_result xr;
    export_one_item(t, b, &xr);
    char file[4500];
    the_data_file(&xr, file, sizeof file);
    assert_int_equal(unlink(file), 0);
    assert_int_equal(mkfifo(file, 0600), 0);
    alarm(60);
    ops_import_opts ic = {.src = xr.export_dir, .table = "made", .backend = b, .create = true};
    ops_import_result ir;
    assert_int_equal(ops_import(&ic, &ir, &e), ERR_VALIDATION);
    alarm(0);
    assert_non_null(strstr(e.msg, " is not a regular file"));
    assert_non_null(strstr(e.msg, "/data/"));
    assert_false(ir.created);
    assert_int_equal(ot_call(t->api, "DescribeTable", NULL, "{\"TableName\":\"made\"}"),
                     ERR_RESOURCE_NOT_FOUND);
    msg_backend_free(b);
}

/* A line holding a NUL byte (JSON text never does) is one refused item naming its file and
 * line, and the next line is read as a line of its own: gzgets' text ended at the NUL, the
 * rest of the line and its newline were dropped and the next line glued on, so these two
 * lines, neither of them an item, imported as the item "glued". */
static void test_nul_byte_line_is_one_refused_item(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    err_t e = {0};
    char path[500];
    snprintf(path, sizeof path, "%s/nul.json", t->root);
    static const char text[] = "{\"Item\":{\"pk\":{\"S\":\"glued\"},\"sk\":{\"N\":\"1\"},\"x\":{\"S\":\"1"
                               "\0zz\n"
                               "\"}}}\n"
                               "{\"Item\":{\"pk\":{\"S\":\"after\"},\"sk\":{\"N\":\"2\"}}}\n";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, sizeof text - 1, f), sizeof text - 1);
    fclose(f);
    ops_import_opts io = {.src = path, .table = "tab", .backend = b};
    ops_import_result ir;
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    assert_int_equal(ir.items, 1);
    assert_int_equal(ir.errors, 2);
    assert_non_null(strstr(ir.first_errors[0], "nul.json:1: a NUL byte"));
    assert_non_null(strstr(ir.first_errors[1], "nul.json:2: "));
    json_t *all = ot_scan_all(t->api, "tab");
    assert_int_equal(json_array_size(all), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(all, 0), "pk"), "S")),
                        "after");
    json_decref(all);
    msg_backend_free(b);
}

/* A NUL byte in a file's last line, one without a newline, is that line's refusal too.
 * Before, xp_getline measured that line with strlen: the text was cut at the NUL and the
 * rest dropped, so "b,2\0junk" imported b and "{...}\0junk" imported its item, nothing
 * refused.  Both count the line in ErrorCount and keep what came before (CSV skips what
 * follows in the file: it may be part of a quoted field, test_csv_damage_skips_the_rest_of_
 * its_file). */
static void test_nul_byte_in_last_line_without_newline(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    err_t e = {0};
    char path[500];
    snprintf(path, sizeof path, "%s/eof.csv", t->root);
    static const char csv[] = "pk,sk\na,1\nb,2\0junk";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(csv, 1, sizeof csv - 1, f), sizeof csv - 1);
    fclose(f);
    ops_import_opts io = {.src = path, .table = "tab", .backend = b};
    ops_import_result ir;
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    assert_int_equal(ir.items, 1);
    assert_int_equal(ir.errors, 1);
    assert_non_null(strstr(ir.first_errors[0], "eof.csv:3: a NUL byte"));
    assert_null(strstr(ir.first_errors[0], "JSON")); /* names the format at hand */

    snprintf(path, sizeof path, "%s/eof.json", t->root);
    static const char json[] = "{\"Item\":{\"pk\":{\"S\":\"c\"},\"sk\":{\"N\":\"3\"}}}\n"
                               "{\"Item\":{\"pk\":{\"S\":\"d\"},\"sk\":{\"N\":\"4\"}}}\0junk";
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(json, 1, sizeof json - 1, f), sizeof json - 1);
    fclose(f);
    io.src = path;
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    assert_int_equal(ir.items, 1);
    assert_int_equal(ir.errors, 1);
    assert_non_null(strstr(ir.first_errors[0], "eof.json:2: a NUL byte"));
    json_t *resp = NULL;
    assert_int_equal(ot_call(t->api, "GetItem", &resp,
                             "{\"TableName\":\"tab\",\"Key\":{\"pk\":{\"S\":\"d\"},\"sk\":{\"N\":"
                             "\"4\"}}}"),
                     0);
    assert_null(json_object_get(resp, "Item"));
    json_decref(resp);
    msg_backend_free(b);
}

/* A CSV file damaged past reading (a NUL byte, a quote never closed that makes a record over
 * 16 MB) counts one error naming its file and line, keeps the items before, skips the rest
 * of that file, and the import goes on with the next file, as ImportTable does with a
 * malformed S3 object ("we may skip processing the remaining portion of the object",
 * Developer Guide, "Import format quotas and validation").  Failed before: the whole import
 * failed (ERR_VALIDATION "a.csv:3: a NUL byte in CSV text"), c.csv's item not written. */
static void test_csv_damage_skips_the_rest_of_its_file(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    char dir[400], path[500];
    make_in_dir(t, dir);
    snprintf(path, sizeof path, "%s/a.csv", dir);
    static const char csv[] = "pk,sk\na,1\nb,2\0junk\n\"x,3\n";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(csv, 1, sizeof csv - 1, f), sizeof csv - 1);
    fclose(f);
    snprintf(path, sizeof path, "%s/b.csv", dir); /* a quote never closed: 17 MB of lines */
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("pk,sk\nq,1\n\"open,2\n", f);
    char row[1024];
    memset(row, 'y', sizeof row - 1);
    row[sizeof row - 1] = '\n';
    for (int i = 0; i < 17 * 1024; i++)
        assert_int_equal(fwrite(row, 1, sizeof row, f), sizeof row);
    fclose(f);
    write_in(dir, "c.csv", "pk,sk\nc,1\n");
    ops_import_result ir;
    import_ok(b, dir, &ir);
    assert_int_equal(ir.files, 3);
    assert_int_equal(ir.items, 3); /* a, q, c */
    assert_int_equal(ir.errors, 2);
    assert_non_null(strstr(ir.first_errors[0], "a.csv:3: a NUL byte in CSV text (the rest"));
    assert_non_null(strstr(ir.first_errors[1], "b.csv:3: a record longer than"));
    assert_items(t, "tab", 3);
    msg_backend_free(b);
}

/* A CSV header that names a column twice is ambiguous as a JSON line naming an attribute
 * twice is: the file counts one error naming its header line and is skipped, and the import
 * goes on with the next file.  The check is made after a byte order mark is removed
 * ("\xef\xbb\xbfpk,sk,pk").  Empty names are columns left out, not a repeat ("pk,sk,,").
 * ops_csv_header_repeat finds the name for --csv-header's usage error.  Failed before:
 * a.csv imported k1 with a = "y" (the last value kept), b.csv imported k3; items 5,
 * errors 0. */
static void test_csv_header_repeated_name_skips_its_file(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    char dir[400];
    make_in_dir(t, dir);
    write_in(dir, "a.csv", "pk,sk,a,a\nk1,1,x,y\nk2,2,p,q\n");
    write_in(dir, "b.csv", "\xef\xbb\xbfpk,sk,pk\nk3,3,k4\n");
    write_in(dir, "c.csv", "pk,sk,,\nk5,5,x,y\n");
    write_in(dir, "d.csv", "pk,sk,a\nk6,6,z\n");
    ops_import_result ir;
    import_ok(b, dir, &ir);
    assert_int_equal(ir.files, 4);
    assert_int_equal(ir.items, 2); /* k5, k6 */
    assert_int_equal(ir.errors, 2);
    assert_int_equal(ir.n_first_errors, 2);
    assert_non_null(strstr(ir.first_errors[0],
                           "a.csv:1: the column name \"a\" repeated in the header (the rest"));
    assert_non_null(strstr(ir.first_errors[1],
                           "b.csv:1: the column name \"pk\" repeated in the header (the rest"));
    assert_items(t, "tab", 2);
    json_t *h = json_pack("[ssss]", "pk", "", "", "b");
    assert_int_equal(ops_csv_header_repeat(h), -1);
    json_array_append_new(h, json_string("b"));
    assert_int_equal(ops_csv_header_repeat(h), 4);
    json_decref(h);
    h = json_array();
    json_array_append_new(h, json_stringn("a\0x", 3));
    json_array_append_new(h, json_stringn("a\0y", 3));
    assert_int_equal(ops_csv_header_repeat(h), -1); /* names carry their length */
    json_decref(h);
    msg_backend_free(b);
}

/* A DynamoDB JSON line that names an attribute twice, or a key twice in a map, is one refused
 * item naming its file and line, and the import goes on.  Failed before: the last value was
 * kept and both lines imported (items 3, errors 0), "a" with v "second". */
static void test_repeated_attribute_name_is_one_refused_item(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    err_t e = {0};
    char path[500];
    snprintf(path, sizeof path, "%s/dup.json", t->root);
    write_file(path,
               "{\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"first\"},"
               "\"v\":{\"S\":\"second\"}}}\n"
               "{\"Item\":{\"pk\":{\"S\":\"m\"},\"sk\":{\"N\":\"1\"},\"m\":{\"M\":{\"k\":{\"N\":"
               "\"1\"},\"k\":{\"N\":\"2\"}}}}}\n"
               "{\"Item\":{\"pk\":{\"S\":\"ok\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"}}}\n",
               false);
    ops_import_opts io = {.src = path, .table = "tab", .backend = b};
    ops_import_result ir;
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    if (ir.items != 1 || ir.errors != 2)
        fail_msg("items %llu errors %llu", (unsigned long long)ir.items,
                 (unsigned long long)ir.errors);
    assert_non_null(strstr(ir.first_errors[0], "dup.json:1: a name repeated"));
    assert_non_null(strstr(ir.first_errors[1], "dup.json:2: a name repeated"));
    assert_items(t, "tab", 1);
    msg_backend_free(b);
}

/* A FIFO inside a plain import directory refuses the import, named (AWS has no such object;
 * a part of the source left out without a word looked like a complete import).  Failed
 * before: skipped silently, rc 0 and 1 item. */
static void test_fifo_in_a_directory_is_named(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    err_t e = {0};
    char dir[400], path[500];
    make_in_dir(t, dir);
    write_in(dir, "a.json", "{\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}}\n");
    snprintf(path, sizeof path, "%s/pipe", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    ops_import_opts io = {.src = dir, .table = "tab", .backend = b};
    ops_import_result ir;
    assert_int_equal(ops_import(&io, &ir, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "in/pipe is not a regular file or a directory"));
    assert_items(t, "tab", 0); /* refused before anything was written */
    msg_backend_free(b);
}

/* A directory holding symbolic links to itself is walked once: each of its files is read
 * once.  Before, one link to "." read every file again on each of 16 levels (17 files, 17
 * items for one), and two links walked 2^16 directories until the 100,000-file limit
 * refused the import. */
static void test_directory_link_loop_is_walked_once(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    err_t e = {0};
    char dir[400], path[500];
    make_in_dir(t, dir);
    write_in(dir, "a.json", "{\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}}\n");
    snprintf(path, sizeof path, "%s/l", dir);
    assert_int_equal(symlink(".", path), 0);
    ops_import_opts io = {.src = dir, .table = "tab", .backend = b};
    ops_import_result ir;
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    assert_int_equal(ir.files, 1);
    assert_int_equal(ir.items, 1);
    snprintf(path, sizeof path, "%s/m", dir);
    assert_int_equal(symlink(".", path), 0); /* two links: not 2^16 directories */
    err_clear(&e);
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    assert_int_equal(ir.files, 1);
    assert_int_equal(ir.items, 1);
    /* 300 directories, each with links back to itself and to its parent: the set of walked
     * directories grows past its first sizes and finds every one again (xp_dir_seen) */
    for (int i = 0; i < 300; i++) {
        char sub[450];
        snprintf(sub, sizeof sub, "%s/s%03d", dir, i);
        assert_int_equal(mkdir(sub, 0700), 0);
        snprintf(path, sizeof path, "%s/up", sub);
        assert_int_equal(symlink("..", path), 0);
        snprintf(path, sizeof path, "%s/self", sub);
        assert_int_equal(symlink(".", path), 0);
    }
    snprintf(path, sizeof path, "%s/s299/z.json", dir);
    write_file(path, "{\"Item\":{\"pk\":{\"S\":\"z\"},\"sk\":{\"N\":\"1\"}}}\n", false);
    err_clear(&e);
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    assert_int_equal(ir.files, 2);
    assert_int_equal(ir.items, 2);
    msg_backend_free(b);
}

/* An export whose manifest-files.json was replaced by a FIFO is refused naming it: the dir
 * was taken for a plain one (not a regular file: no export) and imported without the
 * manifest's checks, and a FIFO put there after that check was opened with fopen, waiting
 * for a writer for good.  alarm: so a hang fails the test. */
static void test_fifo_files_manifest_is_refused(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    err_t e = {0};
    ops_export_result xr;
    export_one_item(t, b, &xr);
    char man[4200];
    snprintf(man, sizeof man, "%s/manifest-files.json", xr.export_dir);
    assert_int_equal(unlink(man), 0);
    assert_int_equal(mkfifo(man, 0600), 0);
    alarm(60);
    ops_import_opts ic = {.src = xr.export_dir, .table = "made", .backend = b, .create = true};
    ops_import_result ir;
    assert_int_equal(ops_import(&ic, &ir, &e), ERR_VALIDATION);
    alarm(0);
    assert_non_null(strstr(e.msg, "manifest-files.json is not a regular file"));
    assert_false(ir.created);
    msg_backend_free(b);
}

/* An export killed (kill -9, a crash, a full disk) between its data files and its manifests
 * leaves DIR/AWSDynamoDB/<id>/ with _started, the files closed so far and the one just opened
 * (empty: gzip holds its first ~100 KB in memory), and no manifest-files.json.  Import took
 * that for a plain dir of files and imported the part written, exit 0 ("imported 4000 items
 * ... from 2 files" of a bigger table, seen by killing `ddbchat export` of a 64 MB+ table and
 * here with the state built by hand): refused, naming the dir, with or without --create and
 * from the dir above; its data/ dir, named on purpose, is still read as it is. */
static void test_unfinished_export_is_refused(void **state)
{
    ot_env *t = *state;
    ops_export_result xr;
    msg_backend *b = export_src(t, false, &xr); /* several files: xr.files > 3 */
    err_t e = {0};
    char dir[400];
    snprintf(dir, sizeof dir, "%s/ex", t->root);
    /* the state of a kill after the first data file: the rest not yet written */
    static const char *const after[] = {"manifest-files.json", "manifest-files.checksum",
                                        "manifest-summary.json", "manifest-summary.checksum",
                                        "ddbchat-table.json"};
    char path[4800], data[4200];
    for (size_t i = 0; i < sizeof after / sizeof *after; i++) {
        snprintf(path, sizeof path, "%s/%s", xr.export_dir, after[i]);
        assert_int_equal(unlink(path), 0);
    }
    snprintf(data, sizeof data, "%s/data", xr.export_dir);
    DIR *d = opendir(data);
    assert_non_null(d);
    struct dirent *de;
    int kept = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", data, de->d_name);
        if (kept++)
            assert_int_equal(unlink(path), 0);
    }
    closedir(d);
    snprintf(path, sizeof path, "%s/zzzzzzzzzzzzzzzzzzzzzzzzzz.json.gz", data);
    write_file(path, "", false); /* opened, nothing flushed yet */

    ops_import_opts ic = {.src = xr.export_dir, .table = "made", .backend = b, .create = true,
                          .creation = json_pack("{s:[{s:s,s:s},{s:s,s:s}],s:[{s:s,s:s},{s:s,s:s}]}",
                                                "AttributeDefinitions", "AttributeName", "pk",
                                                "AttributeType", "S", "AttributeName", "sk",
                                                "AttributeType", "N", "KeySchema",
                                                "AttributeName", "pk", "KeyType", "HASH",
                                                "AttributeName", "sk", "KeyType", "RANGE")};
    ops_import_result ir;
    int rc = ops_import(&ic, &ir, &e);
    json_decref(ic.creation);
    if (rc != ERR_VALIDATION)
        fprintf(stderr, "import: %d %s (%llu items)\n", rc, e.msg, (unsigned long long)ir.items);
    assert_int_equal(rc, ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "an export that did not finish"));
    assert_non_null(strstr(e.msg, xr.export_dir));
    assert_false(ir.created);
    assert_int_equal(ot_call(t->api, "DescribeTable", NULL, "{\"TableName\":\"made\"}"),
                     ERR_RESOURCE_NOT_FOUND);
    make_tab(t->api, "dst");
    err_clear(&e);
    ops_import_opts io = {.src = dir, .table = "dst", .backend = b};
    assert_int_equal(ops_import(&io, &ir, &e), ERR_VALIDATION);
    assert_non_null(strstr(e.msg, "an export that did not finish"));
    assert_items(t, "dst", 0);
    /* its data/ named on purpose: the files as they are */
    err_clear(&e);
    io.src = data;
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    assert_true(ir.items > 0 && ir.items < 120);
    msg_backend_free(b);
}

/* The base64 MD5 of the file at path (a manifest's md5Checksum). */
static void md5_b64_of(const char *path, char out[32])
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    ops_md *md = NULL;
    err_t e = {0};
    assert_int_equal(ops_md_new(OPS_MD_MD5, &md, &e), 0);
    unsigned char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        ops_md_update(md, buf, n);
    fclose(f);
    unsigned char d[OPS_MD_MAX];
    unsigned dl = ops_md_final(md, d);
    ops_md_free(md);
    ops_base64(d, dl, out);
}

/* An export's data file whose manifest counts every {"Item": ...} line, a line naming an
 * attribute twice among them, is refused before anything is written: the import refuses
 * that line (test_repeated_attribute_name_is_one_refused_item), so its items are one fewer
 * than the count.  Failed before: the check before writing counted the line too (2 = 2),
 * the import wrote "a" and then failed on "holds 1 items, its manifest says 2", "a" left in
 * "dst"; and a manifest counting what the import takes (1) was refused ("holds 2 items").
 * Both counts are now the import's own. */
static void test_manifest_count_is_what_the_import_takes(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    make_tab(t->api, "dst");
    err_t e = {0};
    ops_export_result xr;
    export_one_item(t, b, &xr);
    char file[4500], man[4200];
    the_data_file(&xr, file, sizeof file);
    write_file(file,
               "{\"Item\":{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"1\"}}}\n"
               "{\"Item\":{\"pk\":{\"S\":\"b\"},\"sk\":{\"N\":\"2\"},\"v\":{\"S\":\"x\"},"
               "\"v\":{\"S\":\"y\"}}}\n",
               true);
    char md5[32];
    md5_b64_of(file, md5);
    snprintf(man, sizeof man, "%s/manifest-files.json", xr.export_dir);
    json_error_t je;
    json_t *line = json_load_file(man, 0, &je);
    assert_non_null(line);
    json_object_set_new(line, "md5Checksum", json_string(md5));
    for (int count = 2; count >= 1; count--) {
        json_object_set_new(line, "itemCount", json_integer(count));
        assert_int_equal(json_dump_file(line, man, JSON_COMPACT), 0);
        ops_import_opts io = {.src = xr.export_dir, .table = "dst", .backend = b};
        ops_import_result ir;
        err_clear(&e);
        int rc = ops_import(&io, &ir, &e);
        if (count == 2) {
            assert_int_equal(rc, ERR_VALIDATION);
            assert_non_null(strstr(e.msg, "holds 1 items, its manifest says 2"));
            assert_int_equal(ir.items, 0);
            assert_items(t, "dst", 0); /* refused before "a" was written */
        } else {
            if (rc)
                fail_msg("%s", e.msg);
            assert_int_equal(ir.items, 1);
            assert_int_equal(ir.errors, 1);
            assert_non_null(strstr(ir.first_errors[0], ":2: a name repeated"));
            assert_items(t, "dst", 1);
        }
    }
    json_decref(line);
    msg_backend_free(b);
}

/* A CSV header given to ops_import (ImportTable's InputFormatOptions.Csv.HeaderList, the
 * CLI's --csv-header) is checked by the import itself, before any table is created: a name
 * twice, an empty name, no name, a name that is not a string, more than 1,024 columns.
 * Failed before (only the CLI checked it): ["pk","sk","a","a"] imported k1 with a = "y",
 * rc 0, and --create made the table. */
static void test_given_csv_header_is_checked(void **state)
{
    ot_env *t = *state;
    msg_backend *b = import_setup(t);
    char path[500];
    snprintf(path, sizeof path, "%s/in.csv", t->root);
    write_file(path, "k1,1,x,y\n", false);
    json_t *many = json_array();
    for (int i = 0; i <= OPS_IMPORT_MAX_CSV_COLUMNS; i++)
        json_array_append_new(many, json_sprintf("c%d", i));
    struct {
        json_t *header;
        const char *says;
    } bad[] = {
        {json_pack("[ssss]", "pk", "sk", "a", "a"), "names the column \"a\" twice"},
        {json_pack("[ssss]", "pk", "sk", "", "a"), "an empty column name"},
        {json_array(), "names no column"},
        {json_pack("[ssi]", "pk", "sk", 3), "column 3 is not a string"},
        {many, "more than 1024 columns"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err_t e = {0};
        ops_import_opts io = {.src = path, .table = "made", .backend = b, .create = true,
                              .format = OPS_IMPORT_CSV, .csv_header = bad[i].header,
                              .creation = json_pack("{s:[{s:s,s:s}],s:[{s:s,s:s}]}",
                                                    "AttributeDefinitions", "AttributeName",
                                                    "pk", "AttributeType", "S", "KeySchema",
                                                    "AttributeName", "pk", "KeyType", "HASH")};
        ops_import_result ir;
        int rc = ops_import(&io, &ir, &e);
        json_decref(io.creation);
        json_decref(bad[i].header);
        if (rc != ERR_VALIDATION || !strstr(e.msg, bad[i].says))
            fail_msg("header %zu: rc %d, %s", i, rc, e.msg);
        assert_false(ir.created);
        assert_int_equal(ot_call(t->api, "DescribeTable", NULL, "{\"TableName\":\"made\"}"),
                         ERR_RESOURCE_NOT_FOUND);
    }
    /* a good one: the columns as given */
    err_t e = {0};
    ops_import_opts io = {.src = path, .table = "tab", .backend = b, .format = OPS_IMPORT_CSV,
                          .csv_header = json_pack("[ssss]", "pk", "sk", "a", "b")};
    ops_import_result ir;
    assert_int_equal(ops_import(&io, &ir, &e), 0);
    json_decref(io.csv_header);
    assert_int_equal(ir.items, 1);
    assert_items(t, "tab", 1);
    msg_backend_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_small_files, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_csv_and_lines, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_manifest_count_mismatch, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_gzip_is_refused, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_overlong_line_is_one_refused_item, ot_setup,
                                        ot_teardown),
        cmocka_unit_test_setup_teardown(test_fifo_source_is_named, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_fifo_data_file_is_refused, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_nul_byte_line_is_one_refused_item, ot_setup,
                                        ot_teardown),
        cmocka_unit_test_setup_teardown(test_nul_byte_in_last_line_without_newline, ot_setup,
                                        ot_teardown),
        cmocka_unit_test_setup_teardown(test_directory_link_loop_is_walked_once, ot_setup,
                                        ot_teardown),
        cmocka_unit_test_setup_teardown(test_fifo_files_manifest_is_refused, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_unfinished_export_is_refused, ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_csv_header_repeated_name_skips_its_file, ot_setup,
                                        ot_teardown),
        cmocka_unit_test_setup_teardown(test_csv_damage_skips_the_rest_of_its_file, ot_setup,
                                        ot_teardown),
        cmocka_unit_test_setup_teardown(test_repeated_attribute_name_is_one_refused_item,
                                        ot_setup, ot_teardown),
        cmocka_unit_test_setup_teardown(test_fifo_in_a_directory_is_named, ot_setup,
                                        ot_teardown),
        cmocka_unit_test_setup_teardown(test_manifest_count_is_what_the_import_takes, ot_setup,
                                        ot_teardown),
        cmocka_unit_test_setup_teardown(test_given_csv_header_is_checked, ot_setup, ot_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for the data directory: creation, the owner lock (a forked child
 * holding it makes our open fail with the child's pid), FORMAT checks, and the
 * atomically rewritten run/endpoints.json. */
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/datadir.h"
#include "core/err.h"
#include "test.h"
#include "tmpdir.h"

static int read_text(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0) return -1;
    buf[n] = '\0';
    return 0;
}

static void open_creates_layout(void)
{
    char dir[256], p[300], buf[64];
    lh_datadir_t *dd;
    lh_err_t err = {0};
    snprintf(dir, sizeof dir, "%s/a/b/data", lh_test_tmpdir());
    CHECK_EQ_INT(lh_datadir_open(&dd, dir, &err), 0);
    CHECK_EQ_STR(lh_datadir_path(dd), dir);
    snprintf(p, sizeof p, "%s/FORMAT", dir);
    CHECK_EQ_INT(read_text(p, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "1\n");
    snprintf(p, sizeof p, "%s/LOCK", dir);
    CHECK_EQ_INT(read_text(p, buf, sizeof buf), 0);
    CHECK_EQ_INT(strtol(buf, NULL, 10), getpid());
    struct stat st;
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    snprintf(p, sizeof p, "%s/meta", dir);
    CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 077) == 0);
    snprintf(p, sizeof p, "%s/run", dir);
    CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
    lh_datadir_close(dd);
    CHECK_EQ_INT(lh_datadir_open(&dd, dir, &err), 0); /* reopen after close */
    lh_datadir_close(dd);
}

static void second_owner_in_process_is_refused(void)
{
    const char *dir = lh_test_tmpdir();
    lh_datadir_t *a, *b = NULL;
    lh_err_t err = {0};
    char want[64];
    CHECK_EQ_INT(lh_datadir_open(&a, dir, &err), 0);
    CHECK_EQ_INT(lh_datadir_open(&b, dir, &err), LH_EBUSY);
    CHECK(b == NULL);
    snprintf(want, sizeof want, "is in use by pid %d", (int)getpid());
    CHECK(strstr(err.msg, want));
    lh_datadir_close(a);
}

static void lock_held_by_child_names_its_pid(void)
{
    const char *dir = lh_test_tmpdir();
    int up[2], hold[2];
    CHECK_EQ_INT(pipe(up), 0);
    CHECK_EQ_INT(pipe(hold), 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        lh_datadir_t *dd;
        lh_err_t e = {0};
        close(hold[1]);
        close(up[0]);
        char ch = lh_datadir_open(&dd, dir, &e) == 0 ? 'y' : 'n';
        if (write(up[1], &ch, 1) != 1) _exit(1);
        if (read(hold[0], &ch, 1) < 0) /* wait until the parent is done */
            _exit(1);
        _exit(0);
    }
    char ch = 0, want[300];
    close(hold[0]);
    close(up[1]);
    CHECK_EQ_INT(read(up[0], &ch, 1), 1);
    CHECK(ch == 'y');

    lh_datadir_t *dd = NULL;
    lh_err_t err = {0};
    int pid = 0;
    CHECK_EQ_INT(lh_datadir_open(&dd, dir, &err), LH_EBUSY);
    snprintf(want, sizeof want, "data directory %s is in use by pid %d", dir, (int)child);
    CHECK_EQ_STR(err.msg, want);
    CHECK_EQ_INT(lh_datadir_in_use(dir, &pid), 1);
    CHECK_EQ_INT(pid, child);

    close(hold[1]); /* the child exits, the kernel drops its lock */
    int st;
    waitpid(child, &st, 0);
    CHECK_EQ_INT(lh_datadir_in_use(dir, &pid), 0);
    CHECK_EQ_INT(lh_datadir_open(&dd, dir, &err), 0);
    lh_datadir_close(dd);
}

static void in_use_without_lock_file(void)
{
    int pid = 7;
    CHECK_EQ_INT(lh_datadir_in_use(lh_test_tmpdir(), &pid), 0);
    CHECK_EQ_INT(pid, 0);
    CHECK_EQ_INT(lh_datadir_in_use("/nonexistent/lakehouse", NULL), 0);
}

static void other_format_is_refused(void)
{
    const char *dir = lh_test_tmpdir();
    char p[300];
    lh_datadir_t *dd = NULL;
    lh_err_t err = {0};
    snprintf(p, sizeof p, "%s/FORMAT", dir);
    FILE *f = fopen(p, "w");
    CHECK(f);
    fputs("2\n", f);
    fclose(f);
    CHECK_EQ_INT(lh_datadir_open(&dd, dir, &err), LH_ECORRUPT);
    CHECK(dd == NULL);
    CHECK(strstr(err.msg, "format '2'"));
    CHECK(strstr(err.msg, "format 1"));
    /* the refused open released its lock */
    CHECK_EQ_INT(lh_datadir_in_use(dir, NULL), 0);
}

static void endpoints_json_is_flat_and_removed(void)
{
    const char *dir = lh_test_tmpdir();
    char p[300];
    lh_datadir_t *dd;
    lh_err_t err = {0};
    json_error_t je;
    CHECK_EQ_INT(lh_datadir_open(&dd, dir, &err), 0);
    CHECK_EQ_INT(lh_datadir_set_endpoint(dd, "s3", "127.0.0.1:9000"), 0);
    CHECK_EQ_INT(lh_datadir_set_endpoint(dd, "web", "127.0.0.1:40000"), 0);
    CHECK_EQ_INT(lh_datadir_set_endpoint(dd, "s3", "127.0.0.1:41000"), 0);
    snprintf(p, sizeof p, "%s/run/endpoints.json", dir);
    json_t *doc = json_load_file(p, 0, &je);
    CHECK(doc && json_is_object(doc));
    CHECK_EQ_INT(json_object_size(doc), 4); /* s3, web, version, pid */
    CHECK_EQ_STR(json_string_value(json_object_get(doc, "version")), LH_VERSION);
    CHECK_EQ_INT(json_integer_value(json_object_get(doc, "pid")), getpid());
    CHECK_EQ_STR(json_string_value(json_object_get(doc, "s3")), "127.0.0.1:41000");
    CHECK_EQ_STR(json_string_value(json_object_get(doc, "web")), "127.0.0.1:40000");
    json_decref(doc);
    snprintf(p, sizeof p, "%s/run/.endpoints.json.tmp", dir);
    CHECK(access(p, F_OK) != 0);
    lh_datadir_close(dd);
    snprintf(p, sizeof p, "%s/run/endpoints.json", dir);
    CHECK(access(p, F_OK) != 0);
}

static void open_closes_a_directory_open_to_others(void)
{
    char dir[256], meta[300];
    lh_datadir_t *dd;
    lh_err_t err = {0};
    struct stat st;
    snprintf(dir, sizeof dir, "%s/wide", lh_test_tmpdir());
    snprintf(meta, sizeof meta, "%s/meta", dir);
    CHECK_EQ_INT(mkdir(dir, 0700), 0);
    CHECK_EQ_INT(mkdir(meta, 0700), 0);
    CHECK_EQ_INT(chmod(dir, 0755), 0);
    CHECK_EQ_INT(chmod(meta, 0770), 0);
    CHECK_EQ_INT(lh_datadir_open(&dd, dir, &err), 0);
    CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK(stat(meta, &st) == 0 && (st.st_mode & 0777) == 0700);
    lh_datadir_close(dd);
}

static const lh_test_t tests[] = {
    {"open_creates_layout", open_creates_layout},
    {"open_closes_a_directory_open_to_others", open_closes_a_directory_open_to_others},
    {"second_owner_in_process_is_refused", second_owner_in_process_is_refused},
    {"lock_held_by_child_names_its_pid", lock_held_by_child_names_its_pid},
    {"in_use_without_lock_file", in_use_without_lock_file},
    {"other_format_is_refused", other_format_is_refused},
    {"endpoints_json_is_flat_and_removed", endpoints_json_is_flat_and_removed},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)

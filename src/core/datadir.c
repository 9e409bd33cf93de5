/* The data directory: created on first use (with meta/ and run/; it and
 * meta/ are 0700, and made so again with a warning when found open), owned by one
 * process through an exclusive flock on <data-dir>/LOCK (which holds the
 * owner's pid, so a second owner can say who is in the way), versioned by
 * <data-dir>/FORMAT, and publishing the bound listener addresses in
 * run/endpoints.json (rewritten atomically: temporary file, fsync, rename). */
#include "core/datadir.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"

struct lh_datadir {
    char *path;
    int lock_fd;
    json_t *endpoints; /* name -> "host:port" */
};

static int mkdir_p(const char *path, mode_t leaf_mode)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) return -1;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(tmp, leaf_mode) != 0 && errno != EEXIST) return -1;
    struct stat st;
    if (stat(tmp, &st) != 0 || !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Writes data to path atomically: path.tmp, fsync, rename, directory fsync. */
static int write_atomic(const char *dir, const char *name, const char *data, size_t len)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    ssize_t w = write(fd, data, len);
    if (w != (ssize_t)len || fsync(fd) != 0) {
        int e = w < 0 ? errno : EIO;
        close(fd);
        unlink(tmp);
        errno = e;
        return -1;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return fsync_dir(dir);
}

static int read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0) return -1;
    buf[n] = '\0';
    return 0;
}

static int pid_in(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    int64_t pid;
    return lh_parse_i64(buf, &pid) == 0 && pid > 0 && pid <= INT_MAX ? (int)pid : 0;
}

static int take_lock(lh_datadir_t *dd, lh_err_t *err)
{
    char path[PATH_MAX], pid[32];
    snprintf(path, sizeof path, "%s/LOCK", dd->path);
    dd->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (dd->lock_fd < 0)
        return lh_err_set(err, LH_EIO, "cannot open %s: %s", path, strerror(errno));
    if (flock(dd->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return lh_err_set(err, LH_EBUSY, "data directory %s is in use by pid %d", dd->path,
                              pid_in(dd->lock_fd));
        return lh_err_set(err, LH_EIO, "cannot lock %s: %s", path, strerror(errno));
    }
    int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    if (ftruncate(dd->lock_fd, 0) != 0 || pwrite(dd->lock_fd, pid, (size_t)n, 0) != n)
        return lh_err_set(err, LH_EIO, "cannot write %s: %s", path, strerror(errno));
    return 0;
}

static int check_format(lh_datadir_t *dd, lh_err_t *err)
{
    char path[PATH_MAX], buf[64], want[16];
    snprintf(path, sizeof path, "%s/FORMAT", dd->path);
    int n = snprintf(want, sizeof want, "%d\n", LH_DATADIR_FORMAT);
    if (read_small(path, buf, sizeof buf) != 0) {
        if (errno != ENOENT)
            return lh_err_set(err, LH_EIO, "cannot read %s: %s", path, strerror(errno));
        if (write_atomic(dd->path, "FORMAT", want, (size_t)n) != 0)
            return lh_err_set(err, LH_EIO, "cannot write %s: %s", path, strerror(errno));
        return 0;
    }
    if (strcmp(buf, want) != 0) {
        buf[strcspn(buf, "\r\n")] = '\0';
        return lh_err_set(err, LH_ECORRUPT,
                          "data directory %s has format '%s' but this lakehouse reads format %d; "
                          "use a matching lakehouse version or a new data directory",
                          dd->path, buf, LH_DATADIR_FORMAT);
    }
    return 0;
}

/* A private directory left open to group or others (made by hand, or by an
 * older version) is closed to 0700, with a warning naming the old mode. Not
 * being able to (a directory owned by someone else) is a warning too: the
 * owner of the directory decides who may enter it. */
static void make_private(const char *p)
{
    struct stat st;
    if (stat(p, &st) != 0 || !(st.st_mode & 077)) return;
    unsigned old = (unsigned)(st.st_mode & 07777);
    if (chmod(p, 0700) != 0)
        lh_warn("%s has mode %04o, open to other local users, and cannot be changed to 0700: %s", p,
                old, strerror(errno));
    else
        lh_warn("%s had mode %04o, open to other local users; changed to 0700", p, old);
}

static int make_dirs(const char *path, lh_err_t *err)
{
    /* The data directory is the one wall around what it holds (secrets,
     * object bodies, the index with inline objects and policies): 0700, like
     * meta/ (secret.key). run/ only says where we listen. */
    static const char *const subs[] = {"", "/meta", "/run"};
    static const mode_t modes[] = {0700, 0700, 0755};
    char p[PATH_MAX];
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (snprintf(p, sizeof p, "%s%s", path, subs[i]) >= (int)sizeof p)
            return lh_err_set(err, LH_EINVAL, "data directory path too long: %s", path);
        if (mkdir_p(p, modes[i]) != 0)
            return lh_err_set(err, LH_EIO, "cannot create %s: %s", p, strerror(errno));
        if (modes[i] == 0700) make_private(p);
    }
    return 0;
}

int lh_datadir_open(lh_datadir_t **out, const char *path, lh_err_t *err)
{
    int rc;
    *out = NULL;
    if (!path || !*path) return lh_err_set(err, LH_EINVAL, "empty data directory path");
    lh_datadir_t *dd = calloc(1, sizeof *dd);
    if (!dd || !(dd->path = strdup(path)) || !(dd->endpoints = json_object()) ||
        json_object_set_new(dd->endpoints, "version", json_string(LH_VERSION)) ||
        json_object_set_new(dd->endpoints, "pid", json_integer(getpid()))) {
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        goto fail;
    }
    dd->lock_fd = -1;
    size_t n = strlen(dd->path);
    while (n > 1 && dd->path[n - 1] == '/')
        dd->path[--n] = '\0';
    if ((rc = make_dirs(dd->path, err)) || (rc = take_lock(dd, err)) ||
        (rc = check_format(dd, err)))
        goto fail;
    *out = dd;
    return 0;
fail:
    lh_datadir_close(dd);
    return rc;
}

void lh_datadir_close(lh_datadir_t *dd)
{
    if (!dd) return;
    if (dd->lock_fd >= 0) {
        char p[PATH_MAX];
        if (json_object_size(dd->endpoints) > 2 && /* more than version and pid */
            snprintf(p, sizeof p, "%s/run/endpoints.json", dd->path) < (int)sizeof p)
            unlink(p);
        close(dd->lock_fd); /* releases the flock */
    }
    json_decref(dd->endpoints);
    free(dd->path);
    free(dd);
}

const char *lh_datadir_path(const lh_datadir_t *dd)
{
    return dd->path;
}

int lh_datadir_set_endpoint(lh_datadir_t *dd, const char *name, const char *hostport)
{
    char run[PATH_MAX];
    if (json_object_set_new(dd->endpoints, name, json_string(hostport)) != 0) return LH_ENOMEM;
    char *text = json_dumps(dd->endpoints, JSON_SORT_KEYS | JSON_INDENT(2));
    if (!text) return LH_ENOMEM;
    size_t len = strlen(text);
    int rc = 0;
    snprintf(run, sizeof run, "%s/run", dd->path);
    /* one trailing newline for people who cat the file */
    char *withnl = realloc(text, len + 2);
    if (!withnl) {
        free(text);
        return LH_ENOMEM;
    }
    withnl[len] = '\n';
    withnl[len + 1] = '\0';
    if (write_atomic(run, "endpoints.json", withnl, len + 1) != 0) rc = LH_EIO;
    free(withnl);
    return rc;
}

int lh_datadir_in_use(const char *path, int *pid)
{
    char p[PATH_MAX];
    if (pid) *pid = 0;
    if (snprintf(p, sizeof p, "%s/LOCK", path) >= (int)sizeof p) return 0;
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int busy = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    if (busy && pid) *pid = pid_in(fd);
    close(fd); /* drops our probe lock when we got it */
    return busy;
}

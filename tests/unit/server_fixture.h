/* Our own server for the unit tests that need a real S3 endpoint (the
 * remote object-store back end, the Delta log over it): remote_start()
 * starts <dir of this test binary>/../lakehouse up --listen-ephemeral with
 * a temporary data dir and the access key g_ak / g_sk, waits for /readyz,
 * and reads the S3 address from run/endpoints.json into g_endpoint;
 * remote_stop() stops it with SIGTERM and removes the data dir. When
 * LH_OBJSTORE_TEST_ENDPOINT=http://.. is set (with
 * LH_OBJSTORE_TEST_ACCESS_KEY/SECRET_KEY), that S3 is used instead. On
 * failure g_remote_error says why; tests check it and fail with it. */
#ifndef LH_TEST_SERVER_FIXTURE_H
#define LH_TEST_SERVER_FIXTURE_H

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/objstore.h"
#include "test.h"

static char g_endpoint[256], g_ak[128], g_sk[128], g_remote_error[1200], g_data_dir[256];
static pid_t g_server = -1;

/* lh_objstore_open_s3 with the options spelled as arguments. */
static inline int open_s3(lh_objstore_t **os, const char *endpoint, const char *region,
                          const char *ak, const char *sk, int path_style, lh_err_t *err)
{
    lh_objstore_s3_opts_t o = {.endpoint = endpoint,
                               .region = region,
                               .access_key = ak,
                               .secret_key = sk,
                               .path_style = path_style};
    return lh_objstore_open_s3(os, &o, err);
}

static inline int srv_rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* 1 when GET http://<web>/readyz answers 200 (every role of the server ready). */
static inline int server_ready(const char *web)
{
    char url[300];
    long status = 0;
    snprintf(url, sizeof url, "http://%s/readyz", web);
    CURL *h = curl_easy_init();
    if (!h) return 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    return status == 200;
}

/* Reads "s3" from <dir>/run/endpoints.json once /readyz answers 200: 0 when found. */
static inline int read_endpoint(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/run/endpoints.json", dir);
    json_t *j = json_load_file(path, 0, NULL);
    const char *v = json_string_value(json_object_get(j, "s3"));
    const char *web = json_string_value(json_object_get(j, "web"));
    int rc = -1;
    if (!web || !server_ready(web)) v = NULL;
    if (v && *v) {
        snprintf(g_endpoint, sizeof g_endpoint, "%s%s", strstr(v, "://") ? "" : "http://", v);
        rc = 0;
    }
    json_decref(j);
    return rc;
}

static inline int find_server(char *exe, size_t cap)
{
    char self[400];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return -1;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (!slash) return -1;
    *slash = 0;
    snprintf(exe, cap, "%s/../lakehouse", self);
    return access(exe, X_OK);
}

static inline void spawn_server(const char *exe)
{
    g_server = fork();
    if (g_server != 0) return;
    char log[400];
    snprintf(log, sizeof log, "%s/server.log", g_data_dir);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    setenv("LAKEHOUSE_DATA_DIR", g_data_dir, 1);
    setenv("LAKEHOUSE_ACCESS_KEY", g_ak, 1);
    setenv("LAKEHOUSE_SECRET_KEY", g_sk, 1);
    execl(exe, exe, "up", "--listen-ephemeral", (char *)NULL);
    _exit(127);
}

/* Starts our server; on failure g_remote_error says why. */
static inline void remote_start(void)
{
    const char *ep = getenv("LH_OBJSTORE_TEST_ENDPOINT");
    if (ep && *ep) {
        snprintf(g_endpoint, sizeof g_endpoint, "%s", ep);
        const char *ak = getenv("LH_OBJSTORE_TEST_ACCESS_KEY"),
                   *sk = getenv("LH_OBJSTORE_TEST_SECRET_KEY");
        snprintf(g_ak, sizeof g_ak, "%s", ak ? ak : "");
        snprintf(g_sk, sizeof g_sk, "%s", sk ? sk : "");
        return;
    }
    snprintf(g_ak, sizeof g_ak, "lhtestadmin");
    snprintf(g_sk, sizeof g_sk, "lhtest-secret-0123456789");
    char exe[512];
    if (find_server(exe, sizeof exe) != 0) {
        snprintf(g_remote_error, sizeof g_remote_error,
                 "no server binary at <dir of this test>/../lakehouse (run make first)");
        return;
    }
    snprintf(g_data_dir, sizeof g_data_dir, "/tmp/lh-srv-XXXXXX");
    if (!mkdtemp(g_data_dir)) {
        snprintf(g_remote_error, sizeof g_remote_error, "mkdtemp: %s", strerror(errno));
        return;
    }
    spawn_server(exe);
    for (int i = 0; i < 300; i++) { /* up to 30 s for the server to listen */
        int st;
        if (g_server > 0 && waitpid(g_server, &st, WNOHANG) == g_server) {
            g_server = -1;
            snprintf(g_remote_error, sizeof g_remote_error,
                     "%s up exited with status %d before serving s3 (see %s/server.log)", exe,
                     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), g_data_dir);
            return;
        }
        if (read_endpoint(g_data_dir) == 0) return;
        usleep(100000);
    }
    snprintf(g_remote_error, sizeof g_remote_error,
             "%s up wrote no \"s3\" address to %s/run/endpoints.json within 30 s", exe, g_data_dir);
}

static inline void remote_stop(void)
{
    if (g_server > 0) {
        kill(g_server, SIGTERM);
        int st;
        waitpid(g_server, &st, 0);
    }
    if (g_data_dir[0] && !g_remote_error[0])
        nftw(g_data_dir, srv_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
/* An S3 handle on the fixture's server (path style, us-east-1). */
static inline int remote_open(lh_objstore_t **os, lh_err_t *err)
{
    return open_s3(os, g_endpoint, "us-east-1", g_ak, g_sk, 1, err);
}

/* main() of a test file with s3/ tests: the server is started only when
 * the name filter (argv[1]) selects one of them, and stopped at the end. */
static inline int remote_test_main(const lh_test_t *tests, int argc, char **argv)
{
    int want_remote = 0;
    for (const lh_test_t *t = tests; t->name; t++)
        want_remote |= strncmp(t->name, "s3/", 3) == 0 && (argc < 2 || strstr(t->name, argv[1]));
    if (want_remote) remote_start();
    if (g_remote_error[0])
        printf("note: s3/ half cannot run: %s\n", g_remote_error);
    else if (want_remote)
        printf("note: s3/ half against %s\n", g_endpoint);
    int rc = lh_test_main(tests, argc, argv);
    remote_stop();
    return rc;
}

#endif

/* glibc's malloc tuned for `lakehouse sql` and `lakehouse ingest` through
 * tunables it reads only at start (GLIBC_TUNABLES): the command starts
 * itself again (same process id, arguments and descriptors) with them added
 * (cmd.h). The orchestrator's launcher (`task-run --launcher`, main.c)
 * starts itself again the same way, so the sql and ingest tries it forks
 * and runs in process have the tunables without a restart of their own.
 * Each is added unless the user's GLIBC_TUNABLES names it;
 * glibc.malloc.hugetlb=1 only where the kernel gives transparent huge pages
 * on request (its "madvise" mode, Debian's default). Nothing to add, the key
 * off or a failed exec leave the process running as it was. Under
 * AddressSanitizer malloc is the sanitizer's, which reads no glibc tunables:
 * nothing to do.
 * - glibc.malloc.arena_max=1: the SQL pool's threads make batches that the
 *   main thread keeps or frees, and parallel phases alternate with serial
 *   ones; with an arena per thread, memory freed into one arena is never
 *   reused by another, which takes fresh pages instead (each a page fault,
 *   expensive under virtualization). One arena: the example's
 *   bronze_to_silver 20% less memory and 15% faster at 10M events, its
 *   validate 18% less and 15%.
 * - glibc.malloc.hugetlb=1: hash tables, memory tables and column vectors of
 *   hundreds of MB walked with 4 KiB pages spend a good part of their time in
 *   TLB misses (bronze_to_silver 15-20% faster).
 * - glibc.malloc.mmap_threshold=64 MiB, trim_threshold=512 MiB: buffers of a
 *   few MB (Parquet pages, column chunks, librdkafka's Fetch responses, the
 *   ingest parts' growing buffers) come from the heap and its top is kept,
 *   instead of each being mapped, faulted in 4 KiB at a time and unmapped.
 *   silver_to_gold's queries: 14,000 page faults -> 2,500, 0.91 of the CPU;
 *   validate's 10,300 -> 1,800. An ingest interval of 1.25M records: ~45,000
 *   -> ~1,500 with all four, 0.78 of the CPU. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/config.h"

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
static const char *const tunables[] = {"glibc.malloc.arena_max=1", "glibc.malloc.hugetlb=1",
                                       "glibc.malloc.mmap_threshold=67108864",
                                       "glibc.malloc.trim_threshold=536870912", NULL};

static bool thp_on_request(void)
{
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f) return false;
    char mode[128] = "";
    bool on = fgets(mode, sizeof mode, f) && strstr(mode, "[madvise]");
    fclose(f);
    return on;
}

/* Whether tunable "name=value" is to be added to was (which does not name
 * it). */
static bool wanted(const char *was, const char *tunable)
{
    char name[64];
    size_t n = strcspn(tunable, "=");
    if (n >= sizeof name) return false;
    memcpy(name, tunable, n);
    name[n] = 0;
    for (const char *p = was; p && (p = strstr(p, name)) != NULL; p += n)
        if ((p == was || p[-1] == ':') && p[n] == '=') return false;
    return strcmp(name, "glibc.malloc.hugetlb") || thp_on_request();
}

/* This image started with the tunables (the restart below happened): a
 * forked child of it has them too (the launcher's in-process tries). */
static bool tuned;

void lh_cmd_tune_malloc(const char *verb, const char *key, int argc, char **argv)
{
    if (tuned) return;
    /* never a second time: glibc cuts GLIBC_TUNABLES up in place as it reads it */
    if (getenv("LH_STARTED_AGAIN")) {
        unsetenv("LH_STARTED_AGAIN");
        tuned = true;
        return;
    }
    const char *was = getenv("GLIBC_TUNABLES");
    lh_buf_t t; /* was, then the tunables to add, ':' between */
    lh_buf_init(&t, 0);
    if (was) lh_buf_puts(&t, was);
    size_t len0 = t.len;
    for (size_t i = 0; tunables[i]; i++)
        if (wanted(was, tunables[i])) {
            if (t.len) lh_buf_puts(&t, ":");
            lh_buf_puts(&t, tunables[i]);
        }
    char **args = t.len > len0 ? calloc((size_t)argc + 3, sizeof *args) : NULL;
    bool on = args != NULL;
    if (on && key) { /* the key, from the command's own flags, environment and file */
        memcpy(args + 2, argv, (size_t)argc * sizeof *args);
        int n = argc;
        lh_config_t *cfg = NULL;
        lh_err_t e = {0};
        on = !lh_config_load(&cfg, &n, args + 2, &e) && lh_config_bool(cfg, key) == 1;
        lh_config_free(cfg);
    }
    char *old = was ? strdup(was) : NULL;
    if (on && !t.err && (!was || old) && !setenv("GLIBC_TUNABLES", t.ptr, 1) &&
        !setenv("LH_STARTED_AGAIN", "1", 1)) {
        args[0] = program_invocation_name;
        args[1] = (char *)verb;
        memcpy(args + 2, argv, (size_t)argc * sizeof *args); /* the load reordered the copy */
        execv("/proc/self/exe", args);
        if (old) /* still here: as it was */
            setenv("GLIBC_TUNABLES", old, 1);
        else
            unsetenv("GLIBC_TUNABLES");
        unsetenv("LH_STARTED_AGAIN");
    }
    free(old);
    lh_buf_free(&t);
    free(args);
}
#else
void lh_cmd_tune_malloc(const char *verb, const char *key, int argc, char **argv)
{
    (void)verb;
    (void)key;
    (void)argc;
    (void)argv;
}
#endif
